// Package demo runs `servicepulse demo`: a whole run of the pipeline on
// generated data, on one machine. It finds or starts a ClickHouse, resets a
// database of its own there (marked as the demo's: a database it did not
// create is refused, never dropped), starts an embedded Kafka broker,
// migrates, generates traffic, ingests it until caught up, prints what was
// generated against what was stored, loads the sample contracts, refreshes
// the request states, prints the KPIs by partner, writes the Grafana
// provisioning (and provisions a running Grafana when one is named), and
// writes the last quarter's evaluation report (and its PDF when Chromium is
// installed) and a partner scorecard. It generates Config.Quarters whole
// quarters, four by default, so that the report's trends have a quarter of
// data at every point.
//
// Progress goes to Config.Stderr as numbered stages; the results go to
// Config.Stdout.
package demo
