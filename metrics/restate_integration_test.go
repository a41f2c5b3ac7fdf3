package metrics_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
)

// restated returns rows with the values of changes (by KPI, then group)
// instead of theirs; every change must name an existing row.
func restated(t *testing.T, rows []pipelinetest.Row, changes map[string]map[string]float64) []pipelinetest.Row {
	t.Helper()
	out := make([]pipelinetest.Row, len(rows))
	copy(out, rows)
	n := 0
	for i, r := range out {
		if v, ok := changes[r.KPI][r.Group]; ok {
			out[i].Value, out[i].Reasoning = v, "restated"
			n++
		}
	}
	want := 0
	for _, byGroup := range changes {
		want += len(byGroup)
	}
	if n != want {
		t.Fatalf("%d changes, %d of them name an expected row", want, n)
	}
	return out
}

// A late event restates the past: an acknowledged event dated in September
// that arrives later changes September's KPIs, and only those it should;
// October's cohort, ingested beside it, does not move.
func TestIntegrationLateEventRestates(t *testing.T) {
	t.Parallel()
	sep, oct := loadCase(t, "september"), loadCase(t, "october")
	if !bytes.Equal(sep.Contracts, oct.Contracts) {
		t.Fatal("the september and october cases have different contracts: they cannot share a database")
	}
	s := sep.Ingest(t)
	s.Send(t, oct.Events)
	// O2 is on R01's serial, 38 days after R01's resolution: not a repeat,
	// so September keeps its values beside October.
	sep.Check(t, s)
	oct.Check(t, s)

	// R03 (A, opened Wed 09-02 17:00, reply due Thu 12:00) was never
	// answered; its reply of Thu 09-03 11:00 arrives now: 1 h Wed + 2 h Thu =
	// 3 bh, in time.
	s.Send(t, pipelinetest.ParseEvents(t, "late reply", `
{"schema_version":1,"event_id":"R03-05","event_type":"acknowledged","occurred_at":"2026-09-03T11:00:00+08:00","request_id":"R03","contract_id":"CT-T","partner_id":"PT-A"}
`))
	const all, ptA = pipelinetest.WholeCohort, "partner=PT-A"
	want := restated(t, sep.Expected, map[string]map[string]float64{
		// due still 12 (A 7); met 10 + R03 = 11 (A 5 + 1 = 6)
		"reply_sla_rate": {all: 100 * 11.0 / 12, ptA: 100 * 6.0 / 7},
		// 12 answered: .25 .5 .75 1 1.25 1.5 [1.75] 2 2.5 3 [3] 7 → #6, #floor(10.8) = #10;
		// A (7): .25 1.25 1.5 [1.75] 3 3 [7] → #floor(3.5) = #3, #floor(6.3) = #6
		"reply_hours_p50":  {all: 1.75, ptA: 1.75},
		"reply_hours_p90":  {all: 3, ptA: 7},
		"reply_hours_mean": {all: (21.5 + 3) / 12, ptA: (14.75 + 3) / 7},
		// R02 only
		"breaches_late_reply": {all: 1, ptA: 1},
		// the reply term of the score: 20 × (100 × 11/12) / 95 instead of
		// 20 × (100 × 10/12) / 95; for A 20 × (100 × 6/7) / 95 instead of 20 × (100 × 5/7) / 95
		metrics.EvaluationID: {
			all: sep.Want(t, metrics.EvaluationID, all) + 20*(100*11.0/12)/95 - 20*(100*10.0/12)/95,
			ptA: sep.Want(t, metrics.EvaluationID, ptA) + 20*(100*6.0/7)/95 - 20*(100*5.0/7)/95,
		},
	})
	// Nothing else moves: R03 is still open and unvisited past its on-site
	// deadline, and PT-B has nothing new.
	pipelinetest.Compare(t, "September after the late reply", want, sep.Compute(t, s))
	oct.Check(t, s)
}

// Redelivery never counts twice: an event sent again with its event_id, and
// a second copy of every message of a request, change no KPI.
func TestIntegrationDuplicateChangesNothing(t *testing.T) {
	t.Parallel()
	c := loadCase(t, "september")
	s := c.Ingest(t)
	var events uint64
	if err := s.Conn.QueryRow(t.Context(), "SELECT sum(events) FROM request_state FINAL").Scan(&events); err != nil {
		t.Fatal(err)
	}

	// R02's resolution (fees 200.50) and R05's waiting_customer pause again;
	// every message of R07 (parts, two visits), of R10 (complaints, survey)
	// again.
	var again []pipelinetest.Event
	for _, e := range c.Events {
		if e.ID == "R02-07" || e.ID == "R05-03" || e.Request == "R07" || e.Request == "R10" {
			again = append(again, e)
		}
	}
	if len(again) != 2+9+11 || again[0].Type != "resolved" || again[1].Type != "clock_paused" {
		t.Fatalf("duplicates: %d events starting with %v; the case changed", len(again), again[:2])
	}
	s.Send(t, again)

	c.Check(t, s)
	var rows, events2 uint64
	if err := s.Conn.QueryRow(t.Context(), "SELECT count(), sum(events) FROM request_state FINAL").Scan(&rows, &events2); err != nil {
		t.Fatal(err)
	}
	if rows != 14 || events2 != events {
		t.Errorf("request_state after duplicates: %d rows, %d events; want 14 rows, %d events", rows, events2, events)
	}
}

// Breaches are live: an open request with no reply becomes a late-reply
// breach and an open request past due when the as-of time passes its
// deadline, without any new event.
func TestIntegrationOpenRequestBreachesBeforeResolution(t *testing.T) {
	t.Parallel()
	// RX: Tue 09-01 10:00, reply due 14:00 (06:00 UTC), on site due 18:00
	// (10:00 UTC). Nothing else happens.
	c := loadCase(t, "unanswered")
	s := c.Ingest(t)
	qs, err := c.Queries()
	if err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	for _, tc := range []struct {
		name, asOf string // local time, +08:00
		// reply_sla_rate, onsite_sla_rate (NaN: nothing due yet), breaches, open_past_due
		replyRate, onsiteRate, lateReply, lateOnsite, pastDue float64
	}{
		{"before the reply deadline", "2026-09-01 13:59:59", nan, nan, 0, 0, 0},
		// due means reply_due < as-of: at 14:00:00 a reply would still be in time (met is ≤).
		{"at the reply deadline", "2026-09-01 14:00:00", nan, nan, 0, 0, 0},
		{"past the reply deadline", "2026-09-01 14:00:01", 0, nan, 1, 0, 1},
		{"past both deadlines", "2026-09-01 18:00:01", 0, 0, 1, 1, 1},
		{"a month later", "2026-10-01 00:00:00", 0, 0, 1, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, err := time.Parse(time.DateTime+" -07:00", tc.asOf+" +08:00")
			if err != nil {
				t.Fatal(err)
			}
			q := qs[0]
			q.AsOf = at
			gs, err := metrics.Run(t.Context(), s.Conn, q, metrics.All(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(gs) != 1 {
				t.Fatalf("as of %s: %d groups, want 1", tc.asOf, len(gs))
			}
			for id, want := range map[string]float64{
				"requests": 1, "reply_sla_rate": tc.replyRate, "onsite_sla_rate": tc.onsiteRate,
				"breaches_late_reply": tc.lateReply, "breaches_late_onsite": tc.lateOnsite, "open_past_due": tc.pastDue,
			} {
				if got := gs[0].Values[id]; !pipelinetest.Same(got, want) {
					t.Errorf("as of %s: %s = %v, want %v", tc.asOf, id, got, want)
				}
			}
		})
	}
}
