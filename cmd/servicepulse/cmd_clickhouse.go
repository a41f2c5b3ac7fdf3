package main

import (
	"context"
	"fmt"

	"servicepulse/devenv"
	"servicepulse/internal/cli"
)

// runClickHouse starts or stops a local ClickHouse server for development and
// for the test script: `clickhouse start|stop --dir DIR`.
func runClickHouse(ctx context.Context, args []string) error {
	v, err := app.PickVerb("clickhouse", args)
	if err != nil {
		return err
	}
	var logs cli.LogFlags
	cfg := devenv.DefaultClickHouseConfig()
	fs := app.NewFlagSet("clickhouse "+v, "", &logs)
	fs.StringVar(&cfg.Dir, "dir", cfg.Dir, "directory for the server's config, data, logs and pid file")
	fs.IntVar(&cfg.TCPPort, "tcp-port", cfg.TCPPort, "native protocol port")
	fs.IntVar(&cfg.HTTPPort, "http-port", cfg.HTTPPort, "HTTP port (used for the health check)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	log, err := logs.Logger()
	if err != nil {
		return err
	}
	if v == "stop" {
		return devenv.StopFromPIDFile(cfg.Dir)
	}
	cfg.Detach = true
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
