package main

import (
	"context"
	"errors"
	"net/url"

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
		logs           cli.LogFlags
		dsn, dir, prom string
		dryRun         bool
		grafana        cli.GrafanaFlags
	)
	fs := app.NewFlagSet("dashboards "+verb, "", &logs)
	fs.StringVar(&dsn, "datasource-url", dashboards.DefaultDatasourceDSN,
		"ClickHouse as Grafana reaches it, clickhouse://[user[:password]@]host[:port][/database][?secure=true] (a password only through the variable)")
	fs.Env("datasource-url", "SERVICEPULSE_DATASOURCE_URL")
	fs.CheckLine("datasource-url", cli.NoPassword("$SERVICEPULSE_DATASOURCE_URL"))
	fs.StringVar(&prom, "prometheus-url", dashboards.DefaultPrometheusURL,
		"Prometheus as Grafana reaches it, http[s]://host[:port][/path], for the pipeline-health panels and the consumer-lag alert")
	fs.Env("prometheus-url", "SERVICEPULSE_PROMETHEUS_URL")
	fs.Check("prometheus-url", checkPrometheusURL)
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
	set.Prometheus.URL = prom
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

// checkPrometheusURL accepts an http(s) URL with a host and no user: the
// URL is written as it is into the exported datasource file and Grafana's
// datasource, which have no secret field for it.
func checkPrometheusURL(v string) error {
	u, err := url.Parse(v)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return errors.New("want http[s]://host[:port][/path]")
	case u.User != nil:
		return errors.New("no user or password: the URL is written in plain text into the datasource")
	}
	return nil
}
