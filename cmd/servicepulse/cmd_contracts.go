package main

import (
	"context"

	"servicepulse/contracts"
	"servicepulse/metrics"
)

// runContracts handles `contracts load FILE` and `contracts check FILE`.
func runContracts(ctx context.Context, args []string) error {
	verb, err := pickVerb("contracts", args)
	if err != nil {
		return err
	}
	var c warehouseFlags
	fs := newFlagSet("contracts "+verb, "FILE")
	if verb == "load" { // check needs no server, and logs nothing
		c.register(fs)
	}
	files, err := parseWithArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usagef("contracts %s: give exactly one contracts file (YAML)", verb)
	}
	f, err := contracts.ParseFile(files[0])
	if err != nil {
		return err
	}
	if err := f.CheckKPIs(metrics.Known); err != nil {
		return err
	}
	if verb == "check" {
		return printJSON(map[string]any{"file": files[0], "contracts": f.IDs(), "valid": true})
	}
	conn, _, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	n, err := contracts.Load(ctx, conn, f)
	if err != nil {
		return err
	}
	return printJSON(map[string]any{"file": files[0], "contracts": f.IDs(), "versions": n})
}
