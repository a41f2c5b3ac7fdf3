package sla

import (
	"cmp"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"servicepulse/calendar"
	"servicepulse/contracts"
	"servicepulse/transform"
)

// RepeatWindow is how soon a new request for the same serial makes the earlier
// one a repeat repair (clause 5.1; DESIGN.md "within 30 days").
const RepeatWindow = 30 * 24 * time.Hour

// Policy is what Build needs to know about a request's contract: the terms in
// force when it was opened and the business clock they define.
type Policy struct {
	Terms contracts.Terms
	Clock *calendar.Clock
	Loc   *time.Location
	// Repair is the clock of the repair window (clause 3.3.2), which the
	// on-site and resolve promises count in; nil: computed from Terms, or
	// Clock when the terms have no repair window of their own.
	Repair *calendar.Clock
}

// Input is everything known about one request.
type Input struct {
	Events   []transform.ServiceEvent // any order; duplicates (same event_id) allowed
	Feedback []transform.FeedbackEvent
}

// Opening returns the request_created event that opens the request: the
// earliest one, so a re-sent creation does not move the request.
func Opening(events []transform.ServiceEvent) (transform.ServiceEvent, bool) {
	var created transform.ServiceEvent
	found := false
	for i := range events {
		if e := &events[i]; e.EventType == transform.RequestCreated && (!found || e.OccurredAt.Before(created.OccurredAt)) {
			created, found = *e, true
		}
	}
	return created, found
}

// Build computes the state of one request as of asOf, except the repeat flags,
// which depend on other requests (see MarkRepeats). ok is false when the
// request_created event is not known yet: such a request has no cohort and no
// terms, and its events wait until it arrives. policy is nil when the
// contract is unknown; the state then has no deadlines.
func Build(in Input, policy *Policy, asOf time.Time) (r Request, ok bool) {
	created, ok := Opening(in.Events)
	if !ok {
		return Request{}, false
	}
	return fromOrdered(created, Ordered(in.Events), in.Feedback, policy, asOf), true
}

// fromOrdered is Build once the opening event is known and the events are
// Ordered: the refresher orders the events it loaded in place (order), where
// Build leaves its caller's slice as it is.
func fromOrdered(created transform.ServiceEvent, events []transform.ServiceEvent, feedback []transform.FeedbackEvent, policy *Policy, asOf time.Time) (r Request) {
	r = Request{
		RequestID: created.RequestID, ContractID: created.ContractID, PartnerID: created.PartnerID,
		Channel: created.Channel, Region: created.Region, ProductSerial: created.ProductSerial,
		ProductModel: created.ProductModel, CustomerRef: created.CustomerRef,
		OpenedAt: created.OccurredAt.UTC(), Status: "open", CSAT: -1, NPS: -1, CES: -1,
		Events: uint32(len(events)), ComputedAt: asOf.UTC(), PartsFee: decimal.Zero, LabourFee: decimal.Zero,
	}
	// Without terms the cohort date is taken in the default contract zone, so
	// loading the contract later rarely moves the request to another day.
	loc := defaultZone
	if policy != nil {
		loc = policy.Loc
		r.TermsFrom = policy.Terms.EffectiveFrom.UTC()
	}
	y, m, d := r.OpenedAt.In(loc).Date()
	r.OpenedDate = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)

	var (
		pauses        []calendar.Interval
		firstResolved *transform.ServiceEvent
		lines         = map[string]*PartLine{}
		lineOrder     []string
		requested     = map[string]time.Time{} // when each line's deadline started
	)
	for i := range events {
		e := &events[i]
		at := e.OccurredAt.UTC()
		switch e.EventType {
		case transform.Acknowledged:
			if r.RepliedAt.IsZero() {
				r.RepliedAt = at
			}
		case transform.OnsiteArrived, transform.RemoteStarted:
			if r.OnsiteAt.IsZero() {
				r.OnsiteAt = at
			}
			r.Visits++
			if e.TechnicianCertified {
				r.CertifiedVisits++
			}
			if e.PlannedFollowUp {
				r.PlannedFollowUp = true
			}
		case transform.PartRequested, transform.PartDelivered:
			l, seen := lines[e.PartLineID]
			if !seen {
				l = &PartLine{LineID: e.PartLineID}
				lines[e.PartLineID] = l
				lineOrder = append(lineOrder, e.PartLineID)
			}
			if e.EventType == transform.PartRequested {
				if policy != nil && l.Due.IsZero() {
					l.Due = at.Add(time.Duration(policy.Terms.PartsDays * float64(24*time.Hour)))
					requested[e.PartLineID] = at
				}
			} else if l.DeliveredAt.IsZero() {
				l.DeliveredAt, l.FromStock = at, e.PartFromStock
			}
		case transform.ClockPaused:
			if policy == nil || !slices.Contains(policy.Terms.PauseReasons, e.PauseReason) {
				continue // a reason the contract does not accept does not stop the clock
			}
			if r.PausedSince.IsZero() {
				r.PausedSince = at
			}
		case transform.ClockResumed:
			if !r.PausedSince.IsZero() {
				pauses = append(pauses, calendar.Interval{From: r.PausedSince, To: at})
				r.PausedSince = time.Time{}
			}
		case transform.Resolved:
			if firstResolved == nil {
				firstResolved = e
			}
			r.ResolvedAt, r.Status = at, "resolved"
			r.Cause, r.Warranty = e.Cause, e.Warranty
			r.PartsFee, r.LabourFee = r.PartsFee.Add(e.PartsFee), r.LabourFee.Add(e.LabourFee)
		case transform.Reopened:
			r.Reopened = true
			if r.Status == "resolved" || r.Status == "closed" {
				r.Status, r.ResolvedAt = "open", time.Time{}
			}
		case transform.Closed:
			r.ClosedAt = at
			if r.Status != "cancelled" {
				r.Status = "closed"
			}
		case transform.Cancelled:
			r.Cancelled, r.Status = at, "cancelled"
		}
	}
	if firstResolved != nil {
		r.FirstVisitFix = firstResolved.VisitNo == 1
	}
	for _, id := range lineOrder {
		l := lines[id]
		if l.Due.IsZero() && policy != nil && !l.DeliveredAt.IsZero() {
			l.Due = l.DeliveredAt // delivered with no request seen: count it on time
		}
		if l.DeliveredAt.IsZero() && !r.Cancelled.IsZero() && r.Cancelled.Before(l.Due) {
			continue // the request was withdrawn before the part was due: nothing is owed
		}
		r.Parts = append(r.Parts, *l)
	}
	slices.SortFunc(r.Parts, func(a, b PartLine) int { return cmp.Compare(a.LineID, b.LineID) })
	if policy != nil {
		r.PartWarn = partLineWarnings(policy.Terms, r.Parts, requested)
	}

	if policy != nil {
		c := policy.Clock
		hours := func(from, to time.Time) float64 {
			if from.IsZero() || to.IsZero() {
				return 0
			}
			return c.Elapsed(from, to, pauses...).Hours()
		}
		for _, p := range pauses {
			r.PausedBH += c.Elapsed(p.From, p.To).Hours()
		}
		r.ReplyDue = c.Deadline(r.OpenedAt, hoursDuration(policy.Terms.ResponseHours), pauses...)
		rc := repairClock(policy) // clause 3.3.2: on site and resolve count in the repair window (c when none)
		r.OnsiteDue = rc.Deadline(r.OpenedAt, hoursDuration(policy.Terms.OnsiteHours), pauses...)
		warn := hoursDuration(policy.Terms.WarnHours)
		r.ReplyWarn = clockWarnings(c, r.OpenedAt, hoursDuration(policy.Terms.ResponseHours), warn, pauses)
		r.OnsiteWarn = clockWarnings(rc, r.OpenedAt, hoursDuration(policy.Terms.OnsiteHours), warn, pauses)
		r.ReplyRuns, r.OnsiteRuns = clockRuns(c, r.OpenedAt, r.ReplyDue, pauses), clockRuns(rc, r.OpenedAt, r.OnsiteDue, pauses)
		r.ReplyBH, r.OnsiteBH, r.ResolveBH = hours(r.OpenedAt, r.RepliedAt), hours(r.OpenedAt, r.OnsiteAt), hours(r.OpenedAt, r.ResolvedAt)
		r.OnsiteBH, r.ResolveBH = elapsedHours(rc, r.OpenedAt, r.OnsiteAt, pauses), elapsedHours(rc, r.OpenedAt, r.ResolvedAt, pauses)
		r.Complaints = complaints(feedback, func(from, to time.Time) float64 { return c.Elapsed(from, to).Hours() })
	} else {
		r.Complaints = complaints(feedback, func(from, to time.Time) float64 { return to.Sub(from).Hours() })
	}
	survey(&r, feedback)
	return r
}

var defaultZone = func() *time.Location {
	loc, err := time.LoadLocation(calendar.DefaultZone)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

func hoursDuration(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// repairClock is the clock of the on-site and resolve promises: the
// contract's repair-service window (clause 3.3.2) on its calendar and zone,
// or the support clock when the contract gives none. Parsed terms always
// name a valid window; a bad one (terms built by hand) keeps the support clock.
func repairClock(p *Policy) *calendar.Clock {
	if p.Repair != nil {
		return p.Repair
	}
	if p.Terms.RepairWindow == "" || p.Terms.RepairWindow == p.Terms.Window {
		return p.Clock
	}
	start, end := p.Terms.RepairHours()
	c, err := calendar.ClockFor(p.Terms.Calendar, calendar.Window{Start: start, End: end}.String(), p.Terms.Timezone)
	if err != nil {
		return p.Clock
	}
	return c
}

// elapsedHours is the business time from from to to on c, minus pauses; 0
// when either instant is unknown.
func elapsedHours(c *calendar.Clock, from, to time.Time, pauses []calendar.Interval) float64 {
	if from.IsZero() || to.IsZero() {
		return 0
	}
	return c.Elapsed(from, to, pauses...).Hours()
}

// order is Ordered in place: it moves the first copy of each event id to
// the front of events, in their order, sorts those and returns them; what
// is left behind them is unspecified. A request has a handful of events: up
// to dedupeScan of them are checked against the kept ones without a map
// (the map and a copy of every event were a third of what a refresh
// allocated).
func order(events []transform.ServiceEvent) []transform.ServiceEvent {
	n := 0
	if len(events) <= dedupeScan {
	next:
		for i := range events {
			for j := range n {
				if events[j].EventID == events[i].EventID {
					continue next
				}
			}
			events[n] = events[i]
			n++
		}
	} else {
		seen := make(map[string]bool, len(events))
		for i := range events {
			if !seen[events[i].EventID] {
				seen[events[i].EventID] = true
				events[n] = events[i]
				n++
			}
		}
	}
	out := events[:n]
	slices.SortStableFunc(out, func(a, b transform.ServiceEvent) int {
		return cmp.Or(a.OccurredAt.Compare(b.OccurredAt), cmp.Compare(a.EventID, b.EventID))
	})
	return out
}

const dedupeScan = 32

// survey takes the latest answer of each scale.
func survey(r *Request, feedback []transform.FeedbackEvent) {
	var (
		at [3]time.Time
		id [3]string
	)
	for _, f := range feedback {
		if f.EventType != transform.SurveySubmitted {
			continue
		}
		for i, v := range [3]int8{f.CSAT, f.NPS, f.CES} {
			// Ties on time go to the larger event id, so the row order
			// ClickHouse returns cannot change the answer.
			later := f.OccurredAt.After(at[i]) || (f.OccurredAt.Equal(at[i]) && f.EventID > id[i])
			if v >= 0 && later {
				at[i], id[i] = f.OccurredAt, f.EventID
				switch i {
				case 0:
					r.CSAT = v
				case 1:
					r.NPS = v
				case 2:
					r.CES = v
				}
			}
		}
	}
}

// complaints pairs complaint_opened with complaint_resolved by complaint id.
func complaints(feedback []transform.FeedbackEvent, hours func(from, to time.Time) float64) []Complaint {
	type span struct {
		category       string
		opened, closed time.Time
	}
	byID := map[string]*span{}
	for _, f := range feedback {
		if f.ComplaintID == "" {
			continue
		}
		s := byID[f.ComplaintID]
		if s == nil {
			s = &span{}
			byID[f.ComplaintID] = s
		}
		switch f.EventType {
		case transform.ComplaintOpened:
			if s.opened.IsZero() || f.OccurredAt.Before(s.opened) {
				s.opened, s.category = f.OccurredAt, f.ComplaintCategory
			}
		case transform.ComplaintResolved:
			if s.closed.IsZero() || f.OccurredAt.Before(s.closed) {
				s.closed = f.OccurredAt
			}
		}
	}
	var out []Complaint
	for id, s := range byID {
		if s.opened.IsZero() {
			continue // a resolution without its opening: wait for it
		}
		c := Complaint{ID: id, Category: s.category, ClosedBH: -1}
		if !s.closed.IsZero() {
			c.ClosedBH = hours(s.opened, s.closed)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Complaint) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// MarkRepeats sets IsRepeat and RepeatWithin30d by comparing the requests on
// the same product serial with each other. Every request of a serial must be
// in rs for the flags to be right.
func MarkRepeats(rs []Request) {
	bySerial := map[string][]int{}
	for i := range rs {
		rs[i].IsRepeat, rs[i].RepeatWithin30d = false, false
		if rs[i].ProductSerial != "" {
			bySerial[rs[i].ProductSerial] = append(bySerial[rs[i].ProductSerial], i)
		}
	}
	for _, idx := range bySerial {
		for _, i := range idx {
			for _, j := range idx {
				if i == j {
					continue
				}
				a, b := &rs[i], &rs[j] // does b come back after a was resolved?
				if !a.ResolvedAt.IsZero() && b.OpenedAt.After(a.ResolvedAt) && b.OpenedAt.Sub(a.ResolvedAt) <= RepeatWindow {
					a.RepeatWithin30d, b.IsRepeat = true, true
				}
			}
		}
	}
}
