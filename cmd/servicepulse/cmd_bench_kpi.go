package main

import (
	"context"

	"servicepulse/bench"
	"servicepulse/internal/cli"
)

// runBenchKPI loads generated requests and times every KPI of the catalog
// for one quarter grouped by partner (bench.RunKPI).
func runBenchKPI(ctx context.Context, args []string) error {
	var (
		c   cli.WarehouseFlags
		cfg bench.KPIConfig
	)
	fs := app.NewFlagSet("bench kpi", "")
	c.DSN = "clickhouse://127.0.0.1:9000" // the server: bench kpi works in --database
	c.Register(fs)
	fs.IntVar(&cfg.Requests, "requests", 10_000_000, "service requests to load, opened over 2026")
	fs.IntVar(&cfg.Runs, "runs", 7, "timed runs of each query (after one warm-up)")
	fs.BoolVar(&cfg.Reuse, "reuse", false, "keep the requests loaded by an earlier run if there are as many")
	fs.StringVar(&cfg.Database, "database", bench.DefaultKPIDatabase, "database of its own on the --clickhouse server; it must not exist or be one bench kpi created (the DSN's database is ignored)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.Cluster != "" {
		return cli.Usagef("--cluster %s: %s runs on one ClickHouse server; leave --cluster and $SERVICEPULSE_CLICKHOUSE_CLUSTER empty", c.Cluster, "bench kpi")
	}
	cfg.ClickHouse = c.DSN
	var err error
	if cfg.Log, err = c.Logger(); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fs.Invalid(err)
	}
	return bench.RunKPI(ctx, cfg)
}
