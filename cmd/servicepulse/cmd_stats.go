package main

import (
	"context"

	"servicepulse/internal/cli"
	"servicepulse/warehouse"
)

// runStats prints the distinct rows per table.
func runStats(ctx context.Context, args []string) error {
	var c cli.WarehouseFlags
	fs := app.NewFlagSet("stats", "", &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	conn, _, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return cli.PrintResult(warehouse.ReadStats(ctx, conn))
}
