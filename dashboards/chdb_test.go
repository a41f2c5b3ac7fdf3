//go:build chdb

package dashboards

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chdb-io/chdb-go/chdb"

	"servicepulse/internal/chdbtest"
)

// copied are the tables the dashboards read, copied from the 18.16 server
// into chdb row by row.
var copied = []string{"request_state", "service_events", "feedback", "rejects", "state_refreshes"}

// onCurrentClickHouse runs every query on current ClickHouse (chdb, in
// process) over the same rows as the 18.16 server: the columns the panel
// expects, with rows, and the executive tiles' values equal those of 18.16.
func onCurrentClickHouse(t *testing.T, g generated, queries []PanelQuery) {
	sess := chdbtest.Session(t)
	for _, table := range copied {
		copyTable(t, g, sess, table)
	}
	// The session's tables are in its default database; the daily
	// rollup's queries name the 18.16 server's (never built here, so the
	// queries read request_state, as on 18.16).
	db := "`" + g.database(t) + "`."
	for _, q := range queries {
		t.Run(q.Dashboard+"/"+q.Panel+"/"+q.RefID, func(t *testing.T) {
			sql, err := expandFor(q, g.rangeOf(q), nil)
			if err != nil {
				t.Fatal(err)
			}
			cols, rows := chdbRows(t, sess, strings.ReplaceAll(sql, db, ""))
			checkShape(t, q, cols, len(rows))
			if q.Dashboard != ExecutiveOverviewUID || len(rows) != 1 || len(cols) == 0 || !strings.HasPrefix(cols[0], "k_") {
				return
			}
			server, err := runServer(t.Context(), g, sql)
			if err != nil {
				t.Fatal(err)
			}
			want := number(server.rows[0][0])
			got, err := strconv.ParseFloat(rows[0][0], 64)
			if err != nil {
				t.Fatalf("%s = %q: %v", cols[0], rows[0][0], err)
			}
			if !same(got, want) {
				t.Errorf("%s: current ClickHouse %v, 18.16 %v", cols[0], got, want)
			}
		})
	}
}

// chdbRows runs sql and returns the column names and the rows as text.
func chdbRows(t *testing.T, sess *chdb.Session, sql string) ([]string, [][]string) {
	t.Helper()
	r, err := sess.Query(sql, "TabSeparatedWithNames")
	if err != nil {
		t.Fatalf("current ClickHouse: %v\n%s", err, sql)
	}
	defer r.Free()
	lines := strings.Split(strings.TrimSuffix(r.String(), "\n"), "\n")
	var rows [][]string
	for _, l := range lines[1:] {
		rows = append(rows, strings.Split(l, "\t"))
	}
	return strings.Split(lines[0], "\t"), rows
}

// copyTable inserts every row of table on the 18.16 server into chdb and
// checks the count.
func copyTable(t *testing.T, g generated, sess *chdb.Session, table string) {
	t.Helper()
	n := chdbtest.CopyTable(t, t.Context(), g.stack.Conn, sess, table, "SELECT * FROM "+table)
	if got := chdbtest.Query(t, sess, "SELECT count() FROM "+table); got != strconv.Itoa(n) {
		t.Fatalf("%s: chdb holds %s rows, copied %d", table, got, n)
	}
}
