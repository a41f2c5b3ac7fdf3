package main

import (
	"context"
	"strings"

	"servicepulse/broker"
	"servicepulse/internal/cli"
)

// runBroker runs the embedded Kafka broker until the process is stopped.
func runBroker(ctx context.Context, args []string) error {
	var (
		logs cli.LogFlags
		cfg  broker.Config
	)
	fs := app.NewFlagSet("broker", "", &logs)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:9092", "host:port to listen on")
	fs.StringVar(&cfg.DataDir, "data-dir", "", "directory persisting topics, offsets and groups (empty: in memory)")
	fs.IntVar(&cfg.Partitions, "partitions", 4, "partitions of auto-created topics")
	fs.IntVar(&cfg.Brokers, "nodes", 1, "brokers to run, on --addr's port and the next ones (a local cluster for tests)")
	fs.StringVar(&cfg.SASLUsersFile, "sasl-users-file", "", "file of SASL users, one USER:PASSWORD a line, each allowed PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; clients must log in (empty: no SASL)")
	fs.StringVar(&cfg.TLSCertFile, "tls-cert", "", "PEM certificate of the listeners, which then speak TLS only (needs --tls-key)")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key", "", "PEM key of --tls-cert")
	fs.Field("TLSCertFile", "tls-cert")
	fs.Field("TLSKeyFile", "tls-key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := logs.Logger()
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fs.Invalid(err)
	}
	cfg.Log = log
	b, err := broker.Start(cfg)
	if err != nil {
		return err
	}
	log.Info("embedded kafka broker listening (development only: production uses a real Kafka cluster)",
		"addr", strings.Join(b.Addrs(), ","), "data_dir", cfg.DataDir, "sasl_users_file", cfg.SASLUsersFile, "tls", cfg.TLSCertFile != "")
	<-ctx.Done()
	log.Info("broker stopping")
	b.Close()
	return nil
}
