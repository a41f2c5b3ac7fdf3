package sql_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/internal/testenv"
	"servicepulse/sql"
	"servicepulse/warehouse"
)

var update = flag.Bool("update", false, "rewrite testdata/schema.golden from the 18.16 server")

const goldenSchema = "testdata/schema.golden"

func logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func open(t testing.TB, dsn string) driver.Conn {
	t.Helper()
	cfg := warehouse.DefaultConfig()
	cfg.DSN = dsn
	conn, err := warehouse.Open(context.Background(), cfg, logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func versions(migs []sql.Migration) []int {
	var out []int
	for _, m := range migs {
		out = append(out, m.Version)
	}
	return out
}

func shipped(t testing.TB) []sql.Migration {
	t.Helper()
	migs, err := sql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	return migs
}

// schema lists "table<TAB>column<TAB>type" for every column of the current
// database but schema_migrations, sorted by table, columns in table order.
func schema(t testing.TB, conn driver.Conn) string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT table, name, type FROM system.columns WHERE database = currentDatabase() AND table != 'schema_migrations'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var table, name, typ string
		if err := rows.Scan(&table, &name, &typ); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, table+"\t"+name+"\t"+typ)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(lines, func(a, b string) int {
		return strings.Compare(strings.Split(a, "\t")[0], strings.Split(b, "\t")[0])
	})
	return strings.Join(lines, "\n") + "\n"
}

func checkGolden(t *testing.T, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(goldenSchema, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenSchema)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("schema differs from %s (run with -update if the change is intended)\n got:\n%s\nwant:\n%s", goldenSchema, got, want)
	}
}

// records returns the collapsed rows of schema_migrations as "version name checksum".
func records(t testing.TB, conn driver.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT version, name, checksum FROM schema_migrations FINAL ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var (
			v          uint32
			name, csum string
		)
		if err := rows.Scan(&v, &name, &csum); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(v, " ", name, " ", csum))
	}
	return out
}

func wantRecords(migs []sql.Migration) []string {
	var out []string
	for _, m := range migs {
		out = append(out, fmt.Sprint(m.Version, " ", m.Name, " ", m.Checksum))
	}
	return out
}

func TestIntegrationMigrate(t *testing.T) {
	dsn, _ := testenv.FreshDatabase(t)
	conn := open(t, dsn)
	ctx := t.Context()
	migs := shipped(t)

	pending, err := sql.Pending(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if got := versions(pending); !slices.Equal(got, versions(migs)) {
		t.Fatalf("Pending on an empty database = %v, want every migration %v", got, versions(migs))
	}

	applied, err := sql.Migrate(ctx, conn, logger(t))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(applied, versions(migs)) {
		t.Fatalf("first Migrate applied %v, want %v", applied, versions(migs))
	}
	checkGolden(t, schema(t, conn))
	if got, want := records(t, conn), wantRecords(migs); !slices.Equal(got, want) {
		t.Fatalf("schema_migrations:\n got %q\nwant %q", got, want)
	}

	applied, err = sql.Migrate(ctx, conn, logger(t))
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate applied %v (err %v), want nothing", applied, err)
	}
	if pending, err := sql.Pending(ctx, conn); err != nil || len(pending) != 0 {
		t.Fatalf("Pending after Migrate = %v (err %v), want none", versions(pending), err)
	}
}

// Migrators started at the same moment, as when two replicas of a stage
// start together, must both succeed and leave what one run leaves.
func TestIntegrationMigrateConcurrently(t *testing.T) {
	migs := shipped(t)
	check := func(t *testing.T, conn driver.Conn) {
		checkGolden(t, schema(t, conn))
		if got, want := records(t, conn), wantRecords(migs); !slices.Equal(got, want) {
			t.Fatalf("schema_migrations after concurrent runs:\n got %q\nwant %q", got, want)
		}
	}

	t.Run("goroutines", func(t *testing.T) {
		dsn, _ := testenv.FreshDatabase(t)
		conns := []driver.Conn{open(t, dsn), open(t, dsn)}
		start := make(chan struct{})
		errs := make([]error, len(conns))
		var wg sync.WaitGroup
		for i, conn := range conns {
			wg.Go(func() {
				<-start
				var applied []int
				applied, errs[i] = sql.Migrate(t.Context(), conn, logger(t).With("migrator", i))
				t.Logf("migrator %d applied %v", i, applied)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("migrator %d: %v", i, err)
			}
		}
		check(t, conns[0])
	})

	t.Run("processes", func(t *testing.T) {
		dsn, _ := testenv.FreshDatabase(t)
		// Both children wait for the same wall-clock instant, so that
		// process start-up does not serialise them.
		at := time.Now().Add(time.Second).UnixNano()
		var cmds []*exec.Cmd
		var outs []*strings.Builder
		for range 2 {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMigrateChildProcess$", "-test.v")
			cmd.Env = append(os.Environ(), "SERVICEPULSE_MIGRATE_CHILD_DSN="+dsn, "SERVICEPULSE_MIGRATE_CHILD_AT="+strconv.FormatInt(at, 10))
			out := &strings.Builder{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds, outs = append(cmds, cmd), append(outs, out)
		}
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Errorf("migrator process %d: %v\n%s", i, err, outs[i])
			} else {
				t.Logf("migrator process %d:\n%s", i, outs[i])
			}
		}
		check(t, open(t, dsn))
	})
}

// TestMigrateChildProcess is the migrator process that
// TestIntegrationMigrateConcurrently starts; run directly it does nothing.
func TestMigrateChildProcess(t *testing.T) {
	dsn := os.Getenv("SERVICEPULSE_MIGRATE_CHILD_DSN")
	if dsn == "" {
		return
	}
	at, err := strconv.ParseInt(os.Getenv("SERVICEPULSE_MIGRATE_CHILD_AT"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	conn := open(t, dsn)
	time.Sleep(time.Until(time.Unix(0, at)))
	applied, err := sql.Migrate(t.Context(), conn, logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("applied %v", applied)
}

func TestIntegrationMigrateRefusesChangedMigration(t *testing.T) {
	dsn, _ := testenv.FreshDatabase(t)
	conn := open(t, dsn)
	ctx := t.Context()
	migs := shipped(t)
	if _, err := sql.Migrate(ctx, conn, logger(t)); err != nil {
		t.Fatal(err)
	}

	// Someone edits 0002_feedback.sql after it was applied.
	edited := slices.Clone(migs)
	edited[1].Statements = []string{strings.Replace(migs[1].Statements[0], "csat Int8,", "csat Int16,", 1)}
	edited[1].Checksum = "0123456789abcdef"
	want := "migration 0002_feedback.sql changed after it was applied; add a new migration instead"

	if _, err := sql.PendingOf(ctx, conn, logger(t), edited); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("pending: error %v, want one containing %q", err, want)
	}
	// A pending migration is not applied either: the check comes first.
	edited = append(edited, sql.Migration{Version: 9999, Name: "9999_probe.sql", Checksum: "x",
		Statements: []string{"CREATE TABLE IF NOT EXISTS probe (a String) ENGINE = Memory"}})
	if _, err := sql.MigrateThese(ctx, conn, logger(t), edited); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("migrate: error %v, want one containing %q", err, want)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'probe'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("probe table created (count %d, err %v) although a changed migration was detected", n, err)
	}
}

// 18.16 has no ADD COLUMN IF NOT EXISTS, so Migrate makes a plain ADD COLUMN
// idempotent: two concurrent runs and a second migration adding the same
// column all succeed.
func TestIntegrationMigrateAddColumn(t *testing.T) {
	dsn, _ := testenv.FreshDatabase(t)
	ctx := t.Context()
	addProbe := func(version int) sql.Migration {
		return sql.Migration{Version: version, Name: fmt.Sprintf("%04d_probe.sql", version), Checksum: "x",
			Statements: []string{"ALTER TABLE feedback ADD COLUMN probe LowCardinality(String) DEFAULT 'none' AFTER csat"}}
	}
	migs := append(shipped(t), addProbe(9998))

	conns := []driver.Conn{open(t, dsn), open(t, dsn)}
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, conn := range conns {
		wg.Go(func() { _, errs[i] = sql.MigrateThese(ctx, conn, logger(t), migs) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrator %d: %v", i, err)
		}
	}
	applied, err := sql.MigrateThese(ctx, conns[0], logger(t), append(migs, addProbe(9999)))
	if err != nil || !slices.Equal(applied, []int{9999}) {
		t.Fatalf("migration re-adding the column: applied %v, err %v; want [9999], no error", applied, err)
	}
	var typ string
	if err := conns[0].QueryRow(ctx, "SELECT type FROM system.columns WHERE database = currentDatabase() AND table = 'feedback' AND name = 'probe'").Scan(&typ); err != nil || typ != "LowCardinality(String)" {
		t.Fatalf("probe column type %q (err %v), want LowCardinality(String)", typ, err)
	}
}

// Migration 0010 on a database that already holds facts: its backfill
// copies every creation event's serial into request_serials, and into
// request_changes what was ingested from a day before the last refresh's
// watermark on (2026-09-10 10:00 here); its views then feed both tables from
// every later insert.
func TestIntegrationMigrateChangeLogBackfill(t *testing.T) {
	dsn, _ := testenv.FreshDatabase(t)
	ctx := t.Context()
	conn := open(t, dsn)
	migs := shipped(t)
	i := slices.IndexFunc(migs, func(m sql.Migration) bool { return m.Name == "0010_change_log.sql" })
	if i < 0 {
		t.Fatal("0010_change_log.sql not shipped")
	}
	if _, err := sql.MigrateThese(ctx, conn, logger(t), migs[:i]); err != nil {
		t.Fatal(err)
	}
	exec := func(q string) {
		t.Helper()
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const events = `INSERT INTO service_events (event_id, event_type, occurred_at, request_id, product_serial, ingested_at) `
	exec(events + `SELECT 'a1', 'request_created', toDateTime('2026-09-01 09:00:00', 'UTC'), 'A', 'SN-1', toDateTime('2026-09-01 10:00:00', 'UTC')
		UNION ALL SELECT 'a2', 'acknowledged', toDateTime('2026-09-09 11:00:00', 'UTC'), 'A', '', toDateTime('2026-09-09 11:00:00', 'UTC')
		UNION ALL SELECT 'b1', 'request_created', toDateTime('2026-09-10 09:00:00', 'UTC'), 'B', 'SN-1', toDateTime('2026-09-10 09:30:00', 'UTC')
		UNION ALL SELECT 'c1', 'request_created', toDateTime('2026-08-01 09:00:00', 'UTC'), 'C', '', toDateTime('2026-08-01 10:00:00', 'UTC')`)
	exec(`INSERT INTO feedback (event_id, event_type, occurred_at, request_id, ingested_at)
		SELECT 'f1', 'survey_submitted', toDateTime('2026-09-09 12:00:00', 'UTC'), 'C', toDateTime('2026-09-09 12:00:00', 'UTC')`)
	exec(`INSERT INTO state_refreshes (refreshed_at, watermark, requests)
		SELECT toDateTime('2026-09-10 10:00:00', 'UTC'), toDateTime('2026-09-10 10:00:00', 'UTC'), 3`)
	if _, err := sql.MigrateThese(ctx, conn, logger(t), migs); err != nil {
		t.Fatal(err)
	}
	list := func(q string) string {
		t.Helper()
		var s string
		if err := conn.QueryRow(ctx, "SELECT arrayStringConcat(arraySort(groupUniqArray(x)), ' ') FROM ("+q+")").Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s
	}
	serials := "SELECT concat(product_serial, ':', request_id) AS x FROM request_serials"
	changes := "SELECT concat(toString(ingested_at), ':', request_id) AS x FROM request_changes"
	// C has no serial; A's acknowledgement carries none. Since 2026-09-09
	// 10:00: A's acknowledgement, B's creation, C's survey.
	if got, want := list(serials), "SN-1:A SN-1:B"; got != want {
		t.Errorf("request_serials after the backfill: %q, want %q", got, want)
	}
	if got, want := list(changes), "2026-09-09 11:00:00:A 2026-09-09 12:00:00:C 2026-09-10 09:30:00:B"; got != want {
		t.Errorf("request_changes after the backfill: %q, want %q", got, want)
	}
	exec(events + `SELECT 'd1', 'request_created', toDateTime('2026-09-11 09:00:00', 'UTC'), 'D', 'SN-1', toDateTime('2026-09-11 09:05:00', 'UTC')`)
	exec(`INSERT INTO feedback (event_id, event_type, occurred_at, request_id, ingested_at)
		SELECT 'f2', 'complaint_opened', toDateTime('2026-09-11 10:00:00', 'UTC'), 'B', toDateTime('2026-09-11 10:00:00', 'UTC')`)
	if got, want := list(serials), "SN-1:A SN-1:B SN-1:D"; got != want {
		t.Errorf("request_serials after an insert: %q, want %q", got, want)
	}
	if got, want := list(changes+" WHERE ingested_at >= '2026-09-11 00:00:00'"), "2026-09-11 09:05:00:D 2026-09-11 10:00:00:B"; got != want {
		t.Errorf("request_changes after two inserts: %q, want %q", got, want)
	}
}

// On a database never refreshed, 0010's backfill copies every change:
// state_refreshes is empty, its max(watermark) is epoch 0, and epoch 0
// minus a day must not wrap around to 2106.
func TestIntegrationMigrateChangeLogBackfillNeverRefreshed(t *testing.T) {
	dsn, _ := testenv.FreshDatabase(t)
	ctx := t.Context()
	conn := open(t, dsn)
	migs := shipped(t)
	i := slices.IndexFunc(migs, func(m sql.Migration) bool { return m.Name == "0010_change_log.sql" })
	if _, err := sql.MigrateThese(ctx, conn, logger(t), migs[:i]); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, `INSERT INTO service_events (event_id, event_type, occurred_at, request_id, product_serial, ingested_at)
		SELECT 'a1', 'request_created', toDateTime('2025-01-01 09:00:00', 'UTC'), 'A', 'SN-1', toDateTime('2025-01-01 10:00:00', 'UTC')`); err != nil {
		t.Fatal(err)
	}
	if _, err := sql.MigrateThese(ctx, conn, logger(t), migs); err != nil {
		t.Fatal(err)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM request_changes WHERE request_id = 'A'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("request_changes rows of A after the backfill: %d (%v), want 1", n, err)
	}
}
