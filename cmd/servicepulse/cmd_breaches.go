package main

import (
	"context"
	"os"

	"servicepulse/internal/cli"
	"servicepulse/reports"
)

// runBreaches lists the breaches of the requests opened in a range, the worst
// (latest, in business hours) first.
func runBreaches(ctx context.Context, args []string) error {
	var (
		c      cli.WarehouseFlags
		cohort cli.CohortFlags
		cfg    reports.BreachesConfig
		format string
	)
	fs := app.NewFlagSet("breaches", "", &c, &cohort)
	fs.StringVar(&cfg.Partner, "partner", "", "only this partner")
	fs.StringVar(&cfg.Contract, "contract", "", "only this contract")
	fs.StringVar(&cfg.Kind, "kind", "", "only this kind: late_reply, late_onsite, late_parts, unqualified_staff, data_leak")
	fs.IntVar(&cfg.Limit, "limit", 50, "at most this many, the latest first (0: all)")
	fs.Format(&format, "table", "json")
	err := fs.Parse(args)
	if err != nil {
		return err
	}
	if cfg.Query, err = cohort.Query("breaches", ""); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fs.Invalid(err)
	}
	conn, _, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	list, err := reports.ListBreaches(ctx, conn, cfg)
	if err != nil || format == "json" {
		return cli.PrintResult(list, err)
	}
	return reports.WriteBreaches(os.Stdout, list)
}
