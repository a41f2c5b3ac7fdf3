package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"servicepulse/contracts"
	"servicepulse/reports"
)

// runReport writes the periodic evaluation report of a month, quarter or
// year — report-P.html (self-contained, prints on A4) and report-P.json (the
// report's data) — and with --publish stores its values as reported. With
// --partner it writes that partner's scorecard instead, which holds no other
// partner's id or values.
func runReport(ctx context.Context, args []string) error {
	var (
		c                           warehouseFlags
		period, out, asOfS, partner string
		publish                     bool
	)
	fs := newFlagSet("report", "")
	c.register(fs)
	fs.StringVar(&period, "period", "", "2026-09 (month), 2026-Q3 (quarter) or 2026 (year) (required)")
	fs.StringVar(&out, "out", ".", "directory to write the files into")
	fs.StringVar(&asOfS, "as-of", "", "judge deadlines as of this RFC 3339 instant (default: now)")
	fs.BoolVar(&publish, "publish", false, "store the report's values as published (later reports show them as reported)")
	fs.StringVar(&partner, "partner", "", "write this partner's scorecard (KPIs vs anonymised peer quartiles) instead")
	if err := parse(fs, args); err != nil {
		return err
	}
	if period == "" {
		return usagef("report: --period is required, e.g. --period 2026-Q3")
	}
	p, err := reports.ParsePeriod(period)
	if err != nil {
		return usagef("--period: %v", err)
	}
	if partner != "" && publish {
		return usagef("report: --publish applies to the whole report, not to a --partner scorecard")
	}
	asOf := time.Now().UTC()
	if asOfS != "" {
		if asOf, err = time.Parse(time.RFC3339, asOfS); err != nil {
			return usagef("--as-of %q: want an RFC 3339 time like 2026-10-01T00:00:00+08:00", asOfS)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	conn, log, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if partner != "" {
		s, err := reports.BuildScorecard(ctx, conn, p, asOf, partner)
		if err != nil {
			return err
		}
		files, err := reports.WriteScorecardFiles(out, s)
		if err != nil {
			return err
		}
		log.Info("scorecard written", "period", p.Label, "partner", partner, "files", files)
		return nil
	}
	terms, err := contracts.Read(ctx, conn)
	if err != nil {
		return err
	}
	r, err := reports.Build(ctx, conn, p, asOf, terms)
	if err != nil {
		return err
	}
	files, err := reports.WriteFiles(out, r)
	if err != nil {
		return err
	}
	log.Info("report written", "period", p.Label, "files", files)
	if publish {
		id, err := reports.Publish(ctx, conn, r, time.Now())
		if err != nil {
			return err
		}
		log.Info("report published", "id", id)
	}
	return nil
}
