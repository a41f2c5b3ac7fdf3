package sla_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"servicepulse/contracts"
	"servicepulse/generator"
	"servicepulse/internal/pipelinetest"
	"servicepulse/sla"
)

// A refresh cut into batches writes the states one build of everything
// writes: repeat repairs are judged among the requests on one serial, which
// a batch keeps together. 1,500 generated tickets (with repeats on a serial
// and malformed messages), rebuilt in batches of 40 and then in one; at
// least one request must be a repeat, and the batches must be many.
func TestIntegrationBatchesKeepSerialsTogether(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	s.LoadContracts(t, string(contracts.SampleYAML()))
	var records, feedback [][]byte
	if _, err := generator.Generate(generator.Config{Seed: 11, Tickets: 1500, BadRate: 0.01}, func(m generator.Message) error {
		if m.Topic == generator.Feedback {
			feedback = append(feedback, m.Value)
		} else {
			records = append(records, m.Value)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Produce(t, records, feedback)
	s.Ingest(t)

	small := sla.NewRefresher(s.Conn, s.Log)
	small.Batch = 40
	res, err := small.RefreshAll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	batched := dumpStates(t, s)
	one := sla.NewRefresher(s.Conn, s.Log)
	one.Batch = 0 // one build
	if _, err := one.RefreshAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	whole := dumpStates(t, s)
	if len(batched) != res.Requests || len(whole) != len(batched) || res.Requests < 1400 {
		t.Fatalf("%d states in batches (refresh said %d), %d in one build; want the same, about 1,500", len(batched), res.Requests, len(whole))
	}
	for id, st := range whole {
		if batched[id] != st {
			t.Errorf("request %s: in batches\n  %s\nin one build\n  %s", id, batched[id], st)
		}
	}
	// Parallel (the final refresh's way): batches written while the next
	// builds, chunks of 7 requests loaded ahead; the same states again.
	par := sla.NewRefresher(s.Conn, s.Log)
	par.Batch, par.Chunk = 40, 7
	par.SetParallel(true)
	if res, err := par.RefreshAll(t.Context()); err != nil || res.Requests != len(whole) {
		t.Fatalf("parallel refresh: %+v, %v; want %d states", res, err, len(whole))
	}
	parallel := dumpStates(t, s)
	for id, st := range whole {
		if parallel[id] != st {
			t.Errorf("request %s: in parallel batches\n  %s\nin one build\n  %s", id, parallel[id], st)
		}
	}
	if n := countRepeats(t, s); n == 0 {
		t.Fatal("no request is a repeat: the test proves nothing about serials")
	}
}

func countRepeats(t *testing.T, s *pipelinetest.Stack) int {
	t.Helper()
	var n uint64
	if err := s.Conn.QueryRow(t.Context(), "SELECT count() FROM request_state FINAL WHERE is_repeat = 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// dumpStates returns every request's collapsed state as text, computed_at
// left out.
func dumpStates(t *testing.T, s *pipelinetest.Stack) map[string]string {
	t.Helper()
	cols := slices.DeleteFunc(sla.RequestStateTable.Names(), func(c string) bool { return c == "computed_at" })
	rows, err := s.Conn.Query(t.Context(), fmt.Sprintf("SELECT request_id, toString(tuple(%s)) FROM request_state FINAL",
		strings.Join(cols, ", ")))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, state string
		if err := rows.Scan(&id, &state); err != nil {
			t.Fatal(err)
		}
		out[id] = state
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
