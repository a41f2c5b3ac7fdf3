//go:build chdb

package columns_test

import (
	"strings"
	"testing"

	"servicepulse/internal/chdbtest"
)

// Every declaration also matches the schema the migrations give on current
// ClickHouse, which is what users run (chdb is that engine in-process): the
// same names, order and types as on 18.16. Both report the types of these
// tables with the same spelling, so the comparison is exact.
func TestIntegrationDeclarationsMatchSchemaOnCurrentClickHouse(t *testing.T) {
	s := chdbtest.Session(t)
	for _, d := range declarations() {
		out := chdbtest.Query(t, s, `SELECT name, type FROM system.columns
			WHERE database = currentDatabase() AND table = '`+d.table+`' ORDER BY position`)
		var table []column
		for line := range strings.SplitSeq(out, "\n") {
			if line == "" {
				continue
			}
			name, typ, ok := strings.Cut(line, "\t")
			if !ok {
				t.Fatalf("system.columns of %s: line %q is not name<TAB>type", d.table, line)
			}
			table = append(table, column{name, typ})
		}
		for _, diff := range schemaDiff(d, table) {
			t.Error(diff)
		}
	}
}
