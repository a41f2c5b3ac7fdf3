package warehouse

import (
	"context"
	"slices"
	"testing"

	"servicepulse/internal/testenv"
)

// A lookup through WithList finds exactly the listed values, ids a literal
// list would have to escape included, and an empty list finds nothing.
func TestIntegrationWithListNamesItsValues(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DSN = testenv.ClickHouseDSN(t)
	conn, err := Open(t.Context(), cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	lookup := func(values []string) []string {
		t.Helper()
		ctx, err := WithList(context.Background(), values)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := conn.Query(ctx, "SELECT v FROM (SELECT arrayJoin(['SR-1', 'it''s', 'back\\\\slash', 'SR-9']) AS v) WHERE v IN "+ListTable+" ORDER BY v")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got, want := lookup([]string{"SR-9", `it's`, `back\slash`, "SR-2"}), []string{"SR-9", `back\slash`, `it's`}; !slices.Equal(got, want) {
		t.Errorf("lookup = %q, want %q", got, want)
	}
	if got := lookup(nil); len(got) != 0 {
		t.Errorf("lookup of no values = %q, want none", got)
	}
}
