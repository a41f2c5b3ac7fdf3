//go:build chdb

package metrics_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chdb-io/chdb-go/chdb"

	"servicepulse/internal/chdbtest"
	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
)

// The catalog's SQL gives the same numbers on current ClickHouse (what users
// run) as on the 18.16 server: the September fixture goes through the real
// pipeline on 18.16, its request_state rows are copied into chdb, and the
// same Query.SQL runs on both, for the whole cohort and by partner.
func TestIntegrationKPIsOnCurrentClickHouse(t *testing.T) {
	t.Parallel()
	s := runPipeline(t, septemberFixture())
	all, partners := runKPIs(t, s, september), runKPIs(t, s, byPartner(september))

	sess := chdbtest.Session(t)
	if n := copyRequestStates(t, s, sess); n != 14 {
		t.Fatalf("copied %d request states, want 14", n)
	}

	got := chdbKPIs(t, sess, september)
	if len(got) != 1 {
		t.Fatalf("whole cohort on current ClickHouse: %d groups, want 1", len(got))
	}
	checkSame(t, "current ClickHouse vs 18.16, all", all[0].Values, got[0].values)
	got = chdbKPIs(t, sess, byPartner(september))
	if len(got) != len(partners) {
		t.Fatalf("by partner on current ClickHouse: %d groups, want %d", len(got), len(partners))
	}
	for i, g := range got {
		p := partners[i].Keys[metrics.ByPartner]
		if g.key != p {
			t.Fatalf("by partner on current ClickHouse: group %d is %q, want %q", i, g.key, p)
		}
		checkSame(t, "current ClickHouse vs 18.16, "+p, partners[i].Values, g.values)
	}

	// A cohort with no data (R04 alone): NaN, not 0, on both engines.
	empty := runKPIs(t, s, cancelledOnly)
	got = chdbKPIs(t, sess, cancelledOnly)
	if len(empty) != 1 || len(got) != 1 {
		t.Fatalf("cohort 09-03: %d groups on 18.16, %d on current ClickHouse; want 1", len(empty), len(got))
	}
	checkSame(t, "current ClickHouse vs 18.16, cohort 09-03", empty[0].Values, got[0].values)

	// The percentile reading of the fixture's table holds here too:
	// quantileExact of 1 2 3 4 is #floor(0.5 × 4) = 3 and #floor(0.9 × 4) = 4.
	if q := chdbtest.Query(t, sess, `SELECT quantileExact(0.5)(x), quantileExact(0.9)(x)
		FROM (SELECT arrayJoin([4., 1., 3., 2.]) AS x)`); q != "3\t4" {
		t.Errorf("quantileExact of 1 2 3 4 on current ClickHouse: %q, want \"3\\t4\"", q)
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

type chdbGroup struct {
	key    string // the first grouping value, if grouped
	values map[string]float64
}

// chdbKPIs runs q.SQL of the catalog on chdb and reads the values the way
// metrics.Run does, evaluation score included (catalog defaults).
func chdbKPIs(t *testing.T, sess *chdb.Session, q metrics.Query) []chdbGroup {
	t.Helper()
	out := chdbtest.Query(t, sess, q.SQL(metrics.All()))
	var gs []chdbGroup
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		g := chdbGroup{values: map[string]float64{}}
		if len(q.By) > 0 {
			g.key, fields = fields[0], fields[len(q.By):]
		}
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
			g.values[k.ID] = v
			i++
		}
		if i != len(fields) {
			t.Fatalf("chdb row %q: %d KPI columns, want %d", line, len(fields), i)
		}
		g.values[metrics.EvaluationID] = evaluation(g.values)
		gs = append(gs, g)
	}
	return gs
}
