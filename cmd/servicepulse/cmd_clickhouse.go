package main

import (
	"context"
	"fmt"

	"servicepulse/devenv"
	"servicepulse/internal/cli"
)

// runClickHouse starts or stops a local ClickHouse server for development and
// for the test script: `clickhouse start|stop --dir DIR`; with --shards or
// --replicas, a cluster with ZooKeeper on free ports, printed as JSON.
func runClickHouse(ctx context.Context, args []string) error {
	v, err := app.PickVerb("clickhouse", args)
	if err != nil {
		return err
	}
	var logs cli.LogFlags
	cfg, cl := devenv.DefaultClickHouseConfig(), devenv.DefaultClusterConfig()
	fs := app.NewFlagSet("clickhouse "+v, "", &logs)
	fs.StringVar(&cfg.Dir, "dir", cfg.Dir, "directory for the server's config, data, logs and pid file")
	fs.IntVar(&cfg.TCPPort, "tcp-port", cfg.TCPPort, "native protocol port")
	fs.IntVar(&cfg.HTTPPort, "http-port", cfg.HTTPPort, "HTTP port (used for the health check)")
	fs.IntVar(&cfg.TLSPort, "tls-port", 0, "native protocol port with TLS (needs --tls-cert and --tls-key)")
	fs.StringVar(&cfg.TLSCertFile, "tls-cert", "", "PEM certificate of the TLS port")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key", "", "PEM key of --tls-cert")
	fs.StringVar(&cfg.UsersFile, "users-file", "", "users.d XML file to add (users with passwords, read-only profiles)")
	fs.IntVar(&cl.Shards, "shards", 1, "shards of a cluster named servicepulse, with ZooKeeper, on free ports (1 and 1 replica: one server)")
	fs.IntVar(&cl.Replicas, "replicas", 1, "replicas of each shard of the cluster")
	fs.StringVar(&cl.PasswordFile, "password-file", "", "file holding a password for the cluster's default user, which the nodes then use between themselves")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	log, err := logs.Logger()
	if err != nil {
		return err
	}
	if v == "stop" {
		return devenv.StopDir(cfg.Dir)
	}
	cfg.Detach, cl.Detach, cl.Dir = true, true, cfg.Dir
	if cl.Shards != 1 || cl.Replicas != 1 {
		if err := cl.Validate(); err != nil {
			return fs.Invalid(err)
		}
		return cli.PrintResult(devenv.StartCluster(ctx, cl, log))
	}
	if err := cfg.Validate(); err != nil {
		return cli.Usagef("%v", err)
	}
	srv, err := devenv.EnsureClickHouse(ctx, cfg, log)
	if err != nil {
		return err
	}
	fmt.Println(srv.DSN())
	return nil
}
