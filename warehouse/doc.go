// Package warehouse is the ClickHouse side that every stage shares: one way
// to connect (Open, configured by Config) and the counts that say what the
// pipeline has stored (ReadStats); and the ownership markers that let a
// command reset a database only if it created it (ClaimDatabase,
// ResetDatabase; docs/ownership.md); WithList, which sends the values of a
// lookup beside its query instead of in its text; and Insert, the one insert
// of rows through their table's declaration (package columns), which the
// ingest sink and the request states use.
//
// It speaks the native protocol only: the driver's HTTP protocol does not
// work with the ClickHouse 18.16 server this project deploys. The schema
// itself lives in package sql.
package warehouse
