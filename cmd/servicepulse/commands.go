package main

import (
	"servicepulse/dashboards"
	"servicepulse/ingest"
	"servicepulse/internal/cli"
	"servicepulse/internal/kafkaconn"
	"servicepulse/warehouse"
)

// app is the CLI: its commands, with the subcommands (of kpi and bench) and
// the verbs (of the others) and their positional arguments. It is set in
// init because the commands build their flag sets from it.
var app cli.App

func init() {
	app = cli.App{
		Name:  "servicepulse",
		About: "the after-sales service quality pipeline: Kafka → transform → ClickHouse → KPIs, dashboards and reports",
		Env:   []cli.EnvVar{{Name: "SERVICEPULSE_CPU_PROFILE", About: "write a CPU profile of the command to this file, its allocations to FILE.allocs and its heap at its largest to FILE.heap"}},
		Hints: []cli.Hint{
			{Err: warehouse.ErrUnreachable, Text: "start one with `servicepulse demo` or set --clickhouse"},
			{Err: kafkaconn.ErrAuth, Text: "check --kafka-user and the password (--kafka-password-file or $SERVICEPULSE_KAFKA_PASSWORD), and --kafka-sasl-mechanism"},
			{Err: kafkaconn.ErrMechanism, Text: "set --kafka-sasl-mechanism to one the broker offers, or drop it for a listener without SASL"},
			{Err: kafkaconn.ErrUnknownCA, Text: "give the CA that signed the brokers' certificates with --kafka-tls-ca FILE"},
			{Err: kafkaconn.ErrServerName, Text: "set --kafka-tls-server-name to a name in the broker's certificate, or use that name in --brokers"},
			{Err: kafkaconn.ErrTLS, Text: "check --kafka-tls-ca, --kafka-tls-cert and --kafka-tls-key"},
			{Err: kafkaconn.ErrNotTLS, Text: "drop --kafka-tls, or give the broker's TLS listener in --brokers"},
			{Err: kafkaconn.ErrNoAnswer, Text: "it may expect TLS (--kafka-tls) or SASL (--kafka-sasl-mechanism, --kafka-user); check --brokers"},
			{Err: kafkaconn.ErrUnreachable, Text: "check --brokers (start a local one with `servicepulse broker`)"},
			{Err: warehouse.ErrAuth, Text: "the user is the DSN's (--clickhouse, $SERVICEPULSE_CLICKHOUSE), the password the DSN's or --clickhouse-password-file's"},
			{Err: warehouse.ErrTLS, Text: "TLS is secure=true in the DSN, with --clickhouse-tls-ca for a private CA"},
			{Err: warehouse.ErrNoCluster, Text: "check --cluster (or $SERVICEPULSE_CLICKHOUSE_CLUSTER)"},
			{Err: warehouse.ErrLayout, Text: "set --cluster (or $SERVICEPULSE_CLICKHOUSE_CLUSTER) to the cluster of the database, or leave it empty for a single-server database"},
			{Err: ingest.ErrTopicsMissing, Text: "create them, or let servicepulse create them with --replication-factor 3"},
			{Err: warehouse.ErrNotOwned, Text: "name another one with --database, or drop it yourself"},
			{Err: dashboards.ErrUnreachable, Text: "check --grafana-url"},
			{Err: dashboards.ErrNotGrafana, Text: "check --grafana-url"},
		},
		Commands: map[string]cli.Command{
			"migrate": {Summary: "apply pending ClickHouse migrations (safe to run twice or concurrently)", Run: runMigrate},
			"broker":  {Summary: "run the embedded Kafka broker (development and demo only)", Run: runBroker},
			"gen":     {Summary: "write seeded synthetic service records and feedback into Kafka", Run: runGen},
			"import":  {Summary: "send an export's events (JSON Lines or CSV) into Kafka, each checked as ingest would; bad lines listed as file:line: reason", Run: runImport},
			"ingest":  {Summary: "consume Kafka into ClickHouse: transform, reject to DLQ, commit after write", Run: runIngest},
			"stats":   {Summary: "print distinct rows per table, as the KPI queries see them", Run: runStats},
			"lag":     {Summary: "print a consumer group's committed offset, high-water mark and lag per partition (exit 1 when behind)", Run: runLag},
			"demo":    {Summary: "set up everything locally and run the pipeline end to end", Run: runDemo},
			"bench": {Summary: "measure the raw ClickHouse insert rate, and end to end with and without the live refresh: rate, freshness, final refresh, worker memory", Run: runBench, Subs: []cli.Subcommand{
				{Name: "kpi", Summary: "load generated request states and time every KPI of the catalog for one quarter, the whole catalog alone and six at once"},
				{Name: "refresh", Summary: "load generated facts and states and time refresh cycles of a few changed requests over them"}}},
			"clickhouse": {Summary: "start or stop a local ClickHouse server (development, tests)", Run: runClickHouse, Subs: []cli.Subcommand{
				{Name: "start", Summary: "start a local ClickHouse server in --dir, installing it if needed; prints its DSN (with --shards/--replicas: a cluster with ZooKeeper, as JSON)"},
				{Name: "stop", Summary: "stop the local ClickHouse server or cluster whose pid files are in --dir"}}},
			"contracts": {Summary: "check or load a contracts file (SLA terms, targets, weights) into ClickHouse, or extract one from a signed contract", Run: runContracts, Subs: []cli.Subcommand{
				{Name: "load", Args: "FILE", Summary: "check a contracts file and load its versions into ClickHouse"},
				{Name: "check", Args: "FILE", Summary: "check a contracts file (YAML, terms, KPI ids) without a server"},
				{Name: "extract", Args: "FILE", Summary: "read a signed copy of the contract template into a contracts file, each value with its clause and line (--check: compare with ClickHouse)"}}},
			"dashboards": {Summary: "provision Grafana (datasource, folder, dashboards, alert rules) or export its provisioning files", Run: runDashboards, Subs: []cli.Subcommand{
				{Name: "provision", Summary: "create or update Grafana's datasource, folder, dashboards and alert rules through its API"},
				{Name: "export", Summary: "write Grafana's file-provisioning tree (datasource, dashboards, alert rules) into --dir"}}},
			"breaches": {Summary: "list broken promises (late reply, on site, parts; unqualified staff; data) with clause and lateness", Run: runBreaches},
			"request":  {Summary: "print one request's timeline: events, terms, each promise's deadline, business hours, pauses and outcome, first-time fix, feedback", Run: runRequest},
			"kpi": {Summary: "print the catalog's KPIs for a date range (`kpi list` prints the catalog)", Run: runKPI, Subs: []cli.Subcommand{
				{Name: "list", Summary: "print the KPI catalog: id, titles, unit, direction, target, weight, clause and formula"}}},
			"refresh": {Summary: "bring request states (SLA outcomes, breaches) up to date with the events", Run: runRefresh},
			"report":  {Summary: "write the periodic evaluation report of a month, quarter or year (HTML and JSON data)", Run: runReport},
			"actions": {Summary: "add or list improvement actions (clause 11.4), judged by each report", Run: runActions, Subs: []cli.Subcommand{
				{Name: "add", Summary: "record an improvement action for a KPI, with the KPI's current value as its baseline"},
				{Name: "list", Summary: "list the improvement actions"}}},
		},
	}
}
