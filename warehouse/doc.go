// Package warehouse is the ClickHouse side that every stage shares: one way
// to connect (Open, configured by Config) and the counts that say what the
// pipeline has stored (ReadStats).
//
// It speaks the native protocol only: the driver's HTTP protocol does not
// work with the ClickHouse 18.16 server this project deploys. The schema
// itself lives in package sql.
package warehouse
