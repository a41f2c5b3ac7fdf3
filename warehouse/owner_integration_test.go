package warehouse

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/internal/testenv"
)

// TestOwnershipRejectsBadNames: a name that is not one identifier is refused
// before any statement runs (conn is nil: using it would panic).
func TestOwnershipRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "1abc", "a-b", "a.b", "x`; DROP DATABASE default; --", "sp bench", "db`"} {
		t.Run(name, func(t *testing.T) {
			if err := ValidateDatabaseName(name); err == nil {
				t.Fatalf("ValidateDatabaseName(%q) = nil, want an error", name)
			}
			for _, f := range []func(context.Context, driver.Conn, string, string) error{ClaimDatabase, ResetDatabase} {
				err := f(t.Context(), nil, name, "bench")
				if err == nil || errors.Is(err, ErrNotOwned) || !strings.Contains(err.Error(), "database name") {
					t.Fatalf("database %q: error %v, want one rejecting the name", name, err)
				}
			}
		})
	}
	if err := ValidateDatabaseName("servicepulse_bench_2"); err != nil {
		t.Fatalf("ValidateDatabaseName(servicepulse_bench_2) = %v", err)
	}
}

// ownerServer connects to the test server without a default database.
func ownerServer(t *testing.T) driver.Conn {
	t.Helper()
	_, conn := testenv.Server(t)
	return conn
}

func databaseExists(t *testing.T, conn driver.Conn, name string) bool {
	t.Helper()
	return testenv.Count(t, conn, "SELECT count() FROM system.databases WHERE name = ?", name) == 1
}

// foreignTable creates a table with one row in database, as someone else's
// data would be.
func foreignTable(t *testing.T, conn driver.Conn, database string) {
	t.Helper()
	testenv.Exec(t, conn, "CREATE TABLE `"+database+"`.precious (v String) ENGINE = TinyLog")
	testenv.Exec(t, conn, "INSERT INTO `"+database+"`.precious SELECT 'keep me'")
}

func requireForeignTable(t *testing.T, conn driver.Conn, database string) {
	t.Helper()
	var v string
	if err := conn.QueryRow(t.Context(), "SELECT v FROM `"+database+"`.precious").Scan(&v); err != nil || v != "keep me" {
		t.Fatalf("table %s.precious: %q (%v), want its row 'keep me' still there", database, v, err)
	}
}

func requireNotOwned(t *testing.T, err error, database, command, reason string) {
	t.Helper()
	if !errors.Is(err, ErrNotOwned) {
		t.Fatalf("error %v, want one matching ErrNotOwned", err)
	}
	want := `database "` + database + `" exists and was not created by servicepulse ` + command + ` (` + reason
	if !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "): it is left untouched") {
		t.Fatalf("error %q, want the sentence starting %q", err, want)
	}
}

// TestIntegrationOwnerClaimCreatesAndMarks: claiming a missing database
// creates it with one marker row naming the command, this host and process;
// claiming it again accepts it unchanged; another command is refused.
func TestIntegrationOwnerClaimCreatesAndMarks(t *testing.T) {
	conn := ownerServer(t)
	ctx := t.Context()
	db := testenv.DatabaseName(t, conn, "owner")

	before := time.Now().Add(-time.Second)
	if err := ClaimDatabase(ctx, conn, db, "bench kpi"); err != nil {
		t.Fatal(err)
	}
	ms, err := readMarkers(ctx, conn, db)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if len(ms) != 1 || ms[0].Command != "bench kpi" || ms[0].Host != host || ms[0].PID != uint32(os.Getpid()) ||
		ms[0].CreatedAt.Before(before.Truncate(time.Second)) || ms[0].CreatedAt.After(time.Now().Add(time.Second)) {
		t.Fatalf("marker rows %+v, want one for bench kpi on %s, pid %d, made just now", ms, host, os.Getpid())
	}

	testenv.Exec(t, conn, "CREATE TABLE `"+db+"`.loaded (v UInt8) ENGINE = TinyLog")
	if err := ClaimDatabase(ctx, conn, db, "bench kpi"); err != nil {
		t.Fatalf("claiming its own database again: %v", err)
	}
	if n := testenv.Count(t, conn, "SELECT count() FROM system.tables WHERE database = ? AND name = 'loaded'", db); n != 1 {
		t.Fatal("claiming its own database again lost its tables")
	}
	if n := testenv.Count(t, conn, "SELECT count() FROM `"+db+"`."+MarkerTable); n != 1 {
		t.Fatalf("marker has %d rows after a second claim, want 1", n)
	}

	for _, f := range []func(context.Context, driver.Conn, string, string) error{ClaimDatabase, ResetDatabase} {
		requireNotOwned(t, f(ctx, conn, db, "bench"), db, "bench", "its servicepulse_owner marker says servicepulse bench kpi made it on ")
	}
	if n := testenv.Count(t, conn, "SELECT count() FROM system.tables WHERE database = ? AND name = 'loaded'", db); n != 1 {
		t.Fatal("another command's refused reset dropped the database")
	}
}

// TestIntegrationOwnerRefusesUnmarked: a database created without a marker
// (by hand, by Open, by another tool) is neither claimed nor reset, and its
// table and row stay.
func TestIntegrationOwnerRefusesUnmarked(t *testing.T) {
	conn := ownerServer(t)
	ctx := t.Context()
	_, db := testenv.FreshDatabase(t)
	foreignTable(t, conn, db)

	requireNotOwned(t, ClaimDatabase(ctx, conn, db, "bench"), db, "bench", "no servicepulse_owner marker")
	requireNotOwned(t, ResetDatabase(ctx, conn, db, "bench"), db, "bench", "no servicepulse_owner marker")
	if err := ResetDatabase(ctx, conn, db, "bench"); err.Error() != `database "`+db+`" exists and was not created by servicepulse bench `+
		`(no servicepulse_owner marker): it is left untouched` {
		t.Fatalf("refusal %q is not the one sentence", err)
	}
	requireForeignTable(t, conn, db)

	// An empty marker table, or a table of that name that is no marker, is
	// no proof of ownership either.
	testenv.Exec(t, conn, "CREATE TABLE `"+db+"`."+MarkerTable+" (command String, created_at DateTime, host String, pid UInt32) ENGINE = TinyLog")
	requireNotOwned(t, ResetDatabase(ctx, conn, db, "bench"), db, "bench", "its servicepulse_owner marker is empty")
	testenv.Exec(t, conn, "DROP TABLE `"+db+"`."+MarkerTable)
	testenv.Exec(t, conn, "CREATE TABLE `"+db+"`."+MarkerTable+" (command String) ENGINE = TinyLog")
	testenv.Exec(t, conn, "INSERT INTO `"+db+"`."+MarkerTable+" SELECT 'bench'")
	requireNotOwned(t, ResetDatabase(ctx, conn, db, "bench"), db, "bench", "its servicepulse_owner table is not a marker")
	requireForeignTable(t, conn, db)
}

// TestIntegrationOwnerResetDropsOnlyItsOwn: resetting a missing database
// creates it marked; resetting a marked one drops its tables and leaves a new
// marker of one row.
func TestIntegrationOwnerResetDropsOnlyItsOwn(t *testing.T) {
	conn := ownerServer(t)
	ctx := t.Context()
	db := testenv.DatabaseName(t, conn, "owner")

	if err := ResetDatabase(ctx, conn, db, "demo"); err != nil {
		t.Fatal(err)
	}
	if !databaseExists(t, conn, db) {
		t.Fatal("reset of a missing database did not create it")
	}
	testenv.Exec(t, conn, "CREATE TABLE `"+db+"`.generated (v UInt8) ENGINE = TinyLog")
	testenv.Exec(t, conn, "INSERT INTO `"+db+"`.generated SELECT 1")
	if err := ResetDatabase(ctx, conn, db, "demo"); err != nil {
		t.Fatal(err)
	}
	if n := testenv.Count(t, conn, "SELECT count() FROM system.tables WHERE database = ?", db); n != 1 {
		t.Fatalf("after the reset %s has %d tables, want only the marker", db, n)
	}
	ms, err := readMarkers(ctx, conn, db)
	if err != nil || len(ms) != 1 || ms[0].Command != "demo" {
		t.Fatalf("marker after reset: %+v (%v), want one row for demo", ms, err)
	}
}

// On a cluster, bench's own database is made and reset on every node, and
// a database of the same name that bench did not make is left alone there
// too.
func TestIntegrationOwnDatabaseOnCluster(t *testing.T) {
	dsn, cluster := testenv.Cluster(t)
	log := slog.New(slog.DiscardHandler)
	name := "sp_test_own_" + strings.ToLower(testenv.Unique("c")[2:10])
	own, err := NewOwnDatabase(dsn, name, "bench", log)
	if err != nil {
		t.Fatal(err)
	}
	own.Cluster = cluster
	conn, err := Open(t.Context(), own.Config(own.Server), log)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Cleanup(func() { _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS `"+name+"` ON CLUSTER "+cluster) })
	onEveryNode := func() uint64 {
		return testenv.Count(t, conn, "SELECT count() FROM cluster(?, system.databases) WHERE name = ?", cluster, name)
	}
	for range 2 { // create, then reset what it created
		if err := own.Prepare(t.Context(), true, log); err != nil {
			t.Fatal(err)
		}
		if n := onEveryNode(); n != 2 {
			t.Fatalf("database %s on %d shards, want 2", name, n)
		}
	}

	other := name + "_x"
	t.Cleanup(func() { _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS `"+other+"` ON CLUSTER "+cluster) })
	testenv.Exec(t, conn, "CREATE DATABASE `"+other+"` ON CLUSTER "+cluster)
	foreignTable(t, conn, other)
	foreign, err := NewOwnDatabase(dsn, other, "bench", log)
	if err != nil {
		t.Fatal(err)
	}
	foreign.Cluster = cluster
	if err := foreign.Prepare(t.Context(), true, log); !errors.Is(err, ErrNotOwned) {
		t.Fatalf("reset of a database bench did not make: %v, want ErrNotOwned", err)
	}
	requireForeignTable(t, conn, other)
}
