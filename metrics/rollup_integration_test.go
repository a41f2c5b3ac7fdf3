package metrics_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
	"servicepulse/sla"
)

// Every KPI case computes its hand-made values with the daily rollup built
// as of each query's instant: the additive KPIs then come from kpi_rollup,
// the percentiles from request_state. Where a case's instant falls on an
// instant of one of its states, no build is current there and the query
// reads request_state, which the values must not show either; every case
// but those must read a build.
func TestIntegrationKPICasesFromTheRollup(t *testing.T) {
	for _, dir := range pipelinetest.CaseDirs(t, casesDir) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			c := pipelinetest.LoadCase(t, dir)
			s := c.Ingest(t)
			qs, err := c.Queries()
			if err != nil {
				t.Fatal(err)
			}
			roll := metrics.NewRollups(s.Conn, s.Log)
			var rows []pipelinetest.Row
			read := 0
			for _, q := range qs {
				roll.Now = func() time.Time { return q.AsOf }
				if _, err := roll.Refresh(t.Context(), false); err != nil {
					t.Fatal(err)
				}
				current, err := roll.Current(t.Context(), q.AsOf)
				if err != nil {
					t.Fatal(err)
				}
				read += len(current)
				gs, err := metrics.Run(t.Context(), s.Conn, q, metrics.All(), nil)
				if err != nil {
					t.Fatal(err)
				}
				rows = append(rows, pipelinetest.Rows(q.By, gs)...)
			}
			pipelinetest.Compare(t, c.Dir, c.Expected, rows)
			if read == 0 {
				t.Errorf("no query of %s read a build of the rollup", c.Dir)
			}
		})
	}
}

// A query reads a month from kpi_rollup exactly while its build is
// current: doubled sums written as the newest build come back doubled;
// once request_state changes (a rebuild of every state, same values), or
// is mutated, or the query's instant passes a deadline of its states, the
// month is read from request_state again and the values are the case's; a
// merge of request_state's parts changes nothing.
func TestIntegrationRollupIsReadOnlyWhileCurrent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, s, q := september(t)
	requests := func() float64 {
		t.Helper()
		gs, err := metrics.Run(ctx, s.Conn, q, []metrics.KPI{kpi(t, "requests")}, nil)
		if err != nil || len(gs) != 1 {
			t.Fatalf("requests: %v, %d groups", err, len(gs))
		}
		return gs[0].Values["requests"]
	}
	want := c.Want(t, "requests", "*")
	roll := metrics.NewRollups(s.Conn, s.Log)
	roll.Now = func() time.Time { return q.AsOf }
	if _, err := roll.Refresh(ctx, false); err != nil {
		t.Fatal(err)
	}
	current := func(asOf time.Time) []uint32 {
		t.Helper()
		ms, err := roll.Current(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	months := current(q.AsOf)
	if !slices.Contains(months, 202609) {
		t.Fatalf("current builds as of %s: %v, want September's", q.AsOf, months)
	}
	if got := requests(); got != want {
		t.Fatalf("requests from the rollup = %v, want %v", got, want)
	}

	double(t, s.Conn, 202609)
	if got := requests(); got != 2*want {
		t.Fatalf("requests with doubled sums current = %v, want %v: the query did not read the rollup", got, 2*want)
	}
	if err := s.Conn.Exec(ctx, "OPTIMIZE TABLE request_state FINAL"); err != nil {
		t.Fatal(err)
	}
	if got := requests(); got != 2*want {
		t.Errorf("after a merge of request_state, requests = %v, want the build's %v: a merge changes no data", got, 2*want)
	}

	// The instant passes an instant of September's states that was ahead
	// of the build: the build no longer holds, whatever the data.
	var next time.Time
	if err := s.Conn.QueryRow(ctx, "SELECT valid_until FROM kpi_rollups FINAL WHERE month = 202609").Scan(&next); err != nil {
		t.Fatal(err)
	}
	if next.Year() < 2100 {
		if slices.Contains(current(next), 202609) {
			t.Errorf("September's build is current as of its valid_until %s", next)
		}
		if !slices.Contains(current(next.Add(-time.Second)), 202609) {
			t.Errorf("September's build is not current a second before its valid_until %s", next)
		}
	}

	// A mutation of request_state, even one that deletes nothing.
	if err := s.Conn.Exec(ctx, "ALTER TABLE request_state DELETE WHERE request_id = 'no such request'"); err != nil {
		t.Fatal(err)
	}
	waitMutations(t, s)
	if got := requests(); got != want {
		t.Errorf("after a mutation of request_state, requests = %v, want %v from request_state", got, want)
	}
	if _, err := roll.Refresh(ctx, false); err != nil {
		t.Fatal(err)
	}
	double(t, s.Conn, 202609)
	if got := requests(); got != 2*want {
		t.Fatalf("requests with doubled sums current again = %v, want %v", got, 2*want)
	}

	// New versions of every state, with the same values.
	r := sla.NewRefresher(s.Conn, s.Log)
	if _, err := r.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := requests(); got != want {
		t.Errorf("after the states were rewritten, requests = %v, want %v from request_state", got, want)
	}
	if slices.Contains(current(q.AsOf), 202609) {
		t.Errorf("September's build is current after its states were rewritten")
	}
	if _, err := roll.Refresh(ctx, false); err != nil {
		t.Fatal(err)
	}
	if got := requests(); got != want || !slices.Contains(current(q.AsOf), 202609) {
		t.Errorf("rebuilt: requests = %v, current %v; want %v from a current build", got, current(q.AsOf), want)
	}
}

// A quiet refresh builds a month only once request_state's partition has
// not changed since the refresh before: the month being written is left to
// request_state until it rests.
func TestIntegrationRollupQuietWaitsForAMonthToRest(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, s, q := september(t)
	roll := metrics.NewRollups(s.Conn, s.Log)
	now := q.AsOf
	roll.Now = func() time.Time { return now }
	if n, err := roll.Refresh(ctx, true); err != nil || n != 0 {
		t.Fatalf("first quiet refresh built %d months (%v), want none: nothing seen before", n, err)
	}
	now = now.Add(roll.Rest)
	if _, err := sla.NewRefresher(s.Conn, s.Log).RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := roll.Refresh(ctx, true); err != nil || n != 0 {
		t.Fatalf("quiet refresh after a write built %d months (%v), want none", n, err)
	}
	now = now.Add(roll.Rest - time.Second)
	if n, err := roll.Refresh(ctx, true); err != nil || n != 0 {
		t.Fatalf("quiet refresh of a month unchanged for %v built %d months (%v), want none: it rests %v", roll.Rest-time.Second, n, err, roll.Rest)
	}
	now = now.Add(time.Second)
	if n, err := roll.Refresh(ctx, true); err != nil || n == 0 {
		t.Fatalf("quiet refresh of a month unchanged for %v built %d months (%v), want it built", roll.Rest, n, err)
	}
	if n, err := roll.Refresh(ctx, true); err != nil || n != 0 {
		t.Fatalf("quiet refresh with every build current built %d months (%v), want none", n, err)
	}
}

// september ingests the case september and returns it, its stack and its
// query of the whole cohort.
func september(t *testing.T) (*pipelinetest.Case, *pipelinetest.Stack, metrics.Query) {
	t.Helper()
	c := loadCase(t, "september")
	s := c.Ingest(t)
	qs, err := c.Queries()
	if err != nil {
		t.Fatal(err)
	}
	if len(qs[0].By) != 0 {
		t.Fatalf("first query of september groups by %v, want the whole cohort", qs[0].By)
	}
	return c, s, qs[0]
}

// double writes a copy of month's current build with every sum doubled and
// makes it the current one.
func double(t *testing.T, conn interface {
	Exec(context.Context, string, ...any) error
}, month int) {
	t.Helper()
	ctx := t.Context()
	v := uint64(time.Now().UnixNano())
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO kpi_rollup SELECT terms, month, %d, opened_date, contract_id, partner_id, product_model, region, channel,
			arrayMap(x -> x * 2, sums), samples_0, samples_1, samples_2, samples_3, samples_4, samples_5, samples_6, samples_7, samples_8, samples_9, valid_until FROM kpi_rollup
			WHERE (terms, month, version) IN (SELECT terms, month, version FROM kpi_rollups FINAL WHERE month = %d)`, v, month),
		fmt.Sprintf(`INSERT INTO kpi_rollups SELECT terms, month, %d, built_at, blocks, mutation, valid_until, groups
			FROM kpi_rollups FINAL WHERE month = %d`, v, month),
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

// waitMutations waits until every mutation of the stack's database is done.
func waitMutations(t *testing.T, s *pipelinetest.Stack) {
	t.Helper()
	for range 600 {
		var left uint64
		if err := s.Conn.QueryRow(t.Context(), "SELECT count() FROM system.mutations WHERE database = currentDatabase() AND is_done = 0").Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("mutations not done after a minute")
}

func kpi(t *testing.T, id string) metrics.KPI {
	t.Helper()
	k, ok := metrics.ByID(id)
	if !ok {
		t.Fatalf("no KPI %s", id)
	}
	return k
}

// open_requests copies request_state's columns (metrics.OpenColumns) under
// the same names and types, after the build's terms, month and version; a
// build copies the month's open requests, and the builds before the one it
// replaces go, as kpi_rollup's do.
func TestIntegrationOpenRequestsColumns(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, s, q := september(t)
	// columns lists table's columns in order, and their types.
	columns := func(table string) ([]string, map[string]string) {
		t.Helper()
		rows, err := s.Conn.Query(ctx, "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = ?", table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		types := map[string]string{}
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				t.Fatal(err)
			}
			names, types[name] = append(names, name), typ
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return names, types
	}
	_, state := columns("request_state")
	names, open := columns("open_requests")
	if want := append([]string{"terms", "month", "version"}, metrics.OpenColumns...); !slices.Equal(names, want) {
		t.Errorf("open_requests has columns %v, want %v", names, want)
	}
	for _, c := range metrics.OpenColumns {
		if state[c] == "" || open[c] != state[c] {
			t.Errorf("column %s: %q in open_requests, %q in request_state", c, open[c], state[c])
		}
	}

	var wantOpen uint64
	if err := s.Conn.QueryRow(ctx, "SELECT count() FROM (SELECT status FROM request_state FINAL) WHERE status = 'open'").Scan(&wantOpen); err != nil {
		t.Fatal(err)
	}
	roll := metrics.NewRollups(s.Conn, s.Log)
	roll.Now = func() time.Time { return q.AsOf }
	r := sla.NewRefresher(s.Conn, s.Log)
	for i := range 3 {
		if i > 0 { // new versions of every state: every build is stale
			if _, err := r.RefreshAll(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := roll.Refresh(ctx, false); err != nil {
			t.Fatal(err)
		}
	}
	waitMutations(t, s)
	var copies, open0 uint64
	if err := s.Conn.QueryRow(ctx, "SELECT uniqExact(version), countIf((terms, month, version) IN (SELECT terms, month, version FROM kpi_rollups FINAL)) "+
		"FROM open_requests WHERE month = 202609").Scan(&copies, &open0); err != nil {
		t.Fatal(err)
	}
	if copies != 2 {
		t.Errorf("open_requests holds %d builds of September after three, want 2 (the current one and the one it replaced)", copies)
	}
	if open0 != wantOpen || wantOpen == 0 {
		t.Errorf("the current build copied %d open requests, request_state holds %d (want them equal and some)", open0, wantOpen)
	}
}

// The exact percentiles come from the samples of a current build: doubled
// values written as the newest build double the median of the time to
// reply; once the states are rewritten, the median is read from
// request_state again and is the case's.
func TestIntegrationPercentilesFromTheRollup(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, s, q := september(t)
	k := kpi(t, "reply_hours_p50")
	median := func() float64 {
		t.Helper()
		gs, err := metrics.Run(ctx, s.Conn, q, []metrics.KPI{k}, nil)
		if err != nil || len(gs) != 1 {
			t.Fatalf("%s: %v, %d groups", k.ID, err, len(gs))
		}
		return gs[0].Values[k.ID]
	}
	want := c.Want(t, k.ID, "*")
	roll := metrics.NewRollups(s.Conn, s.Log)
	roll.Now = func() time.Time { return q.AsOf }
	if _, err := roll.Refresh(ctx, false); err != nil {
		t.Fatal(err)
	}
	if got := median(); got != want || want == 0 {
		t.Fatalf("%s from the rollup = %v, want %v (not 0)", k.ID, got, want)
	}
	v := uint64(time.Now().UnixNano())
	for _, stmt := range []string{
		fmt.Sprintf(`INSERT INTO kpi_rollup SELECT terms, month, %d, opened_date, contract_id, partner_id, product_model, region, channel,
			sums, arrayMap(x -> x * 2, samples_0), samples_1, samples_2, samples_3, samples_4, samples_5, samples_6, samples_7, samples_8, samples_9, valid_until FROM kpi_rollup
			WHERE (terms, month, version) IN (SELECT terms, month, version FROM kpi_rollups FINAL WHERE month = 202609)`, v),
		fmt.Sprintf(`INSERT INTO kpi_rollups SELECT terms, month, %d, built_at, blocks, mutation, valid_until, groups
			FROM kpi_rollups FINAL WHERE month = 202609`, v),
	} {
		if err := s.Conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if got := median(); got != 2*want {
		t.Fatalf("%s with doubled samples current = %v, want %v: the query did not read the rollup", k.ID, got, 2*want)
	}
	if _, err := sla.NewRefresher(s.Conn, s.Log).RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := median(); got != want {
		t.Errorf("after the states were rewritten, %s = %v, want %v from request_state", k.ID, got, want)
	}
}
