package sql

// Hooks for the integration tests of package sql_test, which run the
// migrator on migrations other than the shipped ones.
var (
	MigrateThese = migrate
	PendingOf    = pending
)

// MigratorQueries are the migrator's own statements, in the order it runs
// them; ? stands for a quoted table name, then a column name.
var MigratorQueries = []string{createRecordTable, recordTableExists, readRecords, columnExists}
