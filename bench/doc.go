// Package bench holds the benchmark harnesses of BENCHMARKS.md.
//
// Run (`servicepulse bench`) measures the raw ClickHouse insert rate of the
// generated rows (the bound), the produce rate into an embedded broker, and
// the end-to-end rate and peak memory of `servicepulse ingest` run as a
// separate worker process, and checks that every generated message was
// stored exactly once. RunKPI (`servicepulse bench kpi`) loads generated
// request states through sla.BuildStates and times every KPI of the catalog
// for one quarter grouped by partner.
//
// Each works in a scratch database of its own on the server it is given,
// created with its ownership marker (warehouse.OwnDatabase) and reset before
// use: a database it did not create is refused, never dropped. Results are
// printed as JSON on Config.Stdout.
package bench
