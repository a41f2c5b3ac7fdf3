package metrics

// This file names the catalog's conditions that queries beside the KPIs
// reuse (the breach listing, the dashboards' open-deadline and histogram
// panels), so that they select exactly what the KPIs count.

// ResolvedCondition is the catalog's condition of a resolved request.
const ResolvedCondition = resolved

// Milestone is a deadline of a request: the reply or the visit.
type Milestone struct {
	Name     string   // reply, on-site
	At, Due  string   // columns: when it happened (epoch 0: not yet), its deadline
	AlsoEnds []string // columns whose instant also ends the obligation (a resolution ends the visit's)
}

// Milestones are the deadlines counted by the breach and past-due KPIs.
var Milestones = []Milestone{
	{"reply", "replied_at", "reply_due", nil},
	{"on-site", "onsite_at", "onsite_due", []string{"resolved_at"}},
}

// Pending is the condition of a request still owing m: deadline set,
// milestone not happened, not cancelled and not otherwise ended.
func (m Milestone) Pending() string {
	c := happened(m.Due) + " AND NOT " + happened(m.At) + " AND NOT " + happened("cancelled_at")
	for _, e := range m.AlsoEnds {
		c += " AND NOT " + happened(e)
	}
	return c
}

// PastDue is the catalog's breach condition of m (as in breaches_late_reply
// and breaches_late_onsite) with the as-of instant asOf, written as
// Scope.AsOf: the deadline passed on the contract's clock (a paused clock
// holds it) without the milestone, or the milestone came late.
func (m Milestone) PastDue(asOf string) string {
	return at(breached(m.At, m.Due, m.AlsoEnds...), asOf)
}

// LatePart is the catalog's condition of a late part line (as in
// breaches_late_parts) whose deadline and delivery (epoch 0: not yet) are
// the expressions due and delivered, with the as-of instant asOf, written as
// Scope.AsOf: delivered after its deadline, or undelivered past it.
func LatePart(due, delivered, asOf string) string {
	return "(" + at(latePart(due, delivered), asOf) + ")"
}

// Distribution is a business-hours measure of request_state whose
// percentiles are KPIs of the catalog, for histograms.
type Distribution struct {
	Name   string // reply, onsite, resolve
	Column string // the Float64 column of business hours
	Filter string // the requests that have a value (as in the KPIs' Expr)
}

// Distributions of the catalog's time KPIs (reply_hours_*, onsite_hours_*,
// resolve_hours_*).
var Distributions = []Distribution{
	{"reply", "reply_bh", happened("replied_at")},
	{"onsite", "onsite_bh", happened("onsite_at")},
	{"resolve", "resolve_bh", resolved},
}

// DistributionByName returns the distribution called name.
func DistributionByName(name string) Distribution {
	for _, d := range Distributions {
		if d.Name == name {
			return d
		}
	}
	panic("metrics: unknown distribution " + name)
}
