package columns_test

import (
	"fmt"

	"servicepulse/columns"
	"servicepulse/sla"
	"servicepulse/transform"
)

// column is a column as a declaration or system.columns describes it.
type column struct{ name, typ string }

// declaration is a table's declaration, without its Go row type.
type declaration struct {
	table   string
	columns []column
}

func declarationOf[T any](t *columns.Table[T]) declaration {
	d := declaration{table: t.Name()}
	for _, c := range t.Columns() {
		d.columns = append(d.columns, column{c.Name, c.Type})
	}
	return d
}

// declarations lists every table declared in Go.
func declarations() []declaration {
	return []declaration{
		declarationOf(transform.ServiceEventsTable),
		declarationOf(transform.FeedbackTable),
		declarationOf(transform.RejectsTable),
		declarationOf(sla.RequestStateTable),
	}
}

// schemaDiff compares a declaration with the table's columns as the server
// lists them, in table order, and describes each difference.
func schemaDiff(d declaration, table []column) []string {
	var diffs []string
	if len(table) == 0 {
		return []string{fmt.Sprintf("table %s: not in the database", d.table)}
	}
	for i := range max(len(d.columns), len(table)) {
		switch {
		case i >= len(table):
			diffs = append(diffs, fmt.Sprintf("table %s, column %d: declared %s %s, the table has no such column",
				d.table, i+1, d.columns[i].name, d.columns[i].typ))
		case i >= len(d.columns):
			diffs = append(diffs, fmt.Sprintf("table %s, column %d: the table has %s %s, not declared",
				d.table, i+1, table[i].name, table[i].typ))
		case d.columns[i] != table[i]:
			diffs = append(diffs, fmt.Sprintf("table %s, column %d: declared %s %s, the table has %s %s",
				d.table, i+1, d.columns[i].name, d.columns[i].typ, table[i].name, table[i].typ))
		}
	}
	return diffs
}
