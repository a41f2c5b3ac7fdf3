package timeline_test

import (
	"path/filepath"
	"testing"
	"time"

	"servicepulse/contracts"
	"servicepulse/sla"
	"servicepulse/sla/timeline"
	"servicepulse/transform"
)

// shanghai is the fixture contract's zone.
var shanghai = time.FixedZone("CST", 8*3600)

func local(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai).UTC()
}

// explain builds the state of events as the refresher would (no feedback,
// no siblings) under the fixture's terms (none when withTerms is false).
func explain(t *testing.T, events []transform.ServiceEvent, withTerms bool, asOf time.Time) timeline.Timeline {
	t.Helper()
	var policy *sla.Policy
	if withTerms {
		f, err := contracts.ParseFile(filepath.Join(fixture, "contracts.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var ps sla.Policies
		if policy, err = ps.For(f, "CT-MU", events[0].OccurredAt); err != nil || policy == nil {
			t.Fatalf("policy: %v, %v", policy, err)
		}
	}
	in := sla.Input{Events: events}
	r, ok := sla.Build(in, policy, asOf)
	if !ok {
		t.Fatal("no state")
	}
	tl, err := timeline.Explain(in, r, []sla.Request{r}, policy, asOf)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

func event(id, typ string, at time.Time, reason string) transform.ServiceEvent {
	return transform.ServiceEvent{EventID: id, EventType: typ, OccurredAt: at, RequestID: "P1", ContractID: "CT-MU", PauseReason: reason}
}

// An open pause holds the deadlines: as of Tue 10-20 16:00, a request
// opened Mon 10-19 09:00 (reply due Mon 13:00) and paused Mon 11:00 for the
// customer is open, held, with 2 of its 4 business hours used; the pause
// has run 7 + 7 = 14 business hours (Mon 11:00–18:00, Tue 09:00–16:00).
func TestExplainOpenPauseHoldsTheDeadline(t *testing.T) {
	asOf := local(2026, 10, 20, 16, 0)
	tl := explain(t, []transform.ServiceEvent{
		event("P1-01", transform.RequestCreated, local(2026, 10, 19, 9, 0), ""),
		event("P1-02", transform.ClockPaused, local(2026, 10, 19, 11, 0), "waiting_customer"),
	}, true, asOf)
	reply := tl.Promises[0]
	if reply.Name != "reply" || reply.Outcome != timeline.Open || !reply.HeldByPause || reply.Used != 2 || reply.Left == nil || *reply.Left != 2 {
		t.Errorf("reply: %+v, want open, held by the pause, 2 used, 2 left", reply)
	}
	if len(tl.Pauses) != 1 || tl.Pauses[0].To != nil || tl.Pauses[0].BusinessHours != 14 {
		t.Errorf("pauses: %+v, want one still open of 14 business hours", tl.Pauses)
	}
}

// Without terms nothing has a deadline, and the pause is not one.
func TestExplainWithoutTerms(t *testing.T) {
	tl := explain(t, []transform.ServiceEvent{
		event("P1-01", transform.RequestCreated, local(2026, 10, 19, 9, 0), ""),
		event("P1-02", transform.Acknowledged, local(2026, 10, 19, 10, 0), ""),
		event("P1-03", transform.ClockPaused, local(2026, 10, 19, 11, 0), "waiting_customer"),
	}, false, local(2026, 10, 20, 16, 0))
	if tl.Contract != nil || len(tl.Pauses) != 0 {
		t.Errorf("contract %+v, pauses %+v: want none", tl.Contract, tl.Pauses)
	}
	for _, p := range tl.Promises[:2] {
		if p.Outcome != timeline.NoDeadline || p.Deadline != nil {
			t.Errorf("%s: %+v, want no deadline", p.Name, p)
		}
	}
}
