package main

import (
	"context"
	"os"
	"time"

	"servicepulse/dashboards"
)

// runDashboards handles `dashboards provision` and `dashboards export`.
func runDashboards(ctx context.Context, args []string) error {
	verb, err := pickVerb("dashboards", args)
	if err != nil {
		return err
	}
	var (
		logs          logFlags
		dsn, dir, url string
		dryRun        bool
		orgID         int64
		timeout       time.Duration
	)
	fs := newFlagSet("dashboards "+verb, "")
	logs.register(fs)
	fs.StringVar(&dsn, "datasource-url", dashboards.DefaultDatasourceDSN,
		"ClickHouse as Grafana reaches it, clickhouse://[user[:password]@]host[:port][/database][?secure=true]")
	if verb == "export" {
		fs.StringVar(&dir, "dir", "", "write Grafana's file-provisioning tree here (required; the repository keeps it in dashboards/provisioning)")
	} else {
		fs.StringVar(&url, "grafana-url", "", "Grafana's base URL, e.g. http://localhost:3000 (required)")
		fs.env("grafana-url", "GRAFANA_URL")
		fs.readsEnv("GRAFANA_TOKEN", "Grafana service account token (or GRAFANA_USER and GRAFANA_PASSWORD)", true)
		fs.readsEnv("GRAFANA_USER", "Grafana user, for basic auth", false)
		fs.readsEnv("GRAFANA_PASSWORD", "Grafana user's password, for basic auth", true)
		fs.BoolVar(&dryRun, "dry-run", false, "print what would change; write nothing")
		fs.Int64Var(&orgID, "org-id", 0, "organisation to provision with basic auth (default: the user's current one)")
		fs.DurationVar(&timeout, "timeout", 30*time.Second, "timeout of each request to Grafana")
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	log, err := logs.logger()
	if err != nil {
		return err
	}
	ds, err := dashboards.DatasourceFromDSN(dsn)
	if err != nil {
		return usagef("--datasource-url: %v", err)
	}
	set, err := dashboards.Build(ds)
	if err != nil {
		return err
	}
	if verb == "export" {
		if dir == "" {
			return usagef("dashboards export: --dir is required, e.g. --dir dashboards/provisioning")
		}
		files, err := dashboards.Export(set, dir)
		if err != nil {
			return err
		}
		log.Info("exported grafana provisioning", "dir", dir, "files", len(files))
		return printJSON(map[string]any{"dir": dir, "files": files})
	}
	if url == "" {
		return usagef("dashboards provision: --grafana-url is required, e.g. --grafana-url http://localhost:3000")
	}
	cfg := dashboards.GrafanaConfig{
		URL: url, Token: os.Getenv("GRAFANA_TOKEN"), User: os.Getenv("GRAFANA_USER"), Password: os.Getenv("GRAFANA_PASSWORD"),
		OrgID: orgID, Timeout: timeout,
	}
	if err := cfg.Validate(); err != nil {
		return usagef("dashboards provision: %v", err)
	}
	report, err := dashboards.Provision(ctx, cfg, set, dryRun, log)
	if err != nil {
		return err
	}
	return printJSON(report)
}
