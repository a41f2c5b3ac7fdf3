package main

import (
	"context"

	"servicepulse/internal/cli"
	"servicepulse/metrics"
	"servicepulse/sla"
)

// runRefresh brings the request states up to date with the events.
func runRefresh(ctx context.Context, args []string) error {
	var (
		c   cli.WarehouseFlags
		all bool
	)
	fs := app.NewFlagSet("refresh", "", &c)
	fs.BoolVar(&all, "all", false, "rebuild every request (after changing a contract version's terms)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	conn, log, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	r := sla.NewRefresher(conn, log)
	r.SetParallel(true) // nothing else runs beside it
	refresh := r.Refresh
	if all {
		refresh = r.RefreshAll
	}
	res, err := refresh(ctx)
	if err != nil {
		return err
	}
	// Then the daily KPI rollup of every month the refresh left stale.
	if _, err := metrics.NewRollups(conn, log).Refresh(ctx, false); err != nil {
		return err
	}
	return cli.PrintResult(res, nil)
}
