// Package daemon runs the long-lived ingest process: the HTTP server of
// /metrics and /healthz, the ingest pipeline (package ingest), the
// request-state refresher (package sla: soon after each commit, and on its
// interval to catch up), and a final refresh.
//
// Run starts the HTTP server, then the pipeline and the refresher together
// (one errgroup). It stops them in this order:
//  1. fetching and the workers: the pipeline writes and commits what it
//     consumed, and Run's context ending (a signal) or the group being
//     caught up (Config.Ingest.UntilIdle) stops it;
//  2. the refresher, after its refresh in progress, if any, which from
//     its next batch builds and writes in parallel (sla.Refresher's
//     SetParallel: ingest no longer needs the cores); a signal aborts
//     that refresh, and the watermark keeps its place;
//  3. the final refresh, which brings request states up to date with the
//     last commit, unless Run's context ended (a stop signal: the refresh
//     watermark keeps the place for the next ingest or refresh), in
//     parallel too;
//  4. the HTTP server, last, so /metrics stays readable to the end.
package daemon
