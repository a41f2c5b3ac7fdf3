package extract_test

import (
	"testing"
	"time"

	"servicepulse/contracts/extract"
	"servicepulse/sla"
	"servicepulse/transform"
)

// The round-trip fixture is testdata/spaces-colons.txt: reply within 4 and
// on site within 8 business hours (2.3.1), support 9:00至18:00 (3.1.2),
// repair 8:30至20:00 (3.3.2), PRC working days. A request opened on
// Monday 2026-09-07 at 17:00 Asia/Shanghai (Mon 09-07 and Tue 09-08 are
// working days, calendar/data/prc.yaml):
//
//	reply, support window:   Mon 17:00–18:00 = 1 h; Tue 09:00 + 3 h → Tue 12:00 (04:00Z)
//	on site, repair window:  Mon 17:00–20:00 = 3 h; Tue 08:30 + 5 h → Tue 13:30 (05:30Z)
//
// (On the support window the on-site deadline would be Tue 16:00: 1 h on
// Monday, 7 on Tuesday.) The resolve clock counts the repair window too: a
// resolution on Tue 09:30 is 3 h (Mon 17:00–20:00) + 1 h (Tue 08:30–09:30)
// = 4 business hours after opening.
var (
	openedRT   = time.Date(2026, 9, 7, 9, 0, 0, 0, time.UTC)  // Mon 17:00 +08:00
	replyDueRT = time.Date(2026, 9, 8, 4, 0, 0, 0, time.UTC)  // Tue 12:00 +08:00
	onsiteDue  = time.Date(2026, 9, 8, 5, 30, 0, 0, time.UTC) // Tue 13:30 +08:00
	resolvedRT = time.Date(2026, 9, 8, 1, 30, 0, 0, time.UTC) // Tue 09:30 +08:00
	resolveBH  = 4.0
)

func roundTripTerms(t *testing.T) *extract.Result {
	t.Helper()
	res, err := parseCase(t, "testdata/spaces-colons")
	if err != nil {
		t.Fatal(err)
	}
	if res.Terms.RepairWindow != "08:30-20:00" || res.Terms.Window != "09:00-18:00" {
		t.Fatalf("fixture windows %q and %q, want 09:00-18:00 and 08:30-20:00", res.Terms.Window, res.Terms.RepairWindow)
	}
	return res
}

// TestRepairWindowClocks: the extracted terms judge a request with the
// hand-computed deadlines above: reply on the support window, on site and
// resolve on the repair window.
func TestRepairWindowClocks(t *testing.T) {
	res := roundTripTerms(t)
	clock, loc, err := sla.NewClock(res.Terms)
	if err != nil {
		t.Fatal(err)
	}
	events := []transform.ServiceEvent{
		{EventID: "RT1-01", EventType: transform.RequestCreated, SchemaVersion: 1, OccurredAt: openedRT, RequestID: "RT1", ContractID: res.ID, PartnerID: "PT-A"},
		{EventID: "RT1-02", EventType: transform.Resolved, SchemaVersion: 1, OccurredAt: resolvedRT, RequestID: "RT1", ContractID: res.ID, PartnerID: "PT-A", VisitNo: 1},
	}
	r, ok := sla.Build(sla.Input{Events: events}, &sla.Policy{Terms: res.Terms, Clock: clock, Loc: loc}, resolvedRT)
	if !ok {
		t.Fatal("no state built")
	}
	if !r.ReplyDue.Equal(replyDueRT) || !r.OnsiteDue.Equal(onsiteDue) || r.ResolveBH != resolveBH {
		t.Errorf("reply due %s, on site due %s, resolve %v bh; want %s, %s, %v",
			r.ReplyDue, r.OnsiteDue, r.ResolveBH, replyDueRT, onsiteDue, resolveBH)
	}
}
