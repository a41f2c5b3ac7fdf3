package timeline

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"servicepulse/calendar"
	"servicepulse/sla"
	"servicepulse/transform"
)

// Explain is the timeline of request r, the state sla.States built from in
// under policy (nil: no terms), as of asOf. states are the requests built
// with it (those on its serial, r included), for the repeat links.
func Explain(in sla.Input, r sla.Request, states []sla.Request, policy *sla.Policy, asOf time.Time) (Timeline, error) {
	asOf = asOf.UTC()
	loc := defaultZone()
	if policy != nil {
		loc = policy.Loc
	}
	e := explainer{r: r, policy: policy, asOf: asOf, loc: loc}
	ordered := sla.Ordered(in.Events)
	e.pauses = sla.Pauses(ordered, policy)
	if err := e.checkPauses(); err != nil {
		return Timeline{}, err
	}
	t := Timeline{
		RequestID: r.RequestID, AsOf: e.at(asOf), PartnerID: r.PartnerID, ContractID: r.ContractID,
		Channel: r.Channel, Region: r.Region, ProductSerial: r.ProductSerial, ProductModel: r.ProductModel,
		Status: r.Status, Opened: e.at(r.OpenedAt),
		Events: e.events(ordered), Pauses: e.pauseList(),
	}
	t.Promises = e.promises(ordered)
	if policy != nil {
		t.Contract = e.contract(t.Promises)
	}
	t.FirstTimeFix = firstTimeFix(r)
	t.Repeat = repeats(r, states)
	t.Feedback = feedback(in.Feedback, e.at)
	t.Survey = Survey{CSAT: score(r.CSAT), NPS: score(r.NPS), CES: score(r.CES)}
	t.Complaints = complaints(r.Complaints)
	return t, nil
}

type explainer struct {
	r      sla.Request
	policy *sla.Policy
	asOf   time.Time
	loc    *time.Location
	pauses []sla.Pause
}

// checkPauses holds sla.Pauses to what Build stored: the business hours of
// the closed pauses and the start of an open one.
func (e *explainer) checkPauses() error {
	var open time.Time
	var closed float64
	for _, p := range e.pauses {
		if p.To.IsZero() {
			open = p.From
		} else {
			closed += e.policy.Clock.Elapsed(p.From, p.To).Hours()
		}
	}
	if !open.Equal(e.r.PausedSince) || closed != e.r.PausedBH {
		return fmt.Errorf("request %s: the pauses (%v h, open since %v) disagree with its state (%v h, open since %v)",
			e.r.RequestID, closed, open, e.r.PausedBH, e.r.PausedSince)
	}
	return nil
}

func (e *explainer) at(t time.Time) Instant {
	l := t.In(e.loc)
	return Instant{UTC: t.UTC(), Local: l.Format(time.RFC3339), Weekday: l.Weekday().String()[:3]}
}

func (e *explainer) ptr(t time.Time) *Instant {
	if t.IsZero() {
		return nil
	}
	i := e.at(t)
	return &i
}

// intervals are the pauses as Build subtracts them, an open one running to
// the as-of instant.
func (e *explainer) intervals() []calendar.Interval {
	out := make([]calendar.Interval, len(e.pauses))
	for i, p := range e.pauses {
		out[i] = p.Interval
		if p.To.IsZero() {
			out[i].To = e.asOf // before From: empty, so not subtracted
		}
	}
	return out
}

// business is the business time of c from → to minus the pauses, in hours.
func (e *explainer) business(c *calendar.Clock, from, to time.Time) float64 {
	if from.IsZero() || to.IsZero() {
		return 0
	}
	return c.Elapsed(from, to, e.intervals()...).Hours()
}

func (e *explainer) pauseList() []Pause {
	out := []Pause{}
	for _, p := range e.pauses {
		to := p.To
		if to.IsZero() {
			to = e.asOf
		}
		out = append(out, Pause{From: e.at(p.From), To: e.ptr(p.To), Reason: p.Reason,
			BusinessHours: e.policy.Clock.Elapsed(p.From, to).Hours()})
	}
	return out
}

// events lists the events with what each does to the promises.
func (e *explainer) events(ordered []transform.ServiceEvent) []Event {
	out := make([]Event, 0, len(ordered))
	var replied, visited, resolved, paused, opened bool
	for _, ev := range ordered {
		x := Event{At: e.at(ev.OccurredAt), Type: ev.EventType, EventID: ev.EventID, VisitNo: ev.VisitNo,
			PartLine: ev.PartLineID, PartNo: ev.PartNo, PauseReason: ev.PauseReason, Cause: ev.Cause, Warranty: ev.Warranty}
		switch ev.EventType {
		case transform.RequestCreated:
			x.Note = "opens the request: every clock starts"
			if opened {
				x.Note = "a later copy of the opening: ignored"
			}
			opened = true
		case transform.Acknowledged:
			if !replied {
				x.Note, replied = "first reply (clause 2.3.1)", true
			}
		case transform.OnsiteArrived, transform.RemoteStarted:
			x.TechnicianCertified = ptrTo(ev.TechnicianCertified)
			if !visited {
				x.Note, visited = "first visit: the on-site promise is kept (clause 2.3.1)", true
			}
			if !ev.TechnicianCertified {
				x.Note = join(x.Note, "technician not certified (clause 2.4.1)")
			}
		case transform.PartRequested:
			x.Note = "the part line's clock starts (clause 3.2.2)"
		case transform.PartDelivered:
			x.PartFromStock = ptrTo(ev.PartFromStock)
		case transform.ClockPaused:
			switch {
			case e.policy == nil || !e.policy.Terms.Pauses(ev.PauseReason):
				x.Note = "the contract does not accept this reason: the clock runs on"
			case paused:
				x.Note = "already paused"
			default:
				x.Note, paused = "the clock stops", true
			}
		case transform.ClockResumed:
			x.Note = "the clock was not paused"
			if paused {
				x.Note, paused = "the clock runs again", false
			}
		case transform.Resolved:
			x.PartsFee, x.LabourFee = ev.PartsFee.StringFixed(2), ev.LabourFee.StringFixed(2)
			if !resolved {
				x.Note = fmt.Sprintf("first resolution, at visit %d", ev.VisitNo)
			}
			resolved = true
		case transform.Reopened:
			x.Note = "reopened: the resolution no longer stands"
		case transform.Cancelled:
			x.Note = "cancelled: promises not yet due are no longer owed"
		}
		out = append(out, x)
	}
	return out
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func ptrTo[T any](v T) *T { return &v }

func score(v int8) *int8 {
	if v < 0 {
		return nil
	}
	return &v
}

// contract describes the terms and the calendar's special days over the
// span of the promises.
func (e *explainer) contract(promises []Promise) *Contract {
	t := e.policy.Terms
	c := &Contract{ID: t.ContractID, Name: t.Name, EffectiveFrom: e.at(t.EffectiveFrom), Calendar: t.Calendar,
		CalendarCovers: e.policy.Clock.Covers(e.r.OpenedAt), Window: t.Window, RepairWindow: t.RepairWindow, Timezone: t.Timezone,
		ResponseHours: t.ResponseHours, OnsiteHours: t.OnsiteHours, PartsDays: t.PartsDays,
		PauseReasons: slices.Clone(t.PauseReasons), SpecialDays: []Day{}}
	if c.PauseReasons == nil {
		c.PauseReasons = []string{}
	}
	last := e.r.OpenedAt
	for _, p := range promises {
		for _, i := range []*Instant{p.Deadline, p.Done} {
			if i != nil && i.UTC.After(last) {
				last = i.UTC
			}
		}
	}
	c.SpecialDays = specialDays(e.policy.Clock.Calendar(), e.r.OpenedAt.In(e.loc), last.In(e.loc))
	return c
}

// maxSpecialSpan bounds the dates specialDays looks at.
const maxSpecialSpan = 62

// specialDays lists the local dates from → to (at most maxSpecialSpan) on
// which a data calendar (prc) departs from Monday to Friday. Rule calendars
// (mon-fri, 24x7) have none by definition.
func specialDays(cal *calendar.Calendar, from, to time.Time) []Day {
	out := []Day{}
	if cal.CoveredYears() == nil {
		return out
	}
	y, m, d := from.Date()
	day := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	ty, tm, td := to.Date()
	end := time.Date(ty, tm, td, 12, 0, 0, 0, time.UTC)
	for i := 0; !day.After(end) && i < maxSpecialSpan; i, day = i+1, day.AddDate(0, 0, 1) {
		weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
		work := cal.IsWorkday(day.Year(), day.Month(), day.Day())
		switch {
		case weekend && work:
			out = append(out, Day{Date: day.Format(time.DateOnly), Weekday: day.Weekday().String()[:3], Kind: "make_up_working_day"})
		case !weekend && !work:
			out = append(out, Day{Date: day.Format(time.DateOnly), Weekday: day.Weekday().String()[:3], Kind: "holiday"})
		}
	}
	return out
}

func firstTimeFix(r sla.Request) FirstTimeFix {
	f := FirstTimeFix{FirstVisitFix: r.FirstVisitFix, Reopened: r.Reopened, PlannedFollowUp: r.PlannedFollowUp, Cause: r.Cause}
	// The scope and the success of first_time_fix_rate (metrics/catalog.go).
	switch {
	case r.ResolvedAt.IsZero():
		f.Why = "not counted: not resolved"
	case r.Cause == "user_misuse":
		f.Why = "not counted: user misuse"
	case r.PlannedFollowUp:
		f.Why = "not counted: a planned follow-up visit"
	default:
		f.Counted = true
		f.Fixed = r.FirstVisitFix && !r.Reopened && !r.RepeatWithin30d
		var why []string
		if !r.FirstVisitFix {
			why = append(why, "not resolved at the first visit")
		}
		if r.Reopened {
			why = append(why, "reopened")
		}
		if r.RepeatWithin30d {
			why = append(why, "the serial came back within 30 days")
		}
		f.Why = "fixed the first time"
		for i, w := range why {
			if i == 0 {
				f.Why = "not fixed the first time: " + w
			} else {
				f.Why += "; " + w
			}
		}
	}
	return f
}

// repeats names the requests behind r's repeat flags, with the condition
// of sla.MarkRepeats, among the states built with r.
func repeats(r sla.Request, states []sla.Request) Repeat {
	out := Repeat{IsRepeat: r.IsRepeat, RepeatWithin30d: r.RepeatWithin30d}
	comesBack := func(a, b sla.Request) bool {
		return !a.ResolvedAt.IsZero() && b.OpenedAt.After(a.ResolvedAt) && b.OpenedAt.Sub(a.ResolvedAt) <= sla.RepeatWindow
	}
	for _, s := range states {
		if s.RequestID == r.RequestID || s.ProductSerial != r.ProductSerial || r.ProductSerial == "" {
			continue
		}
		if comesBack(s, r) {
			out.Of = append(out.Of, s.RequestID)
		}
		if comesBack(r, s) {
			out.By = append(out.By, s.RequestID)
		}
	}
	slices.Sort(out.Of)
	slices.Sort(out.By)
	return out
}

func feedback(fs []transform.FeedbackEvent, at func(time.Time) Instant) []Feedback {
	fs = slices.Clone(fs)
	slices.SortFunc(fs, func(a, b transform.FeedbackEvent) int {
		return cmp.Or(a.OccurredAt.Compare(b.OccurredAt), cmp.Compare(a.EventID, b.EventID))
	})
	out := make([]Feedback, 0, len(fs))
	for _, f := range fs {
		out = append(out, Feedback{At: at(f.OccurredAt), Type: f.EventType, EventID: f.EventID,
			CSAT: score(f.CSAT), NPS: score(f.NPS), CES: score(f.CES), ComplaintID: f.ComplaintID, Category: f.ComplaintCategory})
	}
	return out
}

func complaints(cs []sla.Complaint) []Complaint {
	out := make([]Complaint, 0, len(cs))
	for _, c := range cs {
		x := Complaint{ID: c.ID, Category: c.Category}
		if c.ClosedBH >= 0 {
			x.ClosedBusinessHours = ptrTo(c.ClosedBH)
		}
		out = append(out, x)
	}
	return out
}

func defaultZone() *time.Location {
	loc, err := time.LoadLocation(calendar.DefaultZone)
	if err != nil {
		return time.FixedZone("CST", 8*3600) // no zone database: Shanghai has no DST
	}
	return loc
}
