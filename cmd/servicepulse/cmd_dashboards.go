package main

import (
	"context"

	"servicepulse/dashboards"
	"servicepulse/internal/cli"
)

// runDashboards handles `dashboards provision` and `dashboards export`.
func runDashboards(ctx context.Context, args []string) error {
	verb, err := app.PickVerb("dashboards", args)
	if err != nil {
		return err
	}
	var (
		logs     cli.LogFlags
		dsn, dir string
		dryRun   bool
		grafana  cli.GrafanaFlags
	)
	fs := app.NewFlagSet("dashboards "+verb, "", &logs)
	fs.StringVar(&dsn, "datasource-url", dashboards.DefaultDatasourceDSN,
		"ClickHouse as Grafana reaches it, clickhouse://[user[:password]@]host[:port][/database][?secure=true] (a password only through the variable)")
	fs.Env("datasource-url", "SERVICEPULSE_DATASOURCE_URL")
	fs.CheckLine("datasource-url", cli.NoPassword("$SERVICEPULSE_DATASOURCE_URL"))
	if verb == "export" {
		fs.StringVar(&dir, "dir", "", "write Grafana's file-provisioning tree here (required; the repository keeps it in dashboards/provisioning)")
	} else {
		fs.Add(&grafana)
		fs.BoolVar(&dryRun, "dry-run", false, "print what would change; write nothing")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	log, err := logs.Logger()
	if err != nil {
		return err
	}
	ds, err := dashboards.DatasourceFromDSN(dsn)
	if err != nil {
		return cli.Usagef("--datasource-url: %v", err)
	}
	set, err := dashboards.Build(ds)
	if err != nil {
		return err
	}
	if verb == "export" {
		if dir == "" {
			return cli.Usagef("dashboards export: --dir is required, e.g. --dir dashboards/provisioning")
		}
		files, err := dashboards.Export(set, dir)
		if err != nil {
			return err
		}
		log.Info("exported grafana provisioning", "dir", dir, "files", len(files))
		return cli.PrintJSON(map[string]any{"dir": dir, "files": files})
	}
	if grafana.Config.URL == "" {
		return cli.Usagef("dashboards provision: --grafana-url is required, e.g. --grafana-url http://localhost:3000")
	}
	cfg := grafana.WithCredentials()
	if err := cfg.Validate(); err != nil {
		return cli.Usagef("dashboards provision: %v", fs.Invalid(err))
	}
	return cli.PrintResult(dashboards.Provision(ctx, cfg, set, dryRun, log))
}
