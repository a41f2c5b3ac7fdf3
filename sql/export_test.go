package sql

import (
	"context"
	"log/slog"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Hooks for the integration tests of package sql_test, which run the
// migrator on migrations other than the shipped ones.
var (
	MigrateTheseOn = migrate // on a cluster, or one node with ""
	PendingOf      = pending
)

// MigrateThese applies migs to the connected node.
func MigrateThese(ctx context.Context, conn driver.Conn, log *slog.Logger, migs []Migration) ([]int, error) {
	return migrate(ctx, conn, log, migs, "", nil)
}

// MigratorQueries are the migrator's own statements, in the order it runs
// them; ? stands for a quoted table name, then a column name.
var MigratorQueries = []string{createRecordTable, recordTableExists, readRecords, columnExists}

// ClusterQueries are the migrator's queries on a cluster; ? stands for the
// cluster, then the database, a table and a column.
var ClusterQueries = []string{clusterShards, clusterColumnExists}

// ParseMigrations reads migrations from fsys as Migrations reads the
// shipped ones, for tests with their own migration set in testdata.
var ParseMigrations = parse
