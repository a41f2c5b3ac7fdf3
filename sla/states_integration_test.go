package sla_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"servicepulse/contracts"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
	"servicepulse/sla"
)

// BuildStates builds, from inputs it is handed, the states of the requests
// that have an opening event, judges repeats among them, and writes them;
// it counts the others. A (resolved Wed 09-02 10:00) and B (opened Thu 09-10
// on the same serial, 8 days later) make A a repeat within 30 days and B a
// repeat; O has no request_created (an orphan); U's contract has no terms
// (unmatched: built, without deadlines). Two ids per Load call make the
// build span chunks, across which repeats are still judged.
func TestIntegrationBuildStates(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	terms, err := contracts.Parse(strings.NewReader(lateContract), "contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := newStory("A").created("2026-09-01 10:00", "PT-A", "SN-1").resolve("2026-09-02 10:00", 1, "quality", "in", "0", "0")
	b := newStory("B").created("2026-09-10 10:00", "PT-A", "SN-1")
	o := newStory("O").ack("2026-09-03 10:00")
	u := newStory("U").created("2026-09-04 10:00", "PT-A", "SN-2")
	for i := range u.events {
		u.events[i].ContractID = "CT-NONE"
	}
	inputs := map[string]*sla.Input{}
	for _, st := range []*story{a, b, o, u} {
		in := st.input()
		inputs[st.req] = &in
	}
	var loads int
	load := func(_ context.Context, ids []string) (map[string]*sla.Input, error) {
		loads++
		if len(ids) > 2 {
			t.Errorf("Load called with %d ids, want at most LoadChunk 2", len(ids))
		}
		return inputs, nil
	}
	states, res, err := sla.BuildStates(context.Background(), sla.StateBuild{
		Conn: s.Conn, Terms: terms, AsOf: asOf, Load: load, LoadChunk: 2,
	}, []string{"A", "B", "O", "U"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (sla.Result{Requests: 3, Orphans: 1, Unmatched: 1}); res != want || len(states) != 3 || loads != 2 {
		t.Fatalf("BuildStates: %+v, %d states, %d loads; want %+v, 3 states, 2 loads", res, len(states), loads, want)
	}

	type row struct {
		id                        string
		repeatWithin30d, isRepeat uint8
		hasDeadline               uint8
	}
	rows, err := s.Conn.Query(context.Background(), `SELECT request_id, repeat_within_30d, is_repeat, reply_due > toDateTime(0)
		FROM request_state FINAL ORDER BY request_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.repeatWithin30d, &r.isRepeat, &r.hasDeadline); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	want := []row{{"A", 1, 0, 1}, {"B", 0, 1, 1}, {"U", 0, 0, 0}}
	if len(got) != len(want) {
		t.Fatalf("request_state: %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request_state row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A running refresher told of a commit refreshes Settle later, long before
// its next tick (an hour here): the request ingested after its first
// refresh gets its state without another tick.
func TestIntegrationRefresherRefreshesOnCommit(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	r := sla.NewRefresher(s.Conn, s.Log)
	r.Settle = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx, time.Hour, nil); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the first refresh", func() bool {
		return testenv.Count(t, s.Conn, "SELECT count() FROM state_refreshes") >= 1
	})

	s.Produce(t, created("K1"), nil)
	if tot := s.Ingest(t); tot.Events != 1 {
		t.Fatalf("ingest: %+v, want 1 event", tot)
	}
	if n := testenv.Count(t, s.Conn, "SELECT count() FROM request_state"); n != 0 {
		t.Fatalf("request_state has %d rows before the commit was notified, want 0", n)
	}
	r.Committed([]string{"K1"})
	r.Committed([]string{"K1"}) // coalesces with the first
	waitFor(t, "the state of K1", func() bool {
		return testenv.Count(t, s.Conn, "SELECT count() FROM request_state WHERE request_id = 'K1'") == 1
	})
}

// Live refreshes take at most Cycle committed requests each, oldest
// first, and the one that empties the queue is the only one to record a
// watermark: the rows of requests still pending are not reflected, and a
// watermark past them would hide them from another process's watermark
// refresh. Five requests in cycles of two: three refreshes after the
// first, one watermark after the first's.
func TestIntegrationRefresherBoundsItsCycles(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	ids := []string{"C1", "C2", "C3", "C4", "C5"}
	s.Produce(t, created(ids...), nil)
	if tot := s.Ingest(t); tot.Events != 5 {
		t.Fatalf("ingest: %+v, want 5 events", tot)
	}
	r := sla.NewRefresher(s.Conn, s.Log)
	r.Settle, r.Cycle = 10*time.Millisecond, 2
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx, time.Hour, nil); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the first refresh", func() bool { return r.RunStats(time.Now()).Cycles >= 1 })
	first := r.RunStats(time.Now())
	r.Committed(ids)
	waitFor(t, "three more refreshes", func() bool { return r.RunStats(time.Now()).Cycles >= 4 })
	got := r.RunStats(time.Now())
	if got.Cycles != 4 || got.States != first.States+5 {
		t.Fatalf("RunStats: %+v after the first %+v; want 4 cycles, 5 more states (2, 2, 1)", got, first)
	}
	if n := testenv.Count(t, s.Conn, "SELECT count() FROM state_refreshes"); n != 2 {
		t.Fatalf("%d watermarks recorded, want 2: the first refresh's and the last cycle's", n)
	}
}

// RefreshCommitted (the final refresh) takes what is pending in slices of
// 5 × Cycle, here 5 then 2 of 7 requests, and records one watermark, after
// the last.
func TestIntegrationRefreshCommittedInSlices(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	var ids []string
	for i := range 7 {
		ids = append(ids, fmt.Sprintf("F%d", i))
	}
	s.Produce(t, created(ids...), nil)
	if tot := s.Ingest(t); tot.Events != 7 {
		t.Fatalf("ingest: %+v, want 7 events", tot)
	}
	r := sla.NewRefresher(s.Conn, s.Log)
	r.Cycle = 1
	r.Committed(ids)
	res, err := r.RefreshCommitted(t.Context())
	if err != nil || res.Requests != 7 {
		t.Fatalf("RefreshCommitted: %+v, %v; want 7 states", res, err)
	}
	if n := testenv.Count(t, s.Conn, "SELECT count() FROM state_refreshes"); n != 1 {
		t.Fatalf("%d watermarks recorded, want 1, after the last slice", n)
	}
	if n := testenv.Count(t, s.Conn, "SELECT count(DISTINCT request_id) FROM request_state"); n != 7 {
		t.Fatalf("%d requests have a state, want 7", n)
	}
}

// Run with done already closed (ingest caught up before the refresher got
// going) still finishes the refresh it starts, then returns without
// waiting for its next tick; RunStats counts that refresh and its states.
func TestIntegrationRefresherFinishesItsRefreshWhenDone(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	s.Produce(t, created("D1"), nil)
	if tot := s.Ingest(t); tot.Events != 1 {
		t.Fatalf("ingest: %+v, want 1 event", tot)
	}
	r := sla.NewRefresher(s.Conn, s.Log)
	done := make(chan struct{})
	close(done)
	returned := make(chan struct{})
	go func() { r.Run(context.Background(), time.Hour, done); close(returned) }()
	waitFor(t, "Run's return", func() bool {
		select {
		case <-returned:
			return true
		default:
			return false
		}
	})
	if n := testenv.Count(t, s.Conn, "SELECT count() FROM request_state WHERE request_id = 'D1'"); n != 1 {
		t.Fatalf("request_state has %d rows of D1, want 1: the refresh did not finish", n)
	}
	st := r.RunStats(time.Now())
	if st.Cycles != 1 || st.States != 1 || st.Last.IsZero() || st.Longest <= 0 {
		t.Fatalf("RunStats: %+v, want 1 cycle of 1 state, a last time and a positive longest wait", st)
	}
}

// created returns, for each id, the record of its request_created on
// 2026-10-01 (contract CT-T, partner PT-A, serial SN-id).
func created(ids ...string) [][]byte {
	var out [][]byte
	for _, id := range ids {
		out = append(out, []byte(`{"schema_version":1,"event_id":"`+id+`-01","event_type":"request_created",
			"occurred_at":"2026-10-01T07:00:00+08:00","request_id":"`+id+`","contract_id":"CT-T","partner_id":"PT-A",
			"channel":"phone","region":"East","product":{"serial":"SN-`+id+`","model":"AC-200"}}`))
	}
	return out
}

// waitFor polls cond until it holds, failing the test after a minute: a
// bound on a hang, not a timing assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after a minute", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// RefreshCommitted rebuilds what was committed and the requests on the same
// serials, nothing else: after R2 gets a new event, R2 and R1 (its serial's
// first request) are rebuilt, R3 is not, though all three were ingested
// within the watermark refresh's margin (which would rebuild all three).
func TestIntegrationRefreshCommittedFollowsTheCommits(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	created := func(id, serial, at string) []byte {
		return []byte(`{"schema_version":1,"event_id":"` + id + `-01","event_type":"request_created",
			"occurred_at":"` + at + `","request_id":"` + id + `","contract_id":"CT-T","partner_id":"PT-A",
			"channel":"phone","region":"East","product":{"serial":"` + serial + `","model":"AC-200"}}`)
	}
	s.Produce(t, [][]byte{created("R1", "SN-1", "2026-09-01T09:00:00+08:00"), created("R2", "SN-1", "2026-09-20T09:00:00+08:00"),
		created("R3", "SN-3", "2026-09-01T09:00:00+08:00")}, nil)
	s.Ingest(t)
	r := sla.NewRefresher(s.Conn, s.Log)
	if res, err := r.Refresh(t.Context()); err != nil || res.Requests != 3 || !r.CaughtUp() {
		t.Fatalf("watermark refresh: %+v, %v, caught up %v; want 3 requests", res, err, r.CaughtUp())
	}
	if res, err := r.RefreshCommitted(t.Context()); err != nil || res.Requests != 0 {
		t.Fatalf("RefreshCommitted with nothing committed: %+v, %v; want nothing", res, err)
	}

	s.Produce(t, [][]byte{[]byte(`{"schema_version":1,"event_id":"R2-02","event_type":"acknowledged",
		"occurred_at":"2026-09-20T10:00:00+08:00","request_id":"R2","contract_id":"CT-T","partner_id":"PT-A"}`)}, nil)
	s.Ingest(t)
	r.Committed([]string{"R2"})
	res, err := r.RefreshCommitted(t.Context())
	if err != nil || res.Requests != 2 {
		t.Fatalf("RefreshCommitted after R2's commit: %+v, %v; want R2 and its serial's R1", res, err)
	}
	var replied time.Time
	if err := s.Conn.QueryRow(t.Context(), "SELECT replied_at FROM request_state FINAL WHERE request_id = 'R2'").Scan(&replied); err != nil || replied.Unix() <= 0 {
		t.Errorf("R2's state after the refresh: replied_at %v, %v; want its acknowledgement", replied, err)
	}
}
