package timeline

import (
	"time"

	"servicepulse/calendar"
	"servicepulse/transform"
)

// promises are the reply, the visit, each part line and the resolution.
func (e *explainer) promises(ordered []transform.ServiceEvent) []Promise {
	r := e.r
	if e.policy == nil {
		out := []Promise{
			{Name: "reply", Clause: "2.3.1", Unit: BusinessHours, Start: e.ptr(r.OpenedAt), Done: e.ptr(r.RepliedAt), Outcome: NoDeadline},
			{Name: "onsite", Clause: "2.3.1", Unit: BusinessHours, Start: e.ptr(r.OpenedAt), Done: e.ptr(r.OnsiteAt), Outcome: NoDeadline},
		}
		for _, l := range r.Parts {
			out = append(out, Promise{Name: "part", PartLine: l.LineID, Clause: "3.2.2", Unit: CalendarHours,
				Done: e.ptr(l.DeliveredAt), Outcome: NoDeadline})
		}
		return append(out, e.resolution())
	}
	t := e.policy.Terms
	out := []Promise{
		e.milestone("reply", e.policy.Clock, t.ResponseHours, r.ReplyDue, r.RepliedAt, r.ReplyBH, r.Cancelled),
		e.milestone("onsite", e.policy.RepairClock(), t.OnsiteHours, r.OnsiteDue, r.OnsiteAt, r.OnsiteBH, r.Cancelled, r.ResolvedAt),
	}
	requested := map[string]time.Time{}
	for _, ev := range ordered {
		if _, seen := requested[ev.PartLineID]; ev.EventType == transform.PartRequested && !seen {
			requested[ev.PartLineID] = ev.OccurredAt.UTC()
		}
	}
	for _, l := range r.Parts {
		out = append(out, e.part(l.LineID, requested[l.LineID], l.Due, l.DeliveredAt))
	}
	return append(out, e.resolution())
}

// clockNow is the catalog's "now" for deadlines (metrics/catalog.go
// clockNow): the as-of instant, or the start of an open pause before it.
func (e *explainer) clockNow() time.Time {
	if p := e.r.PausedSince; !p.IsZero() && p.Before(e.asOf) {
		return p
	}
	return e.asOf
}

// milestone is the reply or the visit (clause 2.3.1) on clock c: deadline,
// done and business hours as the state holds them. ends are the instants
// that also end the obligation when they come before the deadline (a
// cancellation; for the visit, a resolution).
func (e *explainer) milestone(name string, c *calendar.Clock, budget float64, due, done time.Time, usedBH float64, ends ...time.Time) Promise {
	p := Promise{Name: name, Clause: "2.3.1", Unit: BusinessHours, Budget: budget,
		Start: e.ptr(e.r.OpenedAt), Deadline: e.ptr(due), Done: e.ptr(done)}
	p.Outcome = judge(done, due, e.clockNow(), ends...)
	if done.IsZero() {
		p.Used = e.business(c, e.r.OpenedAt, e.stop(ends...))
	} else {
		p.Used = usedBH
	}
	e.settle(&p, c, due, done)
	return p
}

// judge is the outcome of a milestone by the catalog's conditions
// (metrics/catalog.go due, met, breached): met when it happened by the
// deadline, breached when it happened later or the deadline passed (on the
// clock clockNow) while the request still owed it; not owed when an end
// came first.
func judge(done, due, clockNow time.Time, ends ...time.Time) string {
	switch {
	case due.IsZero():
		return NoDeadline
	case !done.IsZero() && !done.After(due):
		return Met
	case !done.IsZero():
		return Breached
	}
	for _, end := range ends {
		if !end.IsZero() && end.Before(due) {
			return NotOwed
		}
	}
	if due.Before(clockNow) {
		return Breached
	}
	return Open
}

// stop is where an unkept promise's time stops counting: the as-of
// instant, or an earlier end.
func (e *explainer) stop(ends ...time.Time) time.Time {
	t := e.asOf
	for _, end := range ends {
		if !end.IsZero() && end.Before(t) {
			t = end
		}
	}
	return t
}

// settle adds what depends on the outcome: the time left of an open
// promise, and how late a breached one is, in business hours of c from the
// deadline to done or the as-of instant (as sla/breaches measures it).
func (e *explainer) settle(p *Promise, c *calendar.Clock, due, done time.Time) {
	switch p.Outcome {
	case Open:
		p.Left = ptrTo(p.Budget - p.Used)
		p.HeldByPause = !e.r.PausedSince.IsZero() && !e.r.PausedSince.After(e.asOf)
	case Breached:
		end := done
		if end.IsZero() {
			end = e.asOf
		}
		p.LateBusinessHours = ptrTo(c.Elapsed(due, end).Hours())
	}
}

// part is a part line (clause 3.2.2): parts_days calendar days from its
// request, late when delivered after the deadline or undelivered past it
// (metrics.LatePart, judged at the as-of instant, which no pause holds).
func (e *explainer) part(line string, requested, due, delivered time.Time) Promise {
	p := Promise{Name: "part", PartLine: line, Clause: "3.2.2", Unit: CalendarHours,
		Start: e.ptr(requested), Deadline: e.ptr(due), Done: e.ptr(delivered)}
	p.Budget = e.policy.Terms.PartsDays * 24
	switch {
	case due.IsZero():
		p.Outcome = NoDeadline
	case !delivered.IsZero() && !delivered.After(due):
		p.Outcome = Met
	case !delivered.IsZero() || due.Before(e.asOf):
		p.Outcome = Breached
	default:
		p.Outcome = Open
	}
	end := delivered
	if end.IsZero() {
		end = e.stop(e.r.Cancelled)
	}
	if !requested.IsZero() && end.After(requested) {
		p.Used = end.Sub(requested).Hours()
	}
	e.settle(&p, e.policy.Clock, due, delivered) // the breach listing measures late parts on the support clock
	if p.Outcome == Open {
		p.HeldByPause = false // a part's calendar days run through pauses
	}
	return p
}

// resolution is the final resolution (clause 3.3), which has no deadline:
// business hours to it (resolve_bh), or so far.
func (e *explainer) resolution() Promise {
	r := e.r
	p := Promise{Name: "resolve", Clause: "3.3", Unit: BusinessHours, Start: e.ptr(r.OpenedAt), Done: e.ptr(r.ResolvedAt)}
	switch {
	case !r.ResolvedAt.IsZero():
		p.Outcome = Resolved
	case !r.Cancelled.IsZero():
		p.Outcome = Cancelled
	case !r.ClosedAt.IsZero():
		p.Outcome = Closed
	default:
		p.Outcome = Open
	}
	if e.policy == nil {
		return p
	}
	if r.ResolvedAt.IsZero() {
		p.Used = e.business(e.policy.RepairClock(), r.OpenedAt, e.stop(r.Cancelled, r.ClosedAt))
	} else {
		p.Used = r.ResolveBH
	}
	return p
}
