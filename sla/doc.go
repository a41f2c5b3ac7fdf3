// Package sla derives the state of every service request from its events: when
// it was opened, first answered, visited, resolved; its deadlines under the
// contract terms in force when it was opened, measured in business hours on
// the contract's calendar and support window, minus clock pauses; its part
// lines, feedback and complaints. The result is one row per request in the
// request_state table, from which every KPI is computed (package metrics).
//
// Build is pure: events in any order, duplicates included, give the same
// state. The Refresher keeps request_state current: it finds the requests
// whose events or feedback were ingested since its last run, together with
// every request on the same product serial (a new request can turn an older
// one into a repeat repair), and rebuilds them. Late events therefore restate
// the past: the request's row changes, and with it the KPIs of its cohort.
//
// Breaches are live without recomputation: a state holds deadlines as
// instants, and a query compares them with its as-of time, so an open request
// past its reply deadline counts as a breach before any late event arrives.
package sla
