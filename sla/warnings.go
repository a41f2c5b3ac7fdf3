package sla

import (
	"time"

	"servicepulse/calendar"
	"servicepulse/contracts"
)

// Warnings before the breach (docs/warnings.md). They are computed at
// refresh time beside the deadlines, so that the CLI (breaches --at-risk),
// the at_risk KPI, the dashboard and the alert compare the same stored
// instants with their as-of time and never redo calendar arithmetic in SQL.

// clockWarnings are the warnings of a promise of budget business time on
// clock c, counted from opened minus pauses, as its deadline
// c.Deadline(opened, budget, pauses...) is: the instants the clock has run
// 50% and 75% of the budget, and the instant it has run budget − warn, that
// is warn business time before the deadline. A warn at or above the budget
// puts that warning where the clock starts (Deadline of 0: the next business
// instant); warn 0 leaves it unset.
func clockWarnings(c *calendar.Clock, opened time.Time, budget, warn time.Duration, pauses []calendar.Interval) Warnings {
	w := Warnings{
		At50: c.Deadline(opened, budget/2, pauses...).UTC(),
		At75: c.Deadline(opened, budget/4*3, pauses...).UTC(),
	}
	if warn > 0 {
		w.Hours = c.Deadline(opened, max(budget-warn, 0), pauses...).UTC()
	}
	return w
}

// partWarnings are the warnings of a part line requested at requested and
// due at due. Its promise counts calendar days as elapsed 24-hour periods
// (contracts.Terms.PartsDeadline), weekends and holidays included, and no
// pause stops it, so its warnings count elapsed time too: 50% and 75% of
// parts_days × 24 h after the request, and warn_hours elapsed hours before
// the deadline (not before the request).
func partWarnings(t contracts.Terms, requested, due time.Time) Warnings {
	budget := due.Sub(requested)
	w := Warnings{At50: requested.Add(budget / 2).UTC(), At75: requested.Add(budget / 4 * 3).UTC()}
	if warn := hoursDuration(t.WarnHours); warn > 0 {
		w.Hours = due.Add(-min(warn, budget)).UTC()
	}
	return w
}

// partLineWarnings are the warnings of parts, in their order; a line whose
// request was not seen (delivered only) has none.
func partLineWarnings(t contracts.Terms, parts []PartLine, requested map[string]time.Time) []Warnings {
	out := make([]Warnings, len(parts))
	for i, l := range parts {
		if at, ok := requested[l.LineID]; ok {
			out[i] = partWarnings(t, at, l.Due)
		}
	}
	return out
}

// Runs are the spans of real time in which a promise's clock runs from the
// request to its deadline: the support window of each working day, minus
// the closed pauses, adjacent spans merged. They sum to the budget. Stored
// beside the warnings, they let SQL give the business time left at any
// instant — Σ max(0, To − max(From, now)) — without calendar arithmetic, so
// the CLI, the dashboard and the alert read the same number.
type Runs struct {
	From, To []time.Time
}

// clockRuns lists the runs of clock c in [from, deadline) minus pauses.
func clockRuns(c *calendar.Clock, from, deadline time.Time, pauses []calendar.Interval) Runs {
	var runs Runs
	if !deadline.After(from) {
		return runs
	}
	loc, win, cal := c.Location(), c.Window(), c.Calendar()
	y, m, d := from.In(loc).Date()
	for day := 0; ; day++ {
		// Wall-clock readings of the day, as the window's offsets are.
		open := time.Date(y, m, d+day, 0, 0, int(win.Start/time.Second), 0, loc)
		if !open.Before(deadline) {
			break
		}
		if !cal.IsWorkday(y, m, d+day) {
			continue
		}
		close := time.Date(y, m, d+day, 0, 0, int(win.End/time.Second), 0, loc)
		for _, span := range minusPauses(calendar.Interval{From: maxTime(open, from), To: minTime(close, deadline)}, pauses) {
			runs.add(span)
		}
	}
	return runs
}

func (r *Runs) add(span calendar.Interval) {
	if !span.To.After(span.From) {
		return
	}
	if n := len(r.To); n > 0 && r.To[n-1].Equal(span.From) {
		r.To[n-1] = span.To.UTC()
		return
	}
	r.From, r.To = append(r.From, span.From.UTC()), append(r.To, span.To.UTC())
}

// minusPauses is span without the pauses (in any order, possibly
// overlapping), in time order.
func minusPauses(span calendar.Interval, pauses []calendar.Interval) []calendar.Interval {
	out := []calendar.Interval{span}
	for _, p := range pauses {
		var next []calendar.Interval
		for _, s := range out {
			if !p.To.After(s.From) || !s.To.After(p.From) {
				next = append(next, s) // no overlap
				continue
			}
			if p.From.After(s.From) {
				next = append(next, calendar.Interval{From: s.From, To: p.From})
			}
			if s.To.After(p.To) {
				next = append(next, calendar.Interval{From: p.To, To: s.To})
			}
		}
		out = next
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
