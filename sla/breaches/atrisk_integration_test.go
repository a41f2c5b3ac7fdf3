package breaches_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"servicepulse/contracts"
	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
	"servicepulse/sla"
	"servicepulse/sla/breaches"
)

// atRiskCase is the KPI case whose events carry the hand computation of
// every warning instant (metrics/testdata/cases/at_risk/events.jsonl): a
// window across National Day and a make-up working day (Sat 10-10).
const atRiskCase = "../../metrics/testdata/cases/at_risk"

// local parses "2006-01-02 15:04" in Asia/Shanghai (+08:00).
func local(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04 -07:00", s+" +08:00")
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// TestIntegrationAtRiskThenBreached ingests the at_risk case once and moves
// only the as-of time: the refresher's warning instants equal the hand
// values; at Fri 10-09 17:30 W2's reply is at risk with 2.5 business hours
// left and is no breach; at Sat 10-10 11:30, with no new event, it is a
// late_reply breach half an hour late and no longer at risk. At both
// instants the at_risk KPI counts the requests the listing names.
func TestIntegrationAtRiskThenBreached(t *testing.T) {
	t.Parallel()
	c := pipelinetest.LoadCase(t, atRiskCase)
	s := c.Ingest(t)
	terms, err := contracts.Parse(bytes.NewReader(c.Contracts), "contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}

	// The stored instants, as events.jsonl computes them by hand.
	want := map[string]string{
		"W1 reply":   "2026-09-30 17:00 | 2026-09-30 18:00 | 2026-09-30 16:00",
		"W1 on-site": "2026-10-08 10:00 | 2026-10-08 12:00 | 2026-10-08 11:00",
		"W1 part 1":  "2026-10-09 11:00 | 2026-10-09 23:00 | 2026-10-10 08:00",
		"W2 reply":   "2026-10-09 18:00 | 2026-10-10 10:00 | 2026-10-09 17:00",
		"W2 on-site": "2026-10-10 11:00 | 2026-10-10 13:00 | 2026-10-10 12:00",
		"D2 reply":   "2026-10-10 10:00 | 2026-10-10 11:00 | 2026-10-10 10:00",
		"D2 on-site": "2026-10-10 12:00 | 2026-10-10 14:00 | 2026-10-10 14:00",
		"D3 reply":   "2026-10-09 11:00 | 2026-10-09 12:00 | 2026-10-09 11:00",
		"D3 on-site": "2026-10-09 13:00 | 2026-10-09 15:00 | 2026-10-09 15:00",
	}
	got := storedWarnings(t, s)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s warnings (50%% | 75%% | warn_hours): %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("stored warnings of %d promises, want %d: %v", len(got), len(want), got)
	}

	qs, err := c.Queries()
	if err != nil {
		t.Fatal(err)
	}
	q := qs[0]

	// Fri 10-09 17:30, the case's as-of time.
	q.AsOf = local("2026-10-09 17:30")
	checkRisks(t, s, q, terms, []string{
		"D3 reply 75% 2026-10-09T13:00:00+08:00 left 1 paused",
		"W1 part line 1 50% 2026-10-10T11:00:00+08:00 left 17.5",
		"W2 reply 3h 2026-10-10T11:00:00+08:00 left 2.5",
	})
	if b := findBreach(t, s, q, terms, "W2", "late_reply"); b != nil {
		t.Errorf("W2 is a late_reply breach before its deadline: %+v", b)
	}

	// Sat 10-10 11:30: no event came, the deadlines of W2's reply and W1's
	// part passed.
	q.AsOf = local("2026-10-10 11:30")
	checkRisks(t, s, q, terms, []string{
		"D3 reply 75% 2026-10-09T13:00:00+08:00 left 1 paused",
		"D2 reply 75% 2026-10-10T12:00:00+08:00 left 0.5",
		"W2 on-site 50% 2026-10-10T15:00:00+08:00 left 3.5",
	})
	b := findBreach(t, s, q, terms, "W2", "late_reply")
	if b == nil || !b.Deadline.Equal(local("2026-10-10 11:00")) || b.LateHours != 0.5 {
		t.Errorf("W2 late_reply breach %+v, want due Sat 11:00, 0.5 business hours late", b)
	}
	if b := findBreach(t, s, q, terms, "W1", "late_parts"); b == nil || !b.Deadline.Equal(local("2026-10-10 11:00")) {
		t.Errorf("W1 late_parts breach %+v, want due Sat 11:00", b)
	}
}

// storedWarnings reads the warning instants of request_state as local
// times, "50% | 75% | warn_hours" per promise with a deadline.
func storedWarnings(t *testing.T, s *pipelinetest.Stack) map[string]string {
	t.Helper()
	rows, err := s.Conn.Query(t.Context(), `SELECT request_id,
		reply_warn_50, reply_warn_75, reply_warn_hours, onsite_warn_50, onsite_warn_75, onsite_warn_hours,
		part_warn_50, part_warn_75, part_warn_hours FROM request_state FINAL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	loc := time.FixedZone("CST", 8*3600)
	f := func(w sla.Warnings) string {
		return w.At50.In(loc).Format("2006-01-02 15:04") + " | " + w.At75.In(loc).Format("2006-01-02 15:04") + " | " + w.Hours.In(loc).Format("2006-01-02 15:04")
	}
	out := map[string]string{}
	for rows.Next() {
		var (
			id             string
			reply, onsite  sla.Warnings
			p50, p75, pHrs []time.Time
		)
		if err := rows.Scan(&id, &reply.At50, &reply.At75, &reply.Hours, &onsite.At50, &onsite.At75, &onsite.Hours, &p50, &p75, &pHrs); err != nil {
			t.Fatal(err)
		}
		out[id+" reply"], out[id+" on-site"] = f(reply), f(onsite)
		for i := range p50 {
			out[fmt.Sprintf("%s part %d", id, i+1)] = f(sla.Warnings{At50: p50[i], At75: p75[i], Hours: pHrs[i]})
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkRisks compares the at-risk listing as of q.AsOf with want (the
// nearest deadline first) and the at_risk KPI with the requests it names.
func checkRisks(t *testing.T, s *pipelinetest.Stack, q metrics.Query, terms *contracts.File, want []string) {
	t.Helper()
	list, err := breaches.AtRisk(t.Context(), s.Conn, q, terms)
	if err != nil {
		t.Fatal(err)
	}
	var (
		got      []string
		requests = map[string]bool{}
		policies sla.Policies
	)
	for _, r := range list {
		line := fmt.Sprintf("%s %s %s %s left %v", r.RequestID, r.Promise, r.Level, r.DeadlineLocal, r.LeftHours)
		if r.Paused {
			line += " paused"
		}
		got = append(got, line)
		requests[r.RequestID] = true
		if r.Timezone != "Asia/Shanghai" || r.WarnedAt.After(q.AsOf) || !r.Deadline.After(r.WarnedAt) {
			t.Errorf("as of %s: %+v: zone, warning or deadline out of order", q.AsOf, r)
		}
		// The SQL over the stored runs gives what the contract clock gives.
		if r.Kind != "late_parts" {
			p, err := policies.For(terms, r.ContractID, r.OpenedAt)
			if err != nil || p == nil {
				t.Fatalf("terms of %s: %v", r.RequestID, err)
			}
			now := q.AsOf
			if r.Paused {
				now = r.WarnedAt // D3: held at its pause, where its 75% warning fell
			}
			if h := p.Clock.Elapsed(now, r.Deadline).Hours(); h != r.LeftHours {
				t.Errorf("%s %s: %v hours left from the stored runs, %v on the clock", r.RequestID, r.Promise, r.LeftHours, h)
			}
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("at risk as of %s:\n%s\nwant:\n%s", q.AsOf.Format(time.RFC3339), strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	at, ok := metrics.ByID("at_risk")
	if !ok {
		t.Fatal("no at_risk KPI in the catalog")
	}
	groups, err := metrics.Run(t.Context(), s.Conn, q, []metrics.KPI{at}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].Values["at_risk"] != float64(len(requests)) {
		t.Errorf("as of %s: at_risk KPI %+v, the listing names %d requests", q.AsOf.Format(time.RFC3339), groups, len(requests))
	}
}

// findBreach is the breach of kind of request id as of q.AsOf, or nil.
func findBreach(t *testing.T, s *pipelinetest.Stack, q metrics.Query, terms *contracts.File, id, kind string) *breaches.Breach {
	t.Helper()
	list, err := breaches.List(t.Context(), s.Conn, q, terms)
	if err != nil {
		t.Fatal(err)
	}
	for i := range list {
		if list[i].RequestID == id && list[i].Kind == kind {
			return &list[i]
		}
	}
	return nil
}
