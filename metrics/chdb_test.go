//go:build chdb

package metrics_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chdb-io/chdb-go/chdb"

	"servicepulse/internal/chdbtest"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
	"servicepulse/metrics"
)

// The catalog's SQL gives the same numbers on current ClickHouse (what users
// run) as on the 18.16 server: each KPI case goes through the real pipeline
// on 18.16, its request_state rows are copied into chdb, and the same
// Query.SQL runs there, for every grouping of the case, against the case's
// expected values.
func TestIntegrationKPIsOnCurrentClickHouse(t *testing.T) {
	// The percentile reading of the cases holds on current ClickHouse too:
	// quantileExact of 1 2 3 4 is #floor(0.5 × 4) = 3 and #floor(0.9 × 4) = 4.
	t.Run("quantileExact", func(t *testing.T) {
		t.Parallel()
		sess := chdbtest.Session(t)
		if q := chdbtest.Query(t, sess, `SELECT quantileExact(0.5)(x), quantileExact(0.9)(x)
		FROM (SELECT arrayJoin([4., 1., 3., 2.]) AS x)`); q != "3\t4" {
			t.Errorf("quantileExact of 1 2 3 4 on current ClickHouse: %q, want \"3\\t4\"", q)
		}
	})
	for _, dir := range pipelinetest.CaseDirs(t, casesDir) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			c := pipelinetest.LoadCase(t, dir)
			s := c.Ingest(t)
			sess := chdbtest.Session(t)
			want := testenv.Count(t, s.Conn, "SELECT count() FROM request_state FINAL")
			if n := copyRequestStates(t, s, sess); uint64(n) != want {
				t.Fatalf("copied %d request states, want %d", n, want)
			}
			qs, err := c.Queries()
			if err != nil {
				t.Fatal(err)
			}
			var got []pipelinetest.Row
			for _, q := range qs {
				got = append(got, pipelinetest.Rows(q.By, chdbKPIs(t, sess, q))...)
			}
			pipelinetest.Compare(t, c.Dir+" on current ClickHouse", c.Expected, got)
		})
	}
}

// copyRequestStates copies the 18.16 request_state rows into chdb and
// returns how many rows chdb then holds.
func copyRequestStates(t *testing.T, s *pipelinetest.Stack, sess *chdb.Session) int {
	t.Helper()
	chdbtest.CopyTable(t, t.Context(), s.Conn, sess, "request_state", "SELECT * FROM request_state FINAL")
	n, err := strconv.Atoi(chdbtest.Query(t, sess, "SELECT count() FROM request_state FINAL"))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// chdbKPIs runs q.SQL of the catalog on chdb and reads the values the way
// metrics.Run does, evaluation score included (catalog defaults). Group
// keys are read as chdb prints them, which is how metrics.Run formats
// attribute dimensions (partner, region, …), not periods.
func chdbKPIs(t *testing.T, sess *chdb.Session, q metrics.Query) []metrics.Group {
	t.Helper()
	out := chdbtest.Query(t, sess, q.SQL(metrics.All()))
	var gs []metrics.Group
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		g := metrics.Group{Keys: map[metrics.Dimension]string{}, Values: map[string]float64{}}
		if len(fields) < len(q.By) {
			t.Fatalf("chdb row %q: fewer columns than groupings", line)
		}
		for i, d := range q.By {
			g.Keys[d] = fields[i]
		}
		fields = fields[len(q.By):]
		i := 0
		for _, k := range metrics.All() {
			if k.Expr == "" {
				continue
			}
			if i >= len(fields) {
				t.Fatalf("chdb row %q: too few columns", line)
			}
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				t.Fatalf("chdb: %s = %q: %v", k.ID, fields[i], err)
			}
			g.Values[k.ID] = v
			i++
		}
		if i != len(fields) {
			t.Fatalf("chdb row %q: %d KPI columns, want %d", line, len(fields), i)
		}
		g.Values[metrics.EvaluationID], _ = metrics.Evaluate(g.Values, metrics.Override{})
		gs = append(gs, g)
	}
	return gs
}
