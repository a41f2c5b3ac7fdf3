package columns

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Column is one column of a table holding rows of type T.
type Column[T any] struct {
	// Name is the column's name in the table.
	Name string
	// Type is the column's type as ClickHouse 18.16 reports it in
	// system.columns, e.g. "LowCardinality(String)" or "DateTime('UTC')".
	Type string

	value  func(*T) any
	filler func(n int) filler[T]
	dest   func(*T) any
}

// Of declares a column. value gives the value to append for a row, of the Go
// type the driver takes for the column (uint8 for a bool stored as UInt8, say).
// dest gives where a scan of the column stores into a row: a pointer to a
// field, or a sql.Scanner that converts; nil when the column cannot be read
// back into a row (a value computed from several fields).
func Of[T, V any](name, typ string, value func(*T) V, dest func(*T) any) Column[T] {
	return Column[T]{
		Name:  name,
		Type:  typ,
		value: func(r *T) any { return value(r) },
		filler: func(n int) filler[T] {
			if f, ok := lowCardinalityFiller[T, V](typ, n, func(r *T) string { return any(value(r)).(string) }); ok {
				return f
			}
			return &valueFiller[T, V]{buffer: buffer[V]{out: make([]V, n)}, value: value}
		},
		dest: dest,
	}
}

// Field declares a column stored from, and scanned into, the field that p
// points at, whose Go type is the one the driver takes for the column.
func Field[T, V any](name, typ string, p func(*T) *V) Column[T] {
	c := Of(name, typ, func(r *T) V { return *p(r) }, func(r *T) any { return p(r) })
	c.filler = func(n int) filler[T] {
		if f, ok := lowCardinalityFiller[T, V](typ, n, func(r *T) string { return *any(p(r)).(*string) }); ok {
			return f
		}
		return &fieldFiller[T, V]{buffer: buffer[V]{out: make([]V, n)}, p: p}
	}
	return c
}

// Bool declares a UInt8 column holding a bool field as 0 or 1 (ClickHouse
// 18.16 has no Bool type). The driver scans UInt8 into *bool.
func Bool[T any](name string, p func(*T) *bool) Column[T] {
	return Of(name, "UInt8", func(r *T) uint8 {
		if *p(r) {
			return 1
		}
		return 0
	}, func(r *T) any { return p(r) })
}

// Time declares a Date or DateTime column holding a time field that may be
// zero ("has not happened"): the zero time is stored as epoch 0, since the
// column cannot hold Go's zero time, and epoch 0 (or earlier) reads back as
// the zero time. Other instants are stored and read in UTC.
func Time[T any](name, typ string, p func(*T) *time.Time) Column[T] {
	return Of(name, typ, func(r *T) time.Time { return OrEpoch(*p(r)) }, func(r *T) any { return epochDest{p(r)} })
}

// Table is the declaration of a table: its name and its columns in table
// order. It is immutable once made.
type Table[T any] struct {
	name  string
	cols  []Column[T]
	names []string
	list  string
	// selects is what SelectSQL selects: list, or the expressions of
	// Reading in the columns' places.
	selects string
	// chunks holds AppendColumns' buffers between calls: one chunk of
	// every column, reused so that a batch's layout allocates nothing.
	chunks sync.Pool
}

// NewTable declares table name with the columns cols, in the table's order.
// It panics on an empty or repeated column name: declarations are package
// variables, so the mistake shows when the program starts.
func NewTable[T any](name string, cols ...Column[T]) *Table[T] {
	t := &Table[T]{name: name, cols: append([]Column[T](nil), cols...), names: make([]string, len(cols))}
	seen := make(map[string]bool, len(cols))
	for i, c := range cols {
		if c.Name == "" || seen[c.Name] {
			panic(fmt.Sprintf("columns: table %s: empty or repeated column name %q", name, c.Name))
		}
		seen[c.Name] = true
		t.names[i] = c.Name
	}
	t.list = strings.Join(t.names, ", ")
	t.selects = t.list
	return t
}

// Subset declares the named columns of the same table, in the given order:
// the columns a reader needs, say. It panics on a name t does not declare.
func (t *Table[T]) Subset(names ...string) *Table[T] {
	cols := make([]Column[T], len(names))
	for i, n := range names {
		j := t.index(n)
		if j < 0 {
			panic(fmt.Sprintf("columns: table %s declares no column %q", t.name, n))
		}
		cols[i] = t.cols[j]
	}
	return NewTable(t.name, cols...)
}

// Read is how a query reads one column in place of its declaration: the
// expression the server computes for it and, unless nil, where the scan
// stores the result.
type Read[T any] struct {
	Expr string
	Dest func(*T) any
}

// Reading declares the same columns read as over says (by column name):
// SelectSQL selects over's expressions in their places and Dest scans them
// into over's destinations; the others are read as declared. A reader that
// needs a column on some rows only can have the server send ” on the
// others, which the driver scans without allocating (a non-empty string
// costs it two allocations). The expressions are not aliased: ClickHouse
// refuses an alias that names a column its own expression reads. It is for
// queries only (InsertSQL still names the columns; take a Subset before,
// not after), and panics on a name t does not declare.
func (t *Table[T]) Reading(over map[string]Read[T]) *Table[T] {
	cols := t.Columns()
	exprs := t.Names()
	for name, rd := range over {
		i := t.index(name)
		if i < 0 {
			panic(fmt.Sprintf("columns: table %s declares no column %q", t.name, name))
		}
		exprs[i] = rd.Expr
		if rd.Dest != nil {
			cols[i].dest = rd.Dest
		}
	}
	r := NewTable(t.name, cols...)
	r.selects = strings.Join(exprs, ", ")
	return r
}

func (t *Table[T]) index(name string) int {
	for i, n := range t.names {
		if n == name {
			return i
		}
	}
	return -1
}

// Name is the table's name.
func (t *Table[T]) Name() string { return t.name }

// Columns returns the declared columns in order (a copy).
func (t *Table[T]) Columns() []Column[T] { return append([]Column[T](nil), t.cols...) }

// Names returns the column names in order (a copy).
func (t *Table[T]) Names() []string { return append([]string(nil), t.names...) }

// InsertSQL is "INSERT INTO table (columns…)", the statement to prepare a
// batch with; the batch's columns are then in declaration order.
func (t *Table[T]) InsertSQL() string { return "INSERT INTO " + t.name + " (" + t.list + ")" }

// SelectSQL is "SELECT columns… FROM table"; append a WHERE clause as needed.
func (t *Table[T]) SelectSQL() string { return "SELECT " + t.selects + " FROM " + t.name }

// Row appends the values of row r, in declaration order, to dst[:0] and
// returns it, for a row-wise append. Reusing dst across rows saves its
// allocation.
func (t *Table[T]) Row(dst []any, r *T) []any {
	dst = dst[:0]
	for i := range t.cols {
		dst = append(dst, t.cols[i].value(r))
	}
	return dst
}

// chunk is how many rows AppendColumns fills every column from before it moves
// on: few enough to stay in the CPU cache (a few hundred kilobytes of rows),
// many enough that the call per column and chunk costs nothing. One pass over
// the whole batch per column was twice as slow on a 50k-message batch.
const chunk = 256

// AppendColumns lays rows out column by column, a chunk of rows at a time,
// and hands appendColumn(i, values) each column's typed slice for the chunk,
// in declaration order, chunk after chunk: the caller appends them to column
// i of an insert (batch.Column(i).Append), since the driver appends whole
// columns far faster than row by row. The slices are buffers the next chunk
// and the next call reuse, valid only during the call (the driver copies
// what it appends). So a write never holds a second copy of its rows, and
// laying them out allocates nothing once the buffers exist; a column of every
// row, made per batch as before, was garbage the GC then had to find. It
// stops at appendColumn's first error and returns it.
func (t *Table[T]) AppendColumns(rows []T, appendColumn func(col int, values any) error) error {
	fillers, _ := t.chunks.Get().([]filler[T])
	if fillers == nil {
		fillers = make([]filler[T], len(t.cols))
		for i := range t.cols {
			fillers[i] = t.cols[i].filler(chunk)
		}
	}
	defer t.chunks.Put(fillers)
	for at := 0; at < len(rows); at += chunk {
		part := rows[at:min(at+chunk, len(rows))]
		for i, f := range fillers {
			f.fill(part)
			if err := appendColumn(i, f.column(len(part))); err != nil {
				return err
			}
		}
	}
	return nil
}

// Dest appends the scan destinations in row r, in declaration order, to
// dst[:0] and returns it, for rows.Scan(dst...) after a SelectSQL query. It
// panics on a column declared without a scan destination: read such a
// table through a Subset.
func (t *Table[T]) Dest(dst []any, r *T) []any {
	dst = dst[:0]
	for i := range t.cols {
		c := &t.cols[i]
		if c.dest == nil {
			panic(fmt.Sprintf("columns: column %s.%s cannot be scanned into a row; read a Subset", t.name, c.Name))
		}
		dst = append(dst, c.dest(r))
	}
	return dst
}

// epoch is what a Date or DateTime column stores for the zero time.
var epoch = time.Unix(0, 0).UTC()

// OrEpoch returns t in UTC, or epoch 0 (1970-01-01 00:00:00 UTC) for the
// zero time, which Date and DateTime columns cannot hold.
func OrEpoch(t time.Time) time.Time {
	if t.IsZero() {
		return epoch
	}
	return t.UTC()
}

// fromEpoch returns t in UTC, or the zero time for epoch 0 and earlier.
func fromEpoch(t time.Time) time.Time {
	if t.Unix() <= 0 {
		return time.Time{}
	}
	return t.UTC()
}

// epochDest scans a Date or DateTime into a time, epoch 0 as the zero time.
// It holds one pointer, so storing it in an interface does not allocate.
type epochDest struct{ t *time.Time }

// Scan implements sql.Scanner, which the driver calls with a time.Time.
func (d epochDest) Scan(v any) error {
	t, ok := v.(time.Time)
	if !ok {
		return fmt.Errorf("scan %T into a time", v)
	}
	*d.t = fromEpoch(t)
	return nil
}

// filler builds one column of a batch for AppendColumns, a chunk of rows at a time.
type filler[T any] interface {
	fill(rows []T)    // fills the column's first len(rows) values from rows
	column(n int) any // the column's first n values
}

// buffer is a filler's column of typed values. column hands it as an
// interface value made once: AppendColumns hands a whole chunk per column and
// chunk, and boxing the slice header afresh was its only allocation.
type buffer[V any] struct {
	out   []V
	whole any
}

func (b *buffer[V]) column(n int) any {
	if n < len(b.out) {
		return b.out[:n]
	}
	if b.whole == nil {
		b.whole = b.out
	}
	return b.whole
}

type valueFiller[T, V any] struct {
	buffer[V]
	value func(*T) V
}

func (f *valueFiller[T, V]) fill(rows []T) {
	out := f.out[:len(rows)]
	for i := range rows {
		out[i] = f.value(&rows[i])
	}
}

type fieldFiller[T, V any] struct {
	buffer[V]
	p func(*T) *V
}

func (f *fieldFiller[T, V]) fill(rows []T) {
	out := f.out[:len(rows)]
	for i := range rows {
		out[i] = *f.p(&rows[i])
	}
}

// lowCardinalityFiller fills a LowCardinality(String) column as []any, one
// boxed value per distinct string: the driver appends such a column an
// element at a time through reflection, boxing each element of a []string
// afresh (measured: a sixth of everything the live ingest allocated), while
// an element of a []any is already boxed. ok is false for other types and
// for values that are not strings, whose caller never asks.
func lowCardinalityFiller[T, V any](typ string, n int, value func(*T) string) (filler[T], bool) {
	if _, isString := any(*new(V)).(string); typ != "LowCardinality(String)" || !isString {
		return nil, false // a named string type would not pass value's assertion
	}
	return &boxedFiller[T]{buffer: buffer[any]{out: make([]any, n)}, value: value, boxes: map[string]any{}}, true
}

type boxedFiller[T any] struct {
	buffer[any]
	value func(*T) string
	boxes map[string]any
}

// maxBoxes bounds a boxedFiller's boxes: AppendColumns keeps a filler
// between calls, and a column declared LowCardinality but holding many
// distinct values must not grow it forever.
const maxBoxes = 1 << 12

func (f *boxedFiller[T]) fill(rows []T) {
	if len(f.boxes) > maxBoxes {
		clear(f.boxes)
	}
	out := f.out[:len(rows)]
	for i := range rows {
		s := f.value(&rows[i])
		b, ok := f.boxes[s]
		if !ok {
			b = s
			f.boxes[s] = b
		}
		out[i] = b
	}
}
