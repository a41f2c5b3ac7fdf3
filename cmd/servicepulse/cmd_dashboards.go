package main

import (
	"context"
	"flag"
	"time"

	"servicepulse/dashboards"
)

// runDashboards handles `dashboards provision` and `dashboards export`.
func runDashboards(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "provision" && args[0] != "export") {
		return usagef("dashboards: want `dashboards provision --grafana-url URL` or `dashboards export --dir DIR`")
	}
	verb := args[0]
	var (
		c             common
		dsn, dir, url string
		dryRun        bool
		orgID         int64
		timeout       time.Duration
	)
	fs := flag.NewFlagSet("dashboards "+verb, flag.ContinueOnError)
	fs.StringVar(&c.logLevel, "log-level", envOr("SERVICEPULSE_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", envOr("SERVICEPULSE_LOG_FORMAT", "text"), "text or json")
	fs.StringVar(&dsn, "datasource-url", dashboards.DefaultDatasourceDSN,
		"ClickHouse as Grafana reaches it, clickhouse://[user[:password]@]host[:port][/database][?secure=true]")
	if verb == "export" {
		fs.StringVar(&dir, "dir", "", "write Grafana's file-provisioning tree here (required; the repository keeps it in dashboards/provisioning)")
	} else {
		fs.StringVar(&url, "grafana-url", envOr("GRAFANA_URL", ""), "Grafana's base URL, e.g. http://localhost:3000 (env GRAFANA_URL); credentials: GRAFANA_TOKEN, or GRAFANA_USER and GRAFANA_PASSWORD")
		fs.BoolVar(&dryRun, "dry-run", false, "print what would change; write nothing")
		fs.Int64Var(&orgID, "org-id", 0, "organisation to provision with basic auth (default: the user's current one)")
		fs.DurationVar(&timeout, "timeout", 30*time.Second, "timeout of each request to Grafana")
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	log, err := c.logger()
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
		URL: url, Token: envOr("GRAFANA_TOKEN", ""), User: envOr("GRAFANA_USER", ""), Password: envOr("GRAFANA_PASSWORD", ""),
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
