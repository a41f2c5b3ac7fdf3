package sla_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"servicepulse/contracts"
	"servicepulse/sla"
	"servicepulse/transform"
)

// Times in these tests are wall-clock times in Asia/Shanghai (+08:00), the
// zone of the test contract; "bh" is business hours of its clock: 09:00–18:00
// on PRC working days (calendar/data/prc.yaml). September 2026: Mon 09-07,
// Tue 09-08, …; Sat 09-19 off, Sun 09-20 a make-up working day; Fri 09-25 …
// Sun 09-27 Mid-Autumn off; Thu 10-01 … Wed 10-07 National Day off.

// at parses "2006-01-02 15:04" as +08:00 and returns the UTC instant, as
// transform delivers it.
func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04 -07:00", s+" +08:00")
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// termsT: reply within 4 bh, on site within 8 bh, parts within 2 calendar
// days; only waiting_customer pauses the clock.
var termsT = contracts.Terms{
	ContractID: "CT-T", Name: "CT-T", EffectiveFrom: at("2026-01-01 00:00"),
	ResponseHours: 4, OnsiteHours: 8, PartsDays: 2, WarrantyYears: 2,
	Calendar: "prc", Window: "09:00-18:00", Timezone: "Asia/Shanghai",
	PauseReasons: []string{"waiting_customer"},
}

func policyOf(t *testing.T, terms contracts.Terms) *sla.Policy {
	t.Helper()
	clock, loc, err := sla.NewClock(terms)
	if err != nil {
		t.Fatal(err)
	}
	return &sla.Policy{Terms: terms, Clock: clock, Loc: loc}
}

// asOf is the computation time of every Build here (only computed_at).
var asOf = at("2026-11-01 00:00")

// story builds the events of one request, with unique event ids <req>-<nn>.
type story struct {
	req      string
	seq      int
	events   []transform.ServiceEvent
	feedback []transform.FeedbackEvent
}

func newStory(req string) *story { return &story{req: req} }

func (s *story) id() string { s.seq++; return fmt.Sprintf("%s-%02d", s.req, s.seq) }

func (s *story) add(typ, when string, set func(e *transform.ServiceEvent)) *story {
	e := transform.ServiceEvent{EventID: s.id(), EventType: typ, SchemaVersion: 1, OccurredAt: at(when),
		RequestID: s.req, ContractID: "CT-T", PartnerID: "PT-A"}
	if set != nil {
		set(&e)
	}
	s.events = append(s.events, e)
	return s
}

func (s *story) fb(typ, when string, set func(f *transform.FeedbackEvent)) *story {
	f := transform.FeedbackEvent{EventID: s.id(), EventType: typ, SchemaVersion: 1, OccurredAt: at(when),
		RequestID: s.req, ContractID: "CT-T", PartnerID: "PT-A", CSAT: -1, NPS: -1, CES: -1}
	if set != nil {
		set(&f)
	}
	s.feedback = append(s.feedback, f)
	return s
}

func (s *story) created(when, partner, serial string) *story {
	return s.add(transform.RequestCreated, when, func(e *transform.ServiceEvent) {
		e.PartnerID, e.ProductSerial, e.ProductModel, e.Channel, e.Region = partner, serial, "AC-200", "phone", "East"
	})
}
func (s *story) ack(when string) *story { return s.add(transform.Acknowledged, when, nil) }
func (s *story) visit(when string, no uint16, certified, followUp bool) *story {
	return s.add(transform.OnsiteArrived, when, func(e *transform.ServiceEvent) {
		e.TechnicianID, e.VisitNo, e.TechnicianCertified, e.PlannedFollowUp = "T1", no, certified, followUp
	})
}
func (s *story) remote(when string, no uint16, certified bool) *story {
	return s.add(transform.RemoteStarted, when, func(e *transform.ServiceEvent) {
		e.TechnicianID, e.VisitNo, e.TechnicianCertified = "T1", no, certified
	})
}
func (s *story) partReq(when, line string) *story {
	return s.add(transform.PartRequested, when, func(e *transform.ServiceEvent) { e.PartLineID, e.PartNo, e.PartQuantity = line, "P", 1 })
}
func (s *story) partDel(when, line string, stock bool) *story {
	return s.add(transform.PartDelivered, when, func(e *transform.ServiceEvent) { e.PartLineID, e.PartNo, e.PartFromStock = line, "P", stock })
}
func (s *story) pause(when, reason string) *story {
	return s.add(transform.ClockPaused, when, func(e *transform.ServiceEvent) { e.PauseReason = reason })
}
func (s *story) resume(when string) *story { return s.add(transform.ClockResumed, when, nil) }
func (s *story) resolve(when string, visit uint16, cause, warranty, parts, labour string) *story {
	return s.add(transform.Resolved, when, func(e *transform.ServiceEvent) {
		e.TechnicianID, e.VisitNo, e.Cause, e.Warranty = "T1", visit, cause, warranty
		e.PartsFee, e.LabourFee, e.Currency = decimal.RequireFromString(parts), decimal.RequireFromString(labour), "CNY"
	})
}
func (s *story) reopen(when string) *story   { return s.add(transform.Reopened, when, nil) }
func (s *story) closeReq(when string) *story { return s.add(transform.Closed, when, nil) }
func (s *story) cancel(when string) *story   { return s.add(transform.Cancelled, when, nil) }
func (s *story) survey(when string, csat, nps, ces int8) *story {
	return s.fb(transform.SurveySubmitted, when, func(f *transform.FeedbackEvent) { f.CSAT, f.NPS, f.CES = csat, nps, ces })
}
func (s *story) complaint(when, id, category string) *story {
	return s.fb(transform.ComplaintOpened, when, func(f *transform.FeedbackEvent) { f.ComplaintID, f.ComplaintCategory = id, category })
}
func (s *story) complaintDone(when, id string) *story {
	return s.fb(transform.ComplaintResolved, when, func(f *transform.FeedbackEvent) { f.ComplaintID = id })
}
func (s *story) input() sla.Input {
	return sla.Input{Events: slices.Clone(s.events), Feedback: slices.Clone(s.feedback)}
}

func build(t *testing.T, in sla.Input, p *sla.Policy) sla.Request {
	t.Helper()
	r, ok := sla.Build(in, p, asOf)
	if !ok {
		t.Fatal("Build: ok = false, want a state")
	}
	return r
}

// equalStates compares two states field by field, amounts by value.
func equalStates(a, b sla.Request) bool {
	if !a.PartsFee.Equal(b.PartsFee) || !a.LabourFee.Equal(b.LabourFee) {
		return false
	}
	a.PartsFee, a.LabourFee, b.PartsFee, b.LabourFee = decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero
	return reflect.DeepEqual(a, b)
}

// richStory has a bit of everything (Mon 09-07 … Fri 09-11).
func richStory() *story {
	return newStory("R1").
		created("2026-09-07 09:00", "PT-A", "SN-1").
		ack("2026-09-07 10:00").                           // reply 1 bh
		pause("2026-09-07 11:00", "waiting_customer").     // paused Mon 11–18 (7 h) …
		resume("2026-09-08 11:00").                        // … and Tue 9–11 (2 h): 9 bh
		pause("2026-09-08 14:00", "customer_unreachable"). // not a reason of CT-T: no pause
		resume("2026-09-08 15:00").                        // no pause open: nothing to resume
		remote("2026-09-08 16:00", 1, true).               // on site 9 + 7 − 9 = 7 bh
		partReq("2026-09-08 16:30", "L2").                 // due Thu 09-10 16:30
		partReq("2026-09-08 16:30", "L1").                 // due Thu 09-10 16:30
		resolve("2026-09-08 17:00", 1, "product_quality", "out_of_warranty", "10.00", "20.00").
		reopen("2026-09-09 09:00").
		partDel("2026-09-09 10:00", "L1", true).    // on time, from stock
		visit("2026-09-09 14:00", 2, false, false). // uncertified
		resolve("2026-09-09 15:00", 2, "user_misuse", "in_warranty", "5.50", "0.25").
		closeReq("2026-09-10 09:00").
		partDel("2026-09-11 09:00", "L2", false). // late
		survey("2026-09-10 10:00", 3, 7, 4).
		survey("2026-09-11 10:00", 5, -1, -1). // later csat wins; nps, ces stay
		complaint("2026-09-09 10:00", "C1", "delay").
		complaintDone("2026-09-09 12:00", "C1").       // 2 bh
		complaint("2026-09-10 09:00", "C2", "privacy") // open
}

// The state of richStory, computed by hand.
func TestBuildRichStory(t *testing.T) {
	r := build(t, richStory().input(), policyOf(t, termsT))
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("OpenedAt", r.OpenedAt, at("2026-09-07 09:00"))
	check("OpenedDate", r.OpenedDate, time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC))
	check("TermsFrom", r.TermsFrom, termsT.EffectiveFrom)
	check("Status", r.Status, "closed")
	check("ClosedAt", r.ClosedAt, at("2026-09-10 09:00"))
	// 4 bh from Mon 09:00: 2 h until the pause at 11:00, 2 h from Tue 11:00.
	check("ReplyDue", r.ReplyDue, at("2026-09-08 13:00"))
	check("ReplyBH", r.ReplyBH, 1.0)
	// 8 bh: 2 h Mon, then 6 h from Tue 11:00 → Tue 17:00.
	check("OnsiteDue", r.OnsiteDue, at("2026-09-08 17:00"))
	check("OnsiteAt", r.OnsiteAt, at("2026-09-08 16:00"))
	check("OnsiteBH", r.OnsiteBH, 7.0)
	check("PausedBH", r.PausedBH, 9.0)
	check("PausedSince", r.PausedSince, time.Time{})
	// Final resolution Wed 15:00: Mon 9 + Tue 9 + Wed 6 − 9 paused = 15 bh.
	check("ResolvedAt", r.ResolvedAt, at("2026-09-09 15:00"))
	check("ResolveBH", r.ResolveBH, 15.0)
	check("Visits", r.Visits, uint16(2))
	check("CertifiedVisits", r.CertifiedVisits, uint16(1))
	check("FirstVisitFix", r.FirstVisitFix, true) // the first resolution came at visit 1 (then reopened)
	check("Reopened", r.Reopened, true)
	check("Parts", r.Parts, []sla.PartLine{
		{LineID: "L1", Due: at("2026-09-10 16:30"), DeliveredAt: at("2026-09-09 10:00"), FromStock: true},
		{LineID: "L2", Due: at("2026-09-10 16:30"), DeliveredAt: at("2026-09-11 09:00")},
	})
	check("Cause", r.Cause, "user_misuse") // of the last resolution
	check("Warranty", r.Warranty, "in_warranty")
	check("PartsFee", r.PartsFee.String(), "15.5") // 10.00 + 5.50, summed over both resolutions
	check("LabourFee", r.LabourFee.String(), "20.25")
	check("CSAT NPS CES", [3]int8{r.CSAT, r.NPS, r.CES}, [3]int8{5, 7, 4})
	check("Complaints", r.Complaints, []sla.Complaint{{ID: "C1", Category: "delay", ClosedBH: 2}, {ID: "C2", Category: "privacy", ClosedBH: -1}})
	check("Events", r.Events, uint32(16))
}

// Events and feedback in any order, with copies of some (same event_id),
// give the state of the ordered list.
func TestBuildIgnoresOrderAndDuplicates(t *testing.T) {
	p := policyOf(t, termsT)
	s := richStory()
	want := build(t, s.input(), p)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		in := s.input()
		for range 1 + rng.IntN(5) {
			in.Events = append(in.Events, in.Events[rng.IntN(len(s.events))])
			in.Feedback = append(in.Feedback, in.Feedback[rng.IntN(len(s.feedback))])
		}
		rng.Shuffle(len(in.Events), func(a, b int) { in.Events[a], in.Events[b] = in.Events[b], in.Events[a] })
		rng.Shuffle(len(in.Feedback), func(a, b int) { in.Feedback[a], in.Feedback[b] = in.Feedback[b], in.Feedback[a] })
		if got := build(t, in, p); !equalStates(got, want) {
			t.Fatalf("permutation %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

// Two answers of the same scale at the same instant: which one counts must
// not depend on the order the feedback rows come in (ClickHouse returns them
// in no particular order).
func TestBuildSurveyTieDoesNotDependOnOrder(t *testing.T) {
	p := policyOf(t, termsT)
	s := newStory("R1").created("2026-09-07 09:00", "PT-A", "SN-1").
		survey("2026-09-08 10:00", 2, -1, -1).
		survey("2026-09-08 10:00", 5, -1, -1)
	in := s.input()
	a := build(t, in, p)
	slices.Reverse(in.Feedback)
	b := build(t, in, p)
	if a.CSAT != b.CSAT {
		t.Errorf("two csat answers at the same instant: csat %d in one order, %d in the other", a.CSAT, b.CSAT)
	}
}

func TestBuildPauses(t *testing.T) {
	base := func() *story {
		return newStory("R1").created("2026-09-07 09:00", "PT-A", "SN-1") // Mon; reply due 13:00, on site due 17:00 without pauses
	}
	tests := []struct {
		name                string
		s                   *story
		terms               contracts.Terms
		replyDue, onsiteDue time.Time
		onsiteBH, pausedBH  float64
		pausedSince         time.Time
	}{
		{
			name: "accepted reason",
			s:    base().pause("2026-09-07 10:00", "waiting_customer").resume("2026-09-07 12:00").visit("2026-09-07 18:00", 1, true, false),
			// 2 bh paused: deadlines 2 h later; on site 9 − 2 = 7 bh
			terms: termsT, replyDue: at("2026-09-07 15:00"), onsiteDue: at("2026-09-08 10:00"), onsiteBH: 7, pausedBH: 2,
		},
		{
			name: "reason not in pause_reasons",
			s:    base().pause("2026-09-07 10:00", "access_denied").resume("2026-09-07 12:00").visit("2026-09-07 18:00", 1, true, false),
			// the clock runs: deadlines unchanged, on site 9 bh
			terms: termsT, replyDue: at("2026-09-07 13:00"), onsiteDue: at("2026-09-07 17:00"), onsiteBH: 9, pausedBH: 0,
		},
		{
			name: "reason accepted by another contract",
			s:    base().pause("2026-09-07 10:00", "access_denied").resume("2026-09-07 12:00").visit("2026-09-07 18:00", 1, true, false),
			terms: func() contracts.Terms {
				c := termsT
				c.PauseReasons = []string{"waiting_customer", "access_denied"}
				return c
			}(),
			replyDue: at("2026-09-07 15:00"), onsiteDue: at("2026-09-08 10:00"), onsiteBH: 7, pausedBH: 2,
		},
		{
			name:  "pause outside business hours costs nothing",
			s:     base().pause("2026-09-07 18:30", "waiting_customer").resume("2026-09-08 08:30").visit("2026-09-08 10:00", 1, true, false),
			terms: termsT, replyDue: at("2026-09-07 13:00"), onsiteDue: at("2026-09-07 17:00"), onsiteBH: 10, pausedBH: 0,
		},
		{
			name: "open pause",
			s:    base().pause("2026-09-07 11:00", "waiting_customer"),
			// deadlines as without pause (the query compares them with the pause start), paused since 11:00
			terms: termsT, replyDue: at("2026-09-07 13:00"), onsiteDue: at("2026-09-07 17:00"), pausedSince: at("2026-09-07 11:00"),
		},
		{
			name: "resume without pause, second pause while paused",
			s: base().resume("2026-09-07 09:30").
				pause("2026-09-07 10:00", "waiting_customer").pause("2026-09-07 11:00", "waiting_customer").
				resume("2026-09-07 12:00").visit("2026-09-07 18:00", 1, true, false),
			// one pause 10:00–12:00
			terms: termsT, replyDue: at("2026-09-07 15:00"), onsiteDue: at("2026-09-08 10:00"), onsiteBH: 7, pausedBH: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := build(t, tt.s.input(), policyOf(t, tt.terms))
			if !r.ReplyDue.Equal(tt.replyDue) || !r.OnsiteDue.Equal(tt.onsiteDue) {
				t.Errorf("due: reply %v, on site %v; want %v, %v", r.ReplyDue, r.OnsiteDue, tt.replyDue, tt.onsiteDue)
			}
			if r.OnsiteBH != tt.onsiteBH || r.PausedBH != tt.pausedBH || !r.PausedSince.Equal(tt.pausedSince) {
				t.Errorf("on site %v bh, paused %v bh, paused since %v; want %v, %v, %v",
					r.OnsiteBH, r.PausedBH, r.PausedSince, tt.onsiteBH, tt.pausedBH, tt.pausedSince)
			}
		})
	}
}

// Deadlines on the PRC calendar: days off, make-up working days, holidays.
func TestBuildDeadlinesOnThePRCCalendar(t *testing.T) {
	p := policyOf(t, termsT)
	for _, tt := range []struct {
		name, opened, replyDue, onsiteDue, openedDate string
	}{
		{"Friday evening", "2026-09-04 16:00", "2026-09-07 11:00", "2026-09-07 15:00", "2026-09-04"},
		// Sun 09-20 is a make-up working day: the clock starts Sun 09:00.
		{"Saturday before a make-up Sunday", "2026-09-19 10:00", "2026-09-20 13:00", "2026-09-20 17:00", "2026-09-19"},
		// Fri 09-25 … Sun 09-27 off: 1 h Thu, then Mon.
		{"eve of Mid-Autumn", "2026-09-24 17:00", "2026-09-28 12:00", "2026-09-28 16:00", "2026-09-24"},
		// 10-01 … 10-07 off: 1 h Wed 09-30, then Thu 10-08.
		{"eve of National Day", "2026-09-30 17:00", "2026-10-08 12:00", "2026-10-08 16:00", "2026-09-30"},
		// Opened on a holiday before dawn: 09-30 23:00 UTC, local date 10-01.
		{"National Day, early morning", "2026-10-01 07:00", "2026-10-08 13:00", "2026-10-08 17:00", "2026-10-01"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := build(t, newStory("R1").created(tt.opened, "PT-A", "SN-1").input(), p)
			if !r.ReplyDue.Equal(at(tt.replyDue)) || !r.OnsiteDue.Equal(at(tt.onsiteDue)) {
				t.Errorf("reply due %v, on site due %v; want %s, %s (+08:00)", r.ReplyDue.In(p.Loc), r.OnsiteDue.In(p.Loc), tt.replyDue, tt.onsiteDue)
			}
			if d := r.OpenedDate.Format(time.DateOnly); d != tt.openedDate || r.OpenedDate.Location() != time.UTC || r.OpenedDate.Hour() != 0 {
				t.Errorf("opened date %v, want %s at 00:00 UTC", r.OpenedDate, tt.openedDate)
			}
		})
	}
}

func TestBuildReopenClearsResolution(t *testing.T) {
	p := policyOf(t, termsT)
	s := newStory("R1").created("2026-09-07 09:00", "PT-A", "SN-1").
		visit("2026-09-07 10:00", 1, true, false).
		resolve("2026-09-07 11:00", 1, "product_quality", "out_of_warranty", "10.00", "0").
		closeReq("2026-09-07 12:00").
		reopen("2026-09-08 09:00")
	r := build(t, s.input(), p)
	if r.Status != "open" || !r.ResolvedAt.IsZero() || r.ResolveBH != 0 || !r.Reopened {
		t.Errorf("after reopen: status %q, resolved %v, %v bh, reopened %v; want open, none, 0, true", r.Status, r.ResolvedAt, r.ResolveBH, r.Reopened)
	}
	if !r.FirstVisitFix {
		t.Error("after reopen: FirstVisitFix false; the first resolution came at visit 1 (the reopen rules the fix out, not this flag)")
	}

	s.visit("2026-09-08 10:00", 2, true, false).resolve("2026-09-08 14:00", 2, "force_majeure", "in_warranty", "0", "5")
	r = build(t, s.input(), p)
	// Mon 9–18 (9) + Tue 9–14 (5) = 14 bh to the final resolution.
	if r.Status != "resolved" || !r.ResolvedAt.Equal(at("2026-09-08 14:00")) || r.ResolveBH != 14 || !r.Reopened {
		t.Errorf("resolved again: status %q, resolved %v, %v bh, reopened %v; want resolved, Tue 14:00, 14, true", r.Status, r.ResolvedAt, r.ResolveBH, r.Reopened)
	}
	if r.Cause != "force_majeure" || r.Warranty != "in_warranty" || r.PartsFee.String() != "10" || r.LabourFee.String() != "5" {
		t.Errorf("resolved again: %s, %s, fees %s + %s; want the last cause and warranty, fees summed 10 + 5", r.Cause, r.Warranty, r.PartsFee, r.LabourFee)
	}
}

func TestBuildFirstVisitFix(t *testing.T) {
	p := policyOf(t, termsT)
	for _, tt := range []struct {
		name string
		s    *story
		want bool
	}{
		{"resolved at visit 1", newStory("R1").created("2026-09-07 09:00", "PT-A", "SN-1").
			visit("2026-09-07 10:00", 1, true, false).resolve("2026-09-07 11:00", 1, "product_quality", "in_warranty", "0", "0"), true},
		{"resolved at visit 2", newStory("R1").created("2026-09-07 09:00", "PT-A", "SN-1").
			visit("2026-09-07 10:00", 1, true, false).visit("2026-09-08 10:00", 2, true, false).
			resolve("2026-09-08 11:00", 2, "product_quality", "in_warranty", "0", "0"), false},
		{"first resolution at visit 2, reopened, then visit 1 (out of order numbering)", newStory("R1").created("2026-09-07 09:00", "PT-A", "SN-1").
			resolve("2026-09-08 11:00", 2, "product_quality", "in_warranty", "0", "0").reopen("2026-09-08 12:00").
			resolve("2026-09-08 13:00", 1, "product_quality", "in_warranty", "0", "0"), false},
		{"not resolved", newStory("R1").created("2026-09-07 09:00", "PT-A", "SN-1").visit("2026-09-07 10:00", 1, true, false), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := build(t, tt.s.input(), p).FirstVisitFix; got != tt.want {
				t.Errorf("FirstVisitFix = %v, want %v", got, tt.want)
			}
		})
	}
}

// A part line is due parts_days calendar days (× 24 h) after it was
// requested, holidays included; the first request and delivery count.
func TestBuildPartsDue(t *testing.T) {
	s := newStory("R1").created("2026-09-24 09:00", "PT-A", "SN-1").
		partReq("2026-09-24 10:00", "B").        // Thu; due Sat 09-26 10:00, a Mid-Autumn holiday
		partReq("2026-09-25 10:00", "B").        // requested again: the first request counts
		partDel("2026-09-26 10:00", "B", true).  // exactly at the due time
		partDel("2026-09-27 10:00", "B", false). // a second delivery: the first counts
		partDel("2026-09-24 15:00", "A", false). // delivered, never requested: due when delivered
		partReq("2026-09-24 16:00", "C")         // not delivered
	want := []sla.PartLine{
		{LineID: "A", Due: at("2026-09-24 15:00"), DeliveredAt: at("2026-09-24 15:00")},
		{LineID: "B", Due: at("2026-09-26 10:00"), DeliveredAt: at("2026-09-26 10:00"), FromStock: true},
		{LineID: "C", Due: at("2026-09-26 16:00")},
	}
	if got := build(t, s.input(), policyOf(t, termsT)).Parts; !reflect.DeepEqual(got, want) {
		t.Errorf("parts:\n got %+v\nwant %+v", got, want)
	}

	half := termsT
	half.PartsDays = 1.5
	if got := build(t, s.input(), policyOf(t, half)).Parts[1].Due; !got.Equal(at("2026-09-25 22:00")) {
		t.Errorf("parts_days 1.5: B due %v, want 36 h after Thu 10:00 = Fri 22:00", got)
	}

	// Unknown contract: no terms, no due times.
	for _, l := range build(t, s.input(), nil).Parts {
		if !l.Due.IsZero() {
			t.Errorf("no policy: line %s due %v, want none", l.LineID, l.Due)
		}
	}
}

func TestBuildWithoutPolicy(t *testing.T) {
	// Opened Thu 10-01 07:00 in Shanghai, 09-30 23:00 UTC.
	s := newStory("R1").created("2026-10-01 07:00", "PT-A", "SN-1").
		ack("2026-10-01 08:00").
		pause("2026-10-01 08:30", "waiting_customer").
		complaint("2026-10-01 09:00", "C1", "delay").
		complaintDone("2026-10-01 10:30", "C1")
	r := build(t, s.input(), nil)
	if !r.ReplyDue.IsZero() || !r.OnsiteDue.IsZero() || !r.TermsFrom.IsZero() || r.ReplyBH != 0 {
		t.Errorf("no policy: reply due %v, on site due %v, terms %v, reply %v bh; want no deadlines, no terms, 0", r.ReplyDue, r.OnsiteDue, r.TermsFrom, r.ReplyBH)
	}
	if !r.PausedSince.IsZero() {
		t.Errorf("no policy: paused since %v; no contract, no accepted pause", r.PausedSince)
	}
	// Without a contract the opened date is taken in the default contract
	// zone, Asia/Shanghai: 10-01 07:00 there (09-30 23:00 UTC).
	if d := r.OpenedDate.Format(time.DateOnly); d != "2026-10-01" {
		t.Errorf("no policy: opened date %s, want 2026-10-01 (Asia/Shanghai)", d)
	}
	// Complaints in wall-clock hours.
	if len(r.Complaints) != 1 || r.Complaints[0].ClosedBH != 1.5 {
		t.Errorf("no policy: complaints %+v, want C1 closed in 1.5 wall-clock hours", r.Complaints)
	}
}

func TestBuildCancelled(t *testing.T) {
	s := newStory("R1").created("2026-09-07 09:00", "PT-A", "SN-1").cancel("2026-09-07 10:00").closeReq("2026-09-07 11:00")
	r := build(t, s.input(), policyOf(t, termsT))
	if r.Status != "cancelled" || !r.Cancelled.Equal(at("2026-09-07 10:00")) || !r.ClosedAt.Equal(at("2026-09-07 11:00")) {
		t.Errorf("status %q, cancelled %v, closed %v; want cancelled (closing a cancelled request keeps it so)", r.Status, r.Cancelled, r.ClosedAt)
	}
}

// Opening is the earliest request_created, wherever it is in the list: a
// re-sent creation does not move the request, even with other attributes.
func TestOpening(t *testing.T) {
	s := newStory("R1").
		ack("2026-09-07 10:00").
		created("2026-09-07 11:00", "PT-LATE", "SN-LATE").
		created("2026-09-07 09:00", "PT-A", "SN-1")
	got, ok := sla.Opening(s.events)
	if !ok || got.EventID != "R1-03" || got.PartnerID != "PT-A" {
		t.Fatalf("Opening = %s %s, %v; want R1-03 of PT-A", got.EventID, got.PartnerID, ok)
	}
	r := build(t, s.input(), policyOf(t, termsT))
	if !r.OpenedAt.Equal(at("2026-09-07 09:00")) || r.PartnerID != "PT-A" || r.ProductSerial != "SN-1" {
		t.Errorf("state opened %v by %s on %s; want Mon 09:00, PT-A, SN-1", r.OpenedAt, r.PartnerID, r.ProductSerial)
	}
	if r.ReplyBH != 1 {
		t.Errorf("reply %v bh, want 1 (from the earliest creation)", r.ReplyBH)
	}
}

// Without request_created a request has no cohort and no terms: no state.
func TestBuildWithoutRequestCreated(t *testing.T) {
	s := newStory("R1").ack("2026-09-07 10:00").resolve("2026-09-07 11:00", 1, "product_quality", "in_warranty", "0", "0").
		survey("2026-09-08 10:00", 5, 10, 7)
	if _, ok := sla.Opening(s.events); ok {
		t.Error("Opening: ok = true without request_created")
	}
	if r, ok := sla.Build(s.input(), policyOf(t, termsT), asOf); ok {
		t.Errorf("Build: ok = true without request_created: %+v", r)
	}
}

func TestMarkRepeats(t *testing.T) {
	resolvedAt := at("2026-09-01 10:00")
	req := func(id, serial string, opened, resolved time.Time) sla.Request {
		return sla.Request{RequestID: id, ProductSerial: serial, OpenedAt: opened, ResolvedAt: resolved}
	}
	a := req("A", "SN-1", at("2026-08-31 10:00"), resolvedAt)
	type flags struct{ repeatWithin30d, isRepeat bool }
	tests := []struct {
		name string
		rs   []sla.Request
		want []flags
	}{
		{"back exactly 30 days after the resolution", []sla.Request{a, req("B", "SN-1", resolvedAt.Add(30*24*time.Hour), time.Time{})},
			[]flags{{true, false}, {false, true}}},
		{"back 30 days and 1 s after", []sla.Request{a, req("B", "SN-1", resolvedAt.Add(30*24*time.Hour+time.Second), time.Time{})},
			[]flags{{false, false}, {false, false}}},
		{"a second request while the first is open", []sla.Request{a, req("B", "SN-1", resolvedAt.Add(-time.Hour), time.Time{})},
			[]flags{{false, false}, {false, false}}},
		{"first not resolved", []sla.Request{req("A", "SN-1", at("2026-08-31 10:00"), time.Time{}), req("B", "SN-1", resolvedAt.Add(time.Hour), time.Time{})},
			[]flags{{false, false}, {false, false}}},
		{"another serial", []sla.Request{a, req("B", "SN-2", resolvedAt.Add(time.Hour), time.Time{})},
			[]flags{{false, false}, {false, false}}},
		{"no serial", []sla.Request{req("A", "", at("2026-08-31 10:00"), resolvedAt), req("B", "", resolvedAt.Add(time.Hour), time.Time{})},
			[]flags{{false, false}, {false, false}}},
		// B comes 10 days after A's resolution: A repeats, B is a repeat. B is
		// resolved on day 12; C comes on day 50, 38 days after B's resolution
		// and 50 after A's: a repeat of neither.
		{"chain, in any order", []sla.Request{
			req("C", "SN-1", resolvedAt.Add(50*24*time.Hour), time.Time{}),
			req("B", "SN-1", resolvedAt.Add(10*24*time.Hour), resolvedAt.Add(12*24*time.Hour)),
			a,
		}, []flags{{false, false}, {false, true}, {true, false}}},
		{"stale flags are cleared", []sla.Request{
			{RequestID: "A", ProductSerial: "SN-1", OpenedAt: at("2026-08-31 10:00"), RepeatWithin30d: true, IsRepeat: true},
		}, []flags{{false, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := slices.Clone(tt.rs)
			sla.MarkRepeats(rs)
			for i, r := range rs {
				if got := (flags{r.RepeatWithin30d, r.IsRepeat}); got != tt.want[i] {
					t.Errorf("%s: repeat_within_30d %v, is_repeat %v; want %v, %v", r.RequestID, got.repeatWithin30d, got.isRepeat, tt.want[i].repeatWithin30d, tt.want[i].isRepeat)
				}
			}
		})
	}
}
