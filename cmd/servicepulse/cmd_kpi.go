package main

import (
	"context"
	"os"
	"strings"

	"servicepulse/internal/cli"
	"servicepulse/metrics"
	"servicepulse/reports"
)

// runKPI prints the catalog's KPIs of a cohort; `kpi list` prints the catalog.
func runKPI(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "list" {
		return runKPIList(args[1:])
	}
	var (
		c                cli.WarehouseFlags
		cohort           = cli.CohortFlags{Of: " of the cohort"}
		by, format, only string
		noRefresh        bool
	)
	fs := app.NewFlagSet("kpi", "", &c, &cohort)
	fs.Field("IDs", "kpi")
	fs.StringVar(&by, "by", "", "group by: partner, contract, model, region, channel, day, week, month, quarter (comma-separated)")
	fs.Format(&format, "table", "json", "csv")
	fs.StringVar(&only, "kpi", "", "only these KPI ids, comma-separated (default: the whole catalog)")
	fs.BoolVar(&noRefresh, "no-refresh", false, "do not bring request states up to date first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q, err := cohort.Query("kpi", by)
	if err != nil {
		return err
	}
	cfg := reports.KPIConfig{Query: q, Refresh: !noRefresh}
	if only != "" {
		cfg.IDs = strings.Split(only, ",")
	}
	if err := cfg.Validate(); err != nil {
		return cli.Usagef("%v; `servicepulse kpi list` shows the catalog", fs.Invalid(err))
	}
	conn, log, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	rs, err := reports.KPIs(ctx, conn, cfg, log)
	if err != nil {
		return err
	}
	return metrics.Write(os.Stdout, format, q, rs)
}

// runKPIList prints the KPI catalog.
func runKPIList(args []string) error {
	var format string
	fs := app.NewFlagSet("kpi list", "")
	fs.Format(&format, "table", "json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return metrics.WriteCatalog(os.Stdout, format, metrics.All())
}
