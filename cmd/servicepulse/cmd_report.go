package main

import (
	"context"
	"time"

	"servicepulse/internal/cli"
	"servicepulse/reports"
)

// runReport writes the periodic evaluation report of a month, quarter or
// year — report-P.html (self-contained, prints on A4) and report-P.json (the
// report's data) — and with --publish stores its values as reported. With
// --partner it writes that partner's scorecard instead, which holds no other
// partner's id or values. With --pdf it also prints the page to PDF.
func runReport(ctx context.Context, args []string) error {
	var (
		c            cli.WarehouseFlags
		cfg          reports.Config
		period, asOf string
	)
	fs := app.NewFlagSet("report", "", &c)
	fs.StringVar(&period, "period", "", "2026-09 (month), 2026-Q3 (quarter) or 2026 (year) (required)")
	fs.StringVar(&cfg.Out, "out", ".", "directory to write the files into")
	fs.StringVar(&asOf, "as-of", "", "judge deadlines as of this RFC 3339 instant (default: now)")
	fs.BoolVar(&cfg.PDF, "pdf", false, "also print report-P.pdf with headless Chromium (Debian package chromium; installs fonts-noto-cjk when missing and root, else warns)")
	fs.BoolVar(&cfg.Publish, "publish", false, "store the report's values as published (later reports show them as reported)")
	fs.StringVar(&cfg.Partner, "partner", "", "write this partner's scorecard (KPIs vs anonymised peer quartiles) instead")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if period == "" {
		return cli.Usagef("report: --period is required, e.g. --period 2026-Q3")
	}
	var err error
	if cfg.Period, err = reports.ParsePeriod(period); err != nil {
		return cli.Usagef("--period: %v", err)
	}
	if cfg.AsOf, err = cli.ParseInstant("as-of", asOf, time.Now().UTC()); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return cli.Usagef("report: %v", fs.Invalid(err))
	}
	conn, log, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return reports.Write(ctx, conn, cfg, log)
}
