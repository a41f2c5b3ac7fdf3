package main

import (
	"context"
	"os"
	"time"

	"servicepulse/internal/cli"
	"servicepulse/reports"
)

// runActions adds or lists improvement actions (clause 11.4).
func runActions(ctx context.Context, args []string) error {
	v, err := app.PickVerb("actions", args)
	if err != nil {
		return err
	}
	var (
		c           cli.WarehouseFlags
		a           reports.Action
		due, format string
	)
	fs := app.NewFlagSet("actions "+v, "", &c)
	if v == "add" {
		fs.StringVar(&a.KPI, "kpi", "", "catalog id of the KPI to improve (required)")
		fs.StringVar(&a.Owner, "owner", "", "who is responsible (required)")
		fs.StringVar(&due, "due", "", "due date, YYYY-MM-DD (required)")
		fs.StringVar(&a.Note, "note", "", "what will be done")
	}
	fs.Format(&format, "table", "json")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if v == "add" {
		if a.Due, err = cli.ParseDate("due", due, time.UTC); err != nil {
			return err
		}
		if err := a.Validate(); err != nil {
			return cli.Usagef("actions add: %v", err)
		}
	}
	conn, _, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	list := []reports.Action{a}
	if v == "add" {
		list[0], err = reports.AddAction(ctx, conn, a, time.Now())
	} else {
		list, err = reports.ListActions(ctx, conn, time.Time{})
	}
	if err != nil || format == "json" {
		return cli.PrintResult(list, err)
	}
	return reports.WriteActions(os.Stdout, list)
}
