package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"servicepulse/reports"
)

// runActions adds or lists improvement actions (clause 11.4).
func runActions(ctx context.Context, args []string) error {
	v, err := pickVerb("actions", args)
	if err != nil {
		return err
	}
	var (
		c                     warehouseFlags
		kpi, owner, due, note string
		format                string
	)
	fs := newFlagSet("actions "+v, "")
	c.register(fs)
	if v == "add" {
		fs.StringVar(&kpi, "kpi", "", "catalog id of the KPI to improve (required)")
		fs.StringVar(&owner, "owner", "", "who is responsible (required)")
		fs.StringVar(&due, "due", "", "due date, YYYY-MM-DD (required)")
		fs.StringVar(&note, "note", "", "what will be done")
	}
	fs.StringVar(&format, "format", "table", "table or json")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if format != "table" && format != "json" {
		return usagef("--format %q: want table or json", format)
	}
	var a reports.Action
	if v == "add" {
		d, err := time.Parse(time.DateOnly, due)
		if err != nil {
			return usagef("--due %q: want a date YYYY-MM-DD", due)
		}
		a = reports.Action{KPI: kpi, Owner: owner, Due: d, Note: note}
		if err := a.Validate(); err != nil {
			return usagef("actions add: %v", err)
		}
	}
	conn, _, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var list []reports.Action
	if v == "add" {
		if a, err = reports.AddAction(ctx, conn, a, time.Now()); err != nil {
			return err
		}
		list = []reports.Action{a}
	} else if list, err = reports.ListActions(ctx, conn, time.Time{}); err != nil {
		return err
	}
	if format == "json" {
		return printJSON(list)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tkpi\towner\tdue\tbaseline\tcreated\tnote")
	for _, a := range list {
		b := "no data"
		if a.Baseline != nil {
			b = fmt.Sprintf("%.2f (%s)", *a.Baseline, a.BaselinePeriod)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.KPI, a.Owner, a.Due.Format(time.DateOnly), b,
			a.CreatedAt.Format(time.RFC3339), a.Note)
	}
	return tw.Flush()
}
