// Package dashboards generates the Grafana side of servicepulse from the KPI
// catalog (package metrics): seven dashboards built with the Grafana
// foundation SDK's typed builders, the ClickHouse datasource they query
// (plugin grafana-clickhouse-datasource), and unified-alerting rules. It
// delivers them two ways: Provision writes them into a running Grafana over
// its HTTP API (grafana-api-golang-client), idempotently; Export writes
// Grafana file-provisioning files, which the repository keeps in
// dashboards/provisioning/ for docker-compose's Grafana.
//
// Every number comes from the catalog: KPI panels run metrics.SelectSQL in
// the Grafana dialect of sql.go, the catalog's expressions with the plugin's
// macros for the time range and the dashboard's variables for filters (the
// package metrics knows neither), so a tile shows what
// `servicepulse kpi` prints for the same dates. Titles are English, the
// Chinese title leads each description, units and thresholds come from the
// catalog's units and targets.
//
// Builders (one file per dashboard, alerts.go) are separate from the
// provisioning client (provision.go) and the file export (export.go).
package dashboards
