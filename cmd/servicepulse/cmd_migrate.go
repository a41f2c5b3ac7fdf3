package main

import (
	"context"

	"servicepulse/sql"
)

func runMigrate(ctx context.Context, args []string) error {
	var c warehouseFlags
	fs := newFlagSet("migrate", "")
	c.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	conn, log, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	applied, err := sql.Migrate(ctx, conn, log)
	if err != nil {
		return err
	}
	return printJSON(map[string]any{"applied": applied})
}
