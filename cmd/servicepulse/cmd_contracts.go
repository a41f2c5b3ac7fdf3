package main

import (
	"context"

	"servicepulse/contracts"
	"servicepulse/internal/cli"
	"servicepulse/metrics"
)

// runContracts handles `contracts load FILE` and `contracts check FILE`
// (and `contracts extract FILE`, cmd_contracts_extract.go).
func runContracts(ctx context.Context, args []string) error {
	verb, err := app.PickVerb("contracts", args)
	if err != nil {
		return err
	}
	if verb == "extract" {
		return runContractsExtract(ctx, args)
	}
	var c cli.WarehouseFlags
	fs := app.NewFlagSet("contracts "+verb, "FILE")
	if verb == "load" { // check needs no server, and logs nothing
		fs.Add(&c)
	}
	files, err := fs.ParseArgs(args[1:])
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return cli.Usagef("contracts %s: give exactly one contracts file (YAML)", verb)
	}
	f, err := contracts.ParseFile(files[0])
	if err != nil {
		return err
	}
	if err := f.CheckKPIs(metrics.Known); err != nil {
		return err
	}
	if verb == "check" {
		return cli.PrintJSON(map[string]any{"file": files[0], "contracts": f.IDs(), "valid": true})
	}
	conn, _, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	n, err := contracts.Load(ctx, conn, f)
	if err != nil {
		return err
	}
	return cli.PrintJSON(map[string]any{"file": files[0], "contracts": f.IDs(), "versions": n})
}
