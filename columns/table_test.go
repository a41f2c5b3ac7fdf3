package columns_test

import (
	"database/sql"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"servicepulse/columns"
)

var epoch0 = time.Unix(0, 0).UTC()

type visit struct {
	ID     string
	Region string
	No     uint16
	Done   bool
	At     time.Time
	Parts  []string
}

var visits = columns.NewTable("visits",
	columns.Field("id", "String", func(r *visit) *string { return &r.ID }),
	columns.Field("region", "LowCardinality(String)", func(r *visit) *string { return &r.Region }),
	columns.Field("no", "UInt16", func(r *visit) *uint16 { return &r.No }),
	columns.Bool("done", func(r *visit) *bool { return &r.Done }),
	columns.Time("at", "DateTime('UTC')", func(r *visit) *time.Time { return &r.At }),
	columns.Of("parts", "UInt16", func(r *visit) uint16 { return uint16(len(r.Parts)) }, nil),
)

func TestTableStatements(t *testing.T) {
	if got, want := visits.InsertSQL(), "INSERT INTO visits (id, region, no, done, at, parts)"; got != want {
		t.Errorf("InsertSQL() = %q, want %q", got, want)
	}
	sub := visits.Subset("region", "id")
	if got, want := sub.SelectSQL(), "SELECT region, id FROM visits"; got != want {
		t.Errorf("Subset(region, id).SelectSQL() = %q, want %q", got, want)
	}
	var types []string
	for _, c := range visits.Columns() {
		types = append(types, c.Type)
	}
	if got, want := strings.Join(types, " "), "String LowCardinality(String) UInt16 UInt8 DateTime('UTC') UInt16"; got != want {
		t.Errorf("types = %q, want %q", got, want)
	}
}

// Reading selects expressions in the places of the columns it names, scans
// into their destinations where it gives one, and leaves the rest and
// InsertSQL as declared.
func TestTableReading(t *testing.T) {
	var scanned []string
	rd := visits.Subset("id", "region", "no").Reading(map[string]columns.Read[visit]{
		"region": {Expr: "if(no = 1, region, '')"},
		"no":     {Expr: "toUInt16(no * 2)", Dest: func(r *visit) any { scanned = append(scanned, r.ID); return &r.No }},
	})
	if got, want := rd.SelectSQL(), "SELECT id, if(no = 1, region, ''), toUInt16(no * 2) FROM visits"; got != want {
		t.Errorf("SelectSQL() = %q, want %q", got, want)
	}
	if got, want := rd.InsertSQL(), "INSERT INTO visits (id, region, no)"; got != want {
		t.Errorf("InsertSQL() = %q, want %q", got, want)
	}
	r := visit{ID: "v1"}
	dest := rd.Dest(nil, &r)
	if len(dest) != 3 || dest[0] != &r.ID || dest[1] != &r.Region || dest[2] != &r.No || !reflect.DeepEqual(scanned, []string{"v1"}) {
		t.Errorf("Dest = %v (override called for %v), want the declared id and region and the override's no", dest, scanned)
	}
	defer func() {
		if recover() == nil {
			t.Error("Reading of an undeclared column did not panic")
		}
	}()
	visits.Reading(map[string]columns.Read[visit]{"nope": {Expr: "1"}})
}

func TestTableValues(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	rows := []visit{
		{ID: "v1", Region: "East", No: 2, Done: true, At: at, Parts: []string{"a", "b", "c"}},
		{ID: "v2", Region: "West", No: 7},
	}
	got := visits.Row(nil, &rows[0])
	want := []any{"v1", "East", uint16(2), uint8(1), at.UTC(), uint16(3)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Row(v1) = %#v\nwant %#v", got, want)
	}
	// The same buffer serves the next row.
	again := visits.Row(got, &rows[1])
	want = []any{"v2", "West", uint16(7), uint8(0), epoch0, uint16(0)}
	if !reflect.DeepEqual(again, want) || &again[0] != &got[0] {
		t.Errorf("Row(v2) into the same buffer = %#v\nwant %#v, in place", again, want)
	}

	// A LowCardinality(String) column comes as []any of boxed strings
	// (lowCardinalityFiller), which the driver appends without boxing.
	cols := appendAll(t, visits, rows)
	wantCols := []any{
		[]string{"v1", "v2"}, []any{"East", "West"}, []uint16{2, 7}, []uint8{1, 0},
		[]time.Time{at.UTC(), epoch0}, []uint16{3, 0},
	}
	if !reflect.DeepEqual(cols, wantCols) {
		t.Errorf("AppendColumns = %#v\nwant %#v", cols, wantCols)
	}
}

// appendAll joins the chunks AppendColumns hands for rows into one slice
// per column, copied: the chunks are buffers it reuses.
func appendAll[T any](t *testing.T, table *columns.Table[T], rows []T) []any {
	t.Helper()
	got := make([]any, len(table.Names()))
	err := table.AppendColumns(rows, func(i int, values any) error {
		v := reflect.ValueOf(values)
		if got[i] == nil {
			got[i] = reflect.MakeSlice(v.Type(), 0, len(rows)).Interface()
		}
		got[i] = reflect.AppendSlice(reflect.ValueOf(got[i]), v).Interface()
		return nil
	})
	if err != nil {
		t.Fatalf("AppendColumns(%d rows): %v", len(rows), err)
	}
	return got
}

// AppendColumns hands a table's columns a chunk at a time: the chunks of
// each column, joined in order, hold every row's value as Row gives it. 600
// rows make two full chunks and a partial one; the call with 3 rows reuses
// the buffers of the first, whose values must not leak into it.
func TestTableAppendColumns(t *testing.T) {
	for _, n := range []int{600, 3} {
		rows := make([]visit, n)
		for i := range rows {
			rows[i] = visit{ID: "v" + strconv.Itoa(i), Region: []string{"East", "West", "North"}[i%3], No: uint16(i),
				Done: i%2 == 0, At: time.Unix(int64(i)*3600, 0), Parts: make([]string, i%4)}
		}
		cols := appendAll(t, visits, rows)
		for r := range rows {
			want := visits.Row(nil, &rows[r])
			for i, col := range cols {
				v := reflect.ValueOf(col)
				if v.Len() != n {
					t.Fatalf("AppendColumns(%d rows): column %d has %d values", n, i, v.Len())
				}
				if got := v.Index(r).Interface(); got != want[i] {
					t.Errorf("AppendColumns(%d rows): row %d column %s = %#v, want %#v", n, r, visits.Names()[i], got, want[i])
				}
			}
		}
	}

	// The first error stops it, and is returned as it is.
	stop := errors.New("column refused")
	calls := 0
	err := visits.AppendColumns(make([]visit, 600), func(i int, values any) error {
		calls++
		if i == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("AppendColumns with column 2 refused: err %v after %d calls, want %v after 3", err, calls, stop)
	}
}

func TestTableDest(t *testing.T) {
	readable := visits.Subset("id", "done", "at")
	var v visit
	dest := readable.Dest(nil, &v)
	if len(dest) != 3 {
		t.Fatalf("Dest gave %d destinations, want 3", len(dest))
	}
	*dest[0].(*string) = "v9"
	*dest[1].(*bool) = true
	at := dest[2].(sql.Scanner)
	if err := at.Scan(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if v.ID != "v9" || !v.Done || !v.At.Equal(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("after scanning: %+v", v)
	}
	// Epoch 0 reads back as "has not happened".
	if err := at.Scan(epoch0); err != nil || !v.At.IsZero() {
		t.Errorf("scan of epoch 0: At = %v, err %v; want the zero time", v.At, err)
	}
	if err := at.Scan("2026-03-02"); err == nil {
		t.Error("scan of a string into a time: no error")
	}
}

func TestTablePanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"repeated name", func() {
			columns.NewTable("t", columns.Field("a", "String", func(r *visit) *string { return &r.ID }),
				columns.Field("a", "String", func(r *visit) *string { return &r.Region }))
		}, `repeated column name "a"`},
		{"unknown subset column", func() { visits.Subset("id", "nope") }, `declares no column "nope"`},
		{"scan of a computed column", func() { visits.Dest(nil, &visit{}) }, "visits.parts cannot be scanned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tt.want) {
					t.Errorf("panic %q, want one containing %q", msg, tt.want)
				}
			}()
			tt.f()
		})
	}
}
