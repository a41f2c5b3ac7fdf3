package main

import (
	"context"

	"servicepulse/bench"
	"servicepulse/ingest"
	"servicepulse/internal/cli"
)

func runBench(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "kpi" {
		return runBenchKPI(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "refresh" {
		return runBenchRefresh(ctx, args[1:])
	}
	var (
		c   cli.WarehouseFlags
		cfg bench.Config
	)
	fs := app.NewFlagSet("bench", "")
	c.DSN = "clickhouse://127.0.0.1:9000" // the server: bench works in --database
	c.Register(fs)
	fs.IntVar(&cfg.Generator.Tickets, "tickets", 100000, "service requests to generate (about 9 messages each)")
	fs.Float64Var(&cfg.Generator.BadRate, "bad-rate", 0.01, "fraction of malformed messages")
	fs.IntVar(&cfg.Workers, "workers", 1, "ingest workers in the measured process")
	fs.IntVar(&cfg.BatchRows, "batch-rows", ingest.DefaultConfig().BatchRows, "rows per ClickHouse insert, raw and end to end")
	fs.StringVar(&cfg.Database, "database", bench.DefaultDatabase, "scratch database on the --clickhouse server, reset on every run; it must not exist or be one bench created (the DSN's database is ignored)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.ClickHouse, cfg.Cluster, cfg.ClickHouseAccess, cfg.Generator.Seed = c.DSN, c.Cluster, c.Access, 1
	var err error
	if cfg.Log, err = c.Logger(); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fs.Invalid(err)
	}
	return bench.Run(ctx, cfg)
}
