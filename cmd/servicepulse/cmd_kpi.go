package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"servicepulse/calendar"
	"servicepulse/internal/cli"
	"servicepulse/metrics"
	"servicepulse/reports"
)

// kpiClock is the clock of kpi's default range (and as-of); tests set it.
var kpiClock = time.Now

// runKPI prints the catalog's KPIs of a cohort; `kpi list` prints the
// catalog. Without --from and --to the cohort is the current quarter to
// date in --tz (Asia/Shanghai by default), said on stderr.
func runKPI(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "list" {
		return runKPIList(args[1:])
	}
	var (
		c                cli.WarehouseFlags
		cohort           = cli.CohortFlags{Of: " of the cohort"}
		by, format, only string
		tz               string
		noRefresh        bool
	)
	fs := app.NewFlagSet("kpi", "", &c, &cohort)
	fs.Field("IDs", "kpi")
	fs.Field("TZ", "tz")
	fs.StringVar(&by, "by", "", "group by: partner, contract, model, region, channel, day, week, month, quarter (comma-separated)")
	fs.Format(&format, "table", "json", "csv")
	fs.StringVar(&only, "kpi", "", "only these KPI ids, comma-separated (default: the whole catalog)")
	fs.BoolVar(&noRefresh, "no-refresh", false, "do not bring request states up to date first")
	fs.StringVar(&tz, "tz", "", "time zone of the default range, without --from and --to: the current quarter to date (default: Asia/Shanghai)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := defaultRange(fs, &cohort, tz); err != nil {
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

// defaultRange sets --from and --to, when neither is given, to the current
// quarter to date in tz (and --as-of, if not given, to the same instant),
// and says so on stderr.
func defaultRange(fs *cli.FlagSet, c *cli.CohortFlags, tz string) error {
	if c.From != "" || c.To != "" {
		if tz != "" {
			return cli.Usagef("kpi: --tz sets the default range; leave it out with --from and --to")
		}
		return nil
	}
	now := kpiClock()
	p, err := reports.QuarterToDate(now, tz)
	if err != nil {
		return fs.Invalid(err)
	}
	if tz == "" {
		tz = calendar.DefaultZone
	}
	c.From, c.To = p.From.Format(time.DateOnly), p.To.AddDate(0, 0, -1).Format(time.DateOnly)
	if c.AsOf == "" {
		c.AsOf = now.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(os.Stderr, "kpi: no --from/--to: %s in %s, requests opened %s to %s (set --tz, or --from and --to)\n",
		p.Label, tz, c.From, c.To)
	return nil
}
