package metrics_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
)

// octoberRequests adds two requests of the October cohort to f.
func octoberRequests(f *fixture) {
	// O1 (B) Thu 10-01 07:00 local — 09-30 23:00 UTC, yet of the October
	// cohort (the contract's local date). National Day: the clocks start Thu
	// 10-08 09:00; reply due 13:00, on site due 17:00.
	f.created("O1", "CT-T", "PT-B", "2026-10-01 07:00", "SN-O1", "AC-200", "East", "phone")
	f.ack("O1", "2026-10-08 12:00") // reply 3 bh: met; never visited: late on site
	// O2 (A) Fri 10-09 17:00 on R01's serial, 38 days after R01's resolution:
	// not a repeat, R01 stays a first-time fix. Reply due 1 h Fri + 3 h Sat
	// 10-10 (a make-up working day) → Sat 12:00; on site due Sat 16:00.
	f.created("O2", "CT-T", "PT-A", "2026-10-09 17:00", "SN-01", "AC-200", "East", "phone")
	f.ack("O2", "2026-10-10 10:00") // reply 1 + 1 = 2 bh: met; never visited: late on site
}

var october = metrics.Query{
	From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
	To:   time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	AsOf: asOf,
}

// only runs the whole-cohort query, which must give one group.
func only(t *testing.T, s *pipelinetest.Stack, q metrics.Query) map[string]float64 {
	t.Helper()
	gs := runKPIs(t, s, q)
	if len(gs) != 1 {
		t.Fatalf("cohort %s … %s: %d groups, want 1", q.From.Format(time.DateOnly), q.To.Format(time.DateOnly), len(gs))
	}
	return gs[0].Values
}

// checkSame reports every KPI whose value differs between before and after.
func checkSame(t *testing.T, label string, before, after map[string]float64) {
	t.Helper()
	for _, id := range slices.Sorted(maps.Keys(before)) {
		if !same(after[id], before[id]) {
			t.Errorf("%s: %s changed from %.12g to %.12g", label, id, before[id], after[id])
		}
	}
	if len(after) != len(before) {
		t.Errorf("%s: %d KPIs after, %d before", label, len(after), len(before))
	}
}

// A late event restates the past: an acknowledged event dated in September
// that arrives in November changes September's KPIs, and only those it
// should; October's cohort does not move.
func TestIntegrationLateEventRestates(t *testing.T) {
	t.Parallel()
	f := septemberFixture()
	octoberRequests(f)
	s := runPipeline(t, f)

	sepBefore, octBefore := only(t, s, september), only(t, s, october)
	// October by hand: O1 and O2 answered in time (3 and 2 bh), both unvisited past the on-site deadline.
	for id, want := range map[string]float64{
		"requests": 2, "reply_sla_rate": 100, "reply_hours_p50": 3, // sorted 2 [3]: #floor(0.5 × 2) = #1
		"reply_hours_mean": 2.5, "onsite_sla_rate": 0, "breaches_late_onsite": 2, "breaches_late_reply": 0,
	} {
		if !same(octBefore[id], want) {
			t.Errorf("October: %s = %v, want %v", id, octBefore[id], want)
		}
	}

	// R03 (opened Wed 09-02 17:00, reply due Thu 12:00) was never answered;
	// its reply of Thu 09-03 11:00 arrives now: 1 h Wed + 2 h Thu = 3 bh, in time.
	late := f.ack("R03", "2026-09-03 11:00")
	resend(t, s, [][]byte{late}, nil)

	sepAfter := only(t, s, september)
	changed := map[string]float64{
		// due still 12; met 10 + R03 = 11
		"reply_sla_rate": 100 * 11.0 / 12,
		// 12 answered: .25 .5 .75 1 1.25 1.5 [1.75] 2 2.5 3 [3] 7 → #6, #floor(10.8) = #10
		"reply_hours_p50":  1.75,
		"reply_hours_p90":  3,
		"reply_hours_mean": (21.5 + 3) / 12,
		// R02 only
		"breaches_late_reply": 1,
		// the reply term of the score: 20 × (100 × 11/12) / 95 instead of 20 × (100 × 10/12) / 95
		metrics.EvaluationID: sepBefore[metrics.EvaluationID] + 20*(100*11.0/12)/95 - 20*(100*10.0/12)/95,
	}
	for _, k := range metrics.All() {
		want, ok := changed[k.ID]
		if !ok {
			want = sepBefore[k.ID] // R03 is still open and unvisited past its on-site deadline: nothing else moves
		}
		if !same(sepAfter[k.ID], want) {
			t.Errorf("September after the late reply: %s = %.12g, want %.12g (before: %.12g)", k.ID, sepAfter[k.ID], want, sepBefore[k.ID])
		}
	}
	checkSame(t, "October after a September event", octBefore, only(t, s, october))
}

// Redelivery never counts twice: an event sent again with its event_id, and
// a second copy of every message of a request, change no KPI.
func TestIntegrationDuplicateChangesNothing(t *testing.T) {
	t.Parallel()
	f := septemberFixture()
	s := runPipeline(t, f)
	all, partners := runKPIs(t, s, september), runKPIs(t, s, byPartner(september))
	var events uint64
	if err := s.Conn.QueryRow(t.Context(), "SELECT sum(events) FROM request_state FINAL").Scan(&events); err != nil {
		t.Fatal(err)
	}

	// R02's second resolution (fees 200.50) and R05's waiting_customer pause
	// again; every message of R07 (parts, two visits), of R10 (complaints,
	// survey) again.
	records := [][]byte{f.recordOf("R02", "resolved", 1), f.recordOf("R05", "clock_paused", 1)}
	records = append(records, f.recordsOf["R07"]...)
	records = append(records, f.recordsOf["R10"]...)
	resend(t, s, records, f.feedbackOf["R10"])

	all2, partners2 := runKPIs(t, s, september), runKPIs(t, s, byPartner(september))
	checkSame(t, "September after duplicates", all[0].Values, all2[0].Values)
	for i := range partners {
		checkSame(t, "September after duplicates, "+partners[i].Keys[metrics.ByPartner], partners[i].Values, partners2[i].Values)
	}
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
	f := newFixture()
	// Tue 09-01 10:00: reply due 14:00 (06:00 UTC), on site due 18:00 (10:00 UTC). Nothing else happens.
	f.created("RX", "CT-T", "PT-A", "2026-09-01 10:00", "SN-X", "AC-200", "East", "phone")
	s := runPipeline(t, f)

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
			q := september
			q.AsOf = at
			got := only(t, s, q)
			for id, want := range map[string]float64{
				"requests": 1, "reply_sla_rate": tc.replyRate, "onsite_sla_rate": tc.onsiteRate,
				"breaches_late_reply": tc.lateReply, "breaches_late_onsite": tc.lateOnsite, "open_past_due": tc.pastDue,
			} {
				if !same(got[id], want) {
					t.Errorf("as of %s: %s = %v, want %v", tc.asOf, id, got[id], want)
				}
			}
		})
	}
}
