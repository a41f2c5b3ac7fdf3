package main

import (
	"context"

	"servicepulse/warehouse"
)

func runStats(ctx context.Context, args []string) error {
	var c warehouseFlags
	fs := newFlagSet("stats", "")
	c.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	conn, _, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	st, err := warehouse.ReadStats(ctx, conn)
	if err != nil {
		return err
	}
	return printJSON(st)
}
