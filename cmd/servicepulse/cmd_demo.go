package main

import (
	"context"
	"os"

	"servicepulse/demo"
	"servicepulse/internal/cli"
	"servicepulse/reports"
	"servicepulse/transform"
)

func runDemo(ctx context.Context, args []string) error {
	var (
		c   cli.WarehouseFlags
		cfg demo.Config
	)
	fs := app.NewFlagSet("demo", "")
	c.DSN = "clickhouse://127.0.0.1:9000" // the server: demo works in --database
	c.Register(fs)
	fs.ReadsEnv(transform.PIIKeyEnv, "HMAC key for personal data (default: the public development key)", true)
	fs.ReadsEnv("SERVICEPULSE_PII_KEY_FILE", "file holding the HMAC key, when $SERVICEPULSE_PII_KEY is not set", false)
	grafana := cli.GrafanaFromEnv(fs)
	fs.StringVar(&cfg.Dir, "dir", ".servicepulse", "working directory for a locally started ClickHouse")
	fs.Int64Var(&cfg.Generator.Seed, "seed", 1, "random seed of the generated traffic")
	fs.IntVar(&cfg.Generator.Tickets, "tickets", 20000, "service requests to generate")
	fs.IntVar(&cfg.Quarters, "quarters", 1+reports.TrendPeriods, "whole quarters of history to generate, ending with the last full quarter (the report's; the others are its trend)")
	fs.Float64Var(&cfg.Generator.BadRate, "bad-rate", 0.01, "fraction of malformed messages")
	fs.IntVar(&cfg.Workers, "workers", 2, "ingest workers")
	fs.BoolVar(&cfg.KeepData, "keep-data", false, "keep the demo database's earlier contents instead of starting from zero")
	fs.StringVar(&cfg.Database, "database", demo.DefaultDatabase, "database of its own on the --clickhouse server; it must not exist or be one demo created (the DSN's database is ignored)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.Cluster != "" {
		return cli.Usagef("--cluster %s: %s runs on one ClickHouse server; leave --cluster and $SERVICEPULSE_CLICKHOUSE_CLUSTER empty", c.Cluster, "demo")
	}
	cfg.ClickHouse, cfg.PIIKeyFile = c.DSN, os.Getenv("SERVICEPULSE_PII_KEY_FILE")
	cfg.Grafana = grafana()
	var err error
	if cfg.Log, err = c.Logger(); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fs.Invalid(err)
	}
	return demo.Run(ctx, cfg)
}
