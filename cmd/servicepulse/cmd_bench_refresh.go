package main

import (
	"context"

	"servicepulse/bench"
	"servicepulse/internal/cli"
)

// runBenchRefresh loads generated facts and states and times refresh cycles
// over them (bench.RunRefresh).
func runBenchRefresh(ctx context.Context, args []string) error {
	var (
		c   cli.WarehouseFlags
		cfg bench.RefreshConfig
	)
	fs := app.NewFlagSet("bench refresh", "")
	c.DSN = "clickhouse://127.0.0.1:9000" // the server: bench refresh works in --database
	c.Register(fs)
	fs.IntVar(&cfg.Requests, "requests", 1_000_000, "service requests whose facts and states are loaded, opened over 2026 (about 8 fact rows each)")
	fs.IntVar(&cfg.Changed, "changed", 1000, "requests changed before each timed cycle")
	fs.IntVar(&cfg.Cycles, "cycles", 3, "timed cycles of each kind (watermark, committed)")
	fs.BoolVar(&cfg.Reuse, "reuse", false, "keep the facts and states loaded by an earlier run if there are as many requests")
	fs.StringVar(&cfg.Database, "database", bench.DefaultRefreshDatabase, "database of its own on the --clickhouse server; it must not exist or be one bench refresh created (the DSN's database is ignored)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.Cluster != "" {
		return cli.Usagef("--cluster %s: %s runs on one ClickHouse server; leave --cluster and $SERVICEPULSE_CLICKHOUSE_CLUSTER empty", c.Cluster, "bench refresh")
	}
	cfg.ClickHouse = c.DSN
	var err error
	if cfg.Log, err = c.Logger(); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fs.Invalid(err)
	}
	return bench.RunRefresh(ctx, cfg)
}
