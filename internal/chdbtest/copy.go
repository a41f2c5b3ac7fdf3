//go:build chdb

package chdbtest

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/chdb-io/chdb-go/chdb"
	"github.com/shopspring/decimal"

	"servicepulse/metrics"
)

// CopyTable inserts into sess every row that query (a SELECT on the 18.16
// server, e.g. "SELECT * FROM request_state FINAL") returns, into table, in
// chunks, and returns how many rows it copied. Tests use it to put the
// same data in front of current ClickHouse.
func CopyTable(t testing.TB, ctx context.Context, conn driver.Conn, sess *chdb.Session, table, query string) int {
	t.Helper()
	rows, err := conn.Query(ctx, query)
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
			Query(t, sess, insert+strings.Join(tuples, ",\n"))
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
	return n
}

// literal writes v, read from a column of type dbType, as a ClickHouse
// literal: strings quoted, DateTime('UTC') as its UTC wall time, floats
// exactly (shortest form that reads back the same), arrays element by element.
func literal(t testing.TB, v reflect.Value, dbType string) string {
	switch x := v.Interface().(type) {
	case string:
		return metrics.Quote(x)
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
