package main

import (
	"context"

	"servicepulse/internal/cli"
	"servicepulse/sql"
	"servicepulse/warehouse"
)

// runMigrate applies the pending ClickHouse migrations.
func runMigrate(ctx context.Context, args []string) error {
	var c cli.WarehouseFlags
	fs := app.NewFlagSet("migrate", "", &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	conn, log, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	applied, err := sql.MigrateCluster(ctx, conn, c.Cluster, warehouse.Dialer(c.Config()), log)
	if err != nil {
		return err
	}
	return cli.PrintJSON(map[string]any{"applied": applied, "cluster": c.Cluster})
}
