//go:build chdb

package sql_test

import (
	"os"
	"strings"
	"testing"

	"servicepulse/internal/chdbtest"
	"servicepulse/sql"
)

// Every shipped statement must also run on current ClickHouse, which is what
// users run; chdb is that engine in-process. chdbtest.Session applies every
// statement of every migration in order and fails on the first error.
func TestIntegrationMigrationsOnCurrentClickHouse(t *testing.T) {
	s := chdbtest.Session(t)
	t.Logf("ClickHouse %s", chdbtest.Query(t, s, "SELECT version()"))

	// The same tables and column types as on the 18.16 server.
	got := chdbtest.Query(t, s, `SELECT table, name, type FROM system.columns
		WHERE database = currentDatabase() ORDER BY table, position`) + "\n"
	want, err := os.ReadFile(goldenSchema)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("schema on current ClickHouse differs from %s (the 18.16 schema)\n got:\n%s\nwant:\n%s", goldenSchema, got, want)
	}

	// The migrator's own SQL runs there too.
	for _, q := range sql.MigratorQueries {
		q = strings.Replace(strings.Replace(q, "?", "'feedback'", 1), "?", "'csat'", 1)
		chdbtest.Query(t, s, q)
	}

	// Money arrives as a string and must come back as the same Decimal, once,
	// even when the event was inserted twice.
	for range 2 {
		chdbtest.Query(t, s, `INSERT INTO service_events (event_id, event_type, occurred_at, request_id, partner_id, parts_fee, ingested_at)
			VALUES ('e1', 'visit_completed', '2026-03-02 09:30:00', 'r1', 'p1', '120.50', now())`)
	}
	row := chdbtest.Query(t, s, `SELECT count(), any(parts_fee), toTypeName(any(parts_fee)) FROM service_events FINAL
		SETTINGS output_format_decimal_trailing_zeros = 1`)
	if want := "1\t120.50\tDecimal(18, 2)"; row != want {
		t.Fatalf("service_events FINAL after inserting e1 twice = %q, want %q", row, want)
	}
}
