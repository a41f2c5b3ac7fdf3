//go:build chdb

package dashboards

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chdb-io/chdb-go/chdb"
	"github.com/shopspring/decimal"

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
	for _, q := range queries {
		t.Run(q.Dashboard+"/"+q.Panel+"/"+q.RefID, func(t *testing.T) {
			sql, err := expandFor(q, g.rangeOf(q), nil)
			if err != nil {
				t.Fatal(err)
			}
			cols, rows := chdbRows(t, sess, sql)
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

// copyTable inserts every row of table on the 18.16 server into chdb, in
// chunks, and checks the count.
func copyTable(t *testing.T, g generated, sess *chdb.Session, table string) {
	t.Helper()
	rows, err := g.stack.Conn.Query(t.Context(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols := rows.ColumnTypes()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name()
	}
	insert := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES "
	var tuples []string
	n := 0
	flush := func() {
		if len(tuples) > 0 {
			chdbtest.Query(t, sess, insert+strings.Join(tuples, ",\n"))
			n += len(tuples)
			tuples = tuples[:0]
		}
	}
	for rows.Next() {
		dest := make([]any, len(cols))
		for i, c := range cols {
			dest[i] = reflect.New(c.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		lits := make([]string, len(cols))
		for i, c := range cols {
			lits[i] = literal(t, reflect.ValueOf(dest[i]).Elem(), c.DatabaseTypeName())
		}
		tuples = append(tuples, "("+strings.Join(lits, ", ")+")")
		if len(tuples) == 5000 {
			flush()
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	flush()
	if got := chdbtest.Query(t, sess, "SELECT count() FROM "+table); got != strconv.Itoa(n) {
		t.Fatalf("%s: chdb holds %s rows, copied %d", table, got, n)
	}
}

// literal writes v, read from a column of type dbType, as a ClickHouse
// literal: strings quoted, DateTime('UTC') as its UTC wall time, floats
// exactly, arrays element by element.
func literal(t *testing.T, v reflect.Value, dbType string) string {
	switch x := v.Interface().(type) {
	case string:
		return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(x) + "'"
	case time.Time:
		if dbType == "Date" {
			return x.Format("'2006-01-02'")
		}
		return x.UTC().Format("'2006-01-02 15:04:05'")
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case decimal.Decimal:
		return x.String()
	}
	switch v.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Slice:
		elem := strings.TrimSuffix(strings.TrimPrefix(dbType, "Array("), ")")
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = literal(t, v.Index(i), elem)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	t.Fatalf("column of type %s: no literal for Go %T", dbType, v.Interface())
	return ""
}
