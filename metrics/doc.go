// Package metrics is the one catalog of KPI definitions: id, titles, unit,
// direction, default target and weight, the contract clause each measures, the
// formula in words, and the SQL that computes it. The CLI, the dashboards and
// the reports all take their numbers from here, so they cannot disagree.
//
// Every KPI is one aggregate expression over request_state (package sla): the
// rows of the requests opened in a date range (the cohort), grouped by any of
// the dimensions. Deadlines are compared with the query's as-of time, so
// breaches of open requests are counted while they are open.
//
// SelectSQL writes the catalog's one query over a Scope: the cohort, the
// filters and the as-of instant, which is all a query dialect decides. Query
// is the CLI's dialect (literal dates and instant) and Run computes it;
// package dashboards writes Grafana's (the plugin's macros and the
// dashboard's variables), which no file here knows. Every reader of a
// cohort of request_state reads FROM Scope.Source: one FINAL per month
// (Scope.Split), which ClickHouse runs in parallel where one FINAL runs in
// one thread, with the cohort applied after it (docs/queries.md).
//
// Evaluate scores KPI
// values in Go, ScoreSQL in SQL, and a test holds the two together.
package metrics
