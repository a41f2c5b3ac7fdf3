package main

import (
	"context"
	"fmt"
	"os"

	"servicepulse/contracts/extract"
	"servicepulse/internal/cli"
)

// runContractsExtract handles `contracts extract FILE`: the terms of a signed
// copy of the contract template, as a contracts file on stdout (warnings on
// stderr), or with --check compared with the versions loaded in ClickHouse.
func runContractsExtract(ctx context.Context, args []string) error {
	var (
		c     cli.WarehouseFlags
		cfg   extract.Config
		check bool
	)
	fs := app.NewFlagSet("contracts extract", "FILE", &c)
	fs.StringVar(&cfg.ID, "id", "", "the contract id (default: 合同编号, else the cover's 编号)")
	fs.StringVar(&cfg.EffectiveFrom, "effective-from", "", "first day of the terms, YYYY-MM-DD (default: 签订日期, the signing date)")
	fs.StringVar(&cfg.Name, "name", "", "the contract's display name (default: the defaults file's, else the id)")
	fs.StringVar(&cfg.Calendar, "calendar", "", "working days: prc, mon-fri or 24x7 (default: the defaults file's, else prc)")
	fs.StringVar(&cfg.Timezone, "timezone", "", "IANA zone of the contract clock (default: the defaults file's, else Asia/Shanghai)")
	fs.StringVar(&cfg.DefaultsFile, "defaults", "", "YAML file of the terms the template does not carry (docs/contracts-extract.md)")
	fs.BoolVar(&check, "check", false, "compare with the versions loaded in ClickHouse instead of printing the YAML (exit 1 on a difference)")
	files, err := fs.ParseArgs(args[1:])
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return cli.Usagef("contracts extract: give exactly one signed contract (text, UTF-8 or GB18030)")
	}
	cfg.File = files[0]
	if err := cfg.Validate(); err != nil {
		return fs.Invalid(err)
	}
	res, err := extract.Run(cfg)
	if err != nil {
		return err
	}
	if !check {
		for _, w := range res.Warnings {
			fmt.Fprintln(os.Stderr, "warning: "+w)
		}
		_, err := os.Stdout.Write(res.YAML)
		return err
	}
	conn, _, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	cmp, err := extract.Check(ctx, conn, res)
	if err := cli.PrintResult(cmp, err); err != nil {
		return err
	}
	if len(cmp.Differences) > 0 {
		return cli.ExitStatus{Code: 1, Msg: fmt.Sprintf("contracts extract --check: %d difference(s) with ClickHouse", len(cmp.Differences))}
	}
	return nil
}
