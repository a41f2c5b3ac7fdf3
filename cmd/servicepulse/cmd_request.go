package main

import (
	"context"
	"os"
	"time"

	"servicepulse/internal/cli"
	"servicepulse/sla/timeline"
)

// runRequest prints one request's timeline: events, terms, promises with
// their deadlines and business hours, first-time fix, repeat and feedback.
func runRequest(ctx context.Context, args []string) error {
	var (
		c            cli.WarehouseFlags
		cfg          timeline.Config
		asOf, format string
	)
	fs := app.NewFlagSet("request", "ID", &c)
	fs.StringVar(&asOf, "as-of", "", "judge open promises as of this RFC 3339 instant (default: now)")
	fs.Format(&format, "table", "json")
	fs.Field("AsOf", "as-of")
	pos, err := fs.ParseArgs(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cli.Usagef("request: give exactly one request id")
	}
	cfg.RequestID = pos[0]
	if cfg.AsOf, err = cli.ParseInstant("as-of", asOf, time.Now().UTC()); err != nil {
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
	t, err := timeline.Read(ctx, conn, cfg)
	if err != nil || format == "json" {
		return cli.PrintResult(t, err)
	}
	return timeline.WriteTable(os.Stdout, t)
}
