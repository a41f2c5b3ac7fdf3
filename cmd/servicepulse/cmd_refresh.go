package main

import (
	"context"

	"servicepulse/sla"
)

func runRefresh(ctx context.Context, args []string) error {
	var (
		c   warehouseFlags
		all bool
	)
	fs := newFlagSet("refresh", "")
	c.register(fs)
	fs.BoolVar(&all, "all", false, "rebuild every request (after changing a contract version's terms)")
	if err := parse(fs, args); err != nil {
		return err
	}
	conn, log, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	r := sla.NewRefresher(conn, log)
	var res sla.Result
	if all {
		res, err = r.RefreshAll(ctx)
	} else {
		res, err = r.Refresh(ctx)
	}
	if err != nil {
		return err
	}
	return printJSON(res)
}
