package metrics

import (
	"strconv"
	"strings"
)

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
	// Warn50, Warn75 and WarnHours are the columns of its warning instants
	// (docs/warnings.md; epoch 0: none); RunsFrom and RunsTo the arrays of
	// the spans its clock runs in up to the deadline.
	Warn50, Warn75, WarnHours string
	RunsFrom, RunsTo          string
}

// Milestones are the deadlines counted by the breach and past-due KPIs.
var Milestones = []Milestone{
	{Name: "reply", At: "replied_at", Due: "reply_due",
		Warn50: "reply_warn_50", Warn75: "reply_warn_75", WarnHours: "reply_warn_hours",
		RunsFrom: "reply_runs_from", RunsTo: "reply_runs_to"},
	{Name: "on-site", At: "onsite_at", Due: "onsite_due", AlsoEnds: []string{"resolved_at"},
		Warn50: "onsite_warn_50", Warn75: "onsite_warn_75", WarnHours: "onsite_warn_hours",
		RunsFrom: "onsite_runs_from", RunsTo: "onsite_runs_to"},
}

// AtRisk is the catalog's at-risk condition of m (as in at_risk) with the
// as-of instant asOf, written as Scope.AsOf: the request is open and still
// owes m, one of its warnings has passed on the contract's clock and its
// deadline has not (a paused clock holds both). At the deadline instant a
// promise is still at risk; a moment later it is a breach (PastDue).
func (m Milestone) AtRisk(asOf string) string {
	return at(atRisk(m), asOf)
}

// HoursLeft is the SQL of the business hours left to m's deadline as of
// asOf, written as Scope.AsOf, on its clock (an open pause holds it at its
// start, as the deadline is held): Σ max(0, to − max(from, now)) over the
// stored runs. No calendar arithmetic, so every reader gets the same number.
// The arrays go to the lambda as arguments: 18.16 cannot resolve a column
// named inside a lambda body alone, hence replicate for now.
func (m Milestone) HoursLeft(asOf string) string {
	return at("(arraySum(arrayMap((f, t, n) -> greatest(toInt64(t) - toInt64(greatest(f, n)), 0), "+
		m.RunsFrom+", "+m.RunsTo+", replicate("+clockNow+", "+m.RunsFrom+"))) / 3600)", asOf)
}

// WarnHoursLevel is the level WarnLevel names the warn_hours warning by.
const WarnHoursLevel = "warn_hours"

// Level is the SQL of the latest warning of m reached as of asOf, written
// as Scope.AsOf, on its clock: '50%', '75%', 'warn_hours' (WarnHoursLevel),
// or ” before any. Equal instants go to the later of that order.
func (m Milestone) Level(asOf string) string {
	return at(warnLevel(m.Warn50, m.Warn75, m.WarnHours, clockNow), asOf)
}

// PartLevel is Level for a part line whose warning instants are the
// expressions warn50, warn75 and warnHours, as of asOf (no pause holds it).
func PartLevel(warn50, warn75, warnHours, asOf string) string {
	return warnLevel(warn50, warn75, warnHours, asOf)
}

func warnLevel(w50, w75, wh, now string) string {
	reached := func(w string) string { return "(" + happened(w) + " AND " + w + " <= " + now + ")" }
	// 75% never comes before 50%; warn_hours may come before either.
	return "multiIf(" + reached(wh) + " AND (NOT " + reached(w75) + " OR " + wh + " >= " + w75 + ") AND (NOT " + reached(w50) + " OR " + wh + " >= " + w50 + "), '" +
		WarnHoursLevel + "', " + reached(w75) + ", '75%', " + reached(w50) + ", '50%', '')"
}

// PartHoursLeft is the SQL of the elapsed hours left to a part line's
// deadline due as of asOf: its promise counts calendar days.
func PartHoursLeft(due, asOf string) string {
	return "((toInt64(" + due + ") - toInt64(" + asOf + ")) / 3600)"
}

// PartAtRisk is the catalog's at-risk condition of a part line (as in
// at_risk) whose deadline, delivery, 50% warning and warn_hours warning are
// the expressions due, delivered, warn50 and warnHours, with the as-of
// instant asOf: undelivered, a warning passed, the deadline not. Parts count
// elapsed time, so no pause holds them. The request must also be open.
func PartAtRisk(due, delivered, warn50, warnHours, asOf string) string {
	return "(" + at(partAtRisk(due, delivered, warn50, warnHours), asOf) + ")"
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
	// Buckets are the upper ends of its histogram's buckets, increasing
	// (none: no histogram). Each bucket's count is a sum of the daily
	// rollup (BucketKPIs), so the bounds are part of its terms.
	Buckets []float64
}

// Distributions of the catalog's time KPIs (reply_hours_*, onsite_hours_*,
// resolve_hours_*).
var Distributions = []Distribution{
	{"reply", "reply_bh", happened("replied_at"), []float64{1, 2, 4, 8, 16, 24, 48, 72}},
	{"onsite", "onsite_bh", happened("onsite_at"), nil},
	{"resolve", "resolve_bh", resolved, []float64{4, 8, 16, 24, 48, 72, 120, 240}},
}

// BucketKPIs are the counts of d's histogram, one per bucket in order of
// its bounds, as KPIs outside the catalog (ID bucket_<name>_<i>, Title the
// bucket's label: "0–1 h", …, the last "≥ 72 h"): the requests with a value
// from the bucket's lower bound, included, to its upper one (none without
// Buckets). They are
// additive, so a histogram reads the daily rollup.
func (d Distribution) BucketKPIs() []KPI {
	if len(d.Buckets) == 0 {
		return nil
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	var out []KPI
	lo := 0.0
	for i := 0; i <= len(d.Buckets); i++ {
		cond, label := d.Column+" >= "+num(lo), num(lo)+"–"
		if i == 0 { // every value below the first bound, as the buckets were counted before
			cond = ""
		}
		if i < len(d.Buckets) {
			cond, label = strings.TrimPrefix(cond+" AND ", " AND ")+d.Column+" < "+num(d.Buckets[i]), label+num(d.Buckets[i])+" h"
		} else {
			label = "≥ " + num(lo) + " h"
		}
		out = append(out, KPI{ID: "bucket_" + d.Name + "_" + strconv.Itoa(i), Title: label, Unit: Count, Direction: Informational,
			Expr: "countIf(" + d.Filter + " AND " + cond + ")"})
		if i < len(d.Buckets) {
			lo = d.Buckets[i]
		}
	}
	return out
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

// Warranties are the warranty statuses a resolution records, in order
// (transform validates the same set; TestWarrantiesAreTransforms).
var Warranties = []string{"extended", "in_warranty", "out_of_warranty"}

// WarrantyKPIs are, for each warranty status of Warranties, the resolved
// requests, their parts fees and their labour fees (yuan), as KPIs outside
// the catalog (IDs warranty_<status>_repairs, _parts_fees, _labour_fees):
// sums of the daily rollup, so the warranty mix reads it. Fees are summed
// in cents, as paid_fee_per_repair sums them, so that the sums are integers
// a Float64 holds exactly: divided by 100, each is the Float64 nearest the
// exact sum, as toFloat64 of the Decimal sum gives.
func WarrantyKPIs() []KPI {
	var out []KPI
	for _, w := range Warranties {
		c := resolved + " AND warranty = '" + w + "'"
		out = append(out,
			KPI{ID: "warranty_" + w + "_repairs", Title: w, Unit: Count, Direction: Informational, Expr: "countIf(" + c + ")"},
			KPI{ID: "warranty_" + w + "_parts_fees", Title: w, Unit: CNY, Direction: Informational, Expr: "sumIf(toInt64(parts_fee * 100), " + c + ") / 100"},
			KPI{ID: "warranty_" + w + "_labour_fees", Title: w, Unit: CNY, Direction: Informational, Expr: "sumIf(toInt64(labour_fee * 100), " + c + ") / 100"})
	}
	return out
}

// ComplaintClasses are the categories a complaint records, in order
// (transform validates the same set; TestComplaintClassesAreTransforms).
var ComplaintClasses = []string{"attitude", "billing", "delay", "other", "privacy", "quality"}

// ComplaintKPIs are, for each category of ComplaintClasses, its
// complaints, those still open, and the median business hours to close
// the closed ones (as complaint_close_hours_p50), as KPIs outside the
// catalog (IDs complaints_<category>, _open, _close_hours_p50): the
// rollup's sums and samples, so the complaints by category read it.
func ComplaintKPIs() []KPI {
	var out []KPI
	for _, c := range ComplaintClasses {
		q := "'" + c + "'"
		out = append(out,
			KPI{ID: "complaints_" + c, Title: c, Unit: Count, Direction: Informational,
				Expr: "sum(countEqual(complaint_category, " + q + "))"},
			KPI{ID: "complaints_" + c + "_open", Title: c, Unit: Count, Direction: Informational,
				Expr: "sum(arrayCount((k, h) -> k = " + q + " AND h < 0, complaint_category, complaint_close_bh))"},
			KPI{ID: "complaints_" + c + "_close_hours_p50", Title: c, Unit: Hours, Direction: Informational,
				Expr: "quantileExactArray(0.5)(arrayFilter((h, k) -> h >= 0 AND k = " + q + ", complaint_close_bh, complaint_category))"})
	}
	return out
}
