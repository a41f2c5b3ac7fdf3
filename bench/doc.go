// Package bench holds the benchmark harnesses of BENCHMARKS.md.
//
// Run (`servicepulse bench`) measures the raw ClickHouse insert rate of the
// generated rows (the bound), then the end-to-end path twice, each time with
// `servicepulse ingest` as a separate worker process on a fresh embedded
// broker, into a freshly reset database holding the sample contracts, and
// with the messages produced while it runs: once with ingest's defaults (the
// live request-state refresh on: the headline), once with
// --refresh-interval 0. It reports each pass's rate (all messages ÷ the time
// from first fetch to last commit), the worker's peak memory through its
// final refresh and that refresh's duration, and, for a sample of requests,
// the freshness of request_state under that load: from the produce of a
// request's last event to a state counting it. It checks that every
// generated message was stored exactly once in both passes. RunKPI
// (`servicepulse bench kpi`) loads generated request states through
// sla.BuildStates and times every KPI of the catalog for one quarter grouped
// by partner, the whole catalog as one query, and six of those at once (six
// dashboards refreshing).
//
// Each works in a scratch database of its own on the server it is given,
// created with its ownership marker (warehouse.OwnDatabase) and reset before
// use: a database it did not create is refused, never dropped. Results are
// printed as JSON on Config.Stdout.
package bench
