package main

import (
	"context"
	"os"

	"servicepulse/internal/cli"
	"servicepulse/reports"
)

// runBreaches lists the breaches of the requests opened in a range, the worst
// (latest, in business hours) first; with --at-risk, the promises past a
// warning and not yet due, the least time left first.
func runBreaches(ctx context.Context, args []string) error {
	var (
		c      cli.WarehouseFlags
		cohort cli.CohortFlags
		cfg    reports.BreachesConfig
		format string
		atRisk bool
	)
	fs := app.NewFlagSet("breaches", "", &c, &cohort)
	fs.StringVar(&cfg.Partner, "partner", "", "only this partner")
	fs.StringVar(&cfg.Contract, "contract", "", "only this contract")
	fs.StringVar(&cfg.Kind, "kind", "", "only this kind: late_reply, late_onsite, late_parts, unqualified_staff, data_leak")
	fs.IntVar(&cfg.Limit, "limit", 50, "at most this many, the latest first (0: all)")
	fs.BoolVar(&atRisk, "at-risk", false, "list the open promises past a warning (50%, 75%, warn_hours before) and not yet past their deadline instead; --kind names the breach each would become")
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
	if atRisk {
		risks, err := reports.ListAtRisk(ctx, conn, cfg)
		if err != nil || format == "json" {
			return cli.PrintResult(risks, err)
		}
		return reports.WriteAtRisk(os.Stdout, risks)
	}
	list, err := reports.ListBreaches(ctx, conn, cfg)
	if err != nil || format == "json" {
		return cli.PrintResult(list, err)
	}
	return reports.WriteBreaches(os.Stdout, list)
}
