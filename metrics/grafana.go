package metrics

import (
	"slices"
	"strconv"
	"strings"
)

// This file writes the catalog's SQL for Grafana panels of the ClickHouse
// datasource plugin (grafana-clickhouse-datasource): the same KPI
// expressions as Query.SQL, with the cohort and the as-of time taken from
// the plugin's macros and the dashboard's variables instead of literals, so
// that a dashboard tile and `servicepulse kpi` compute the same number.

// GrafanaOptions shapes GrafanaSQL. The zero value selects the requests
// opened in the dashboard's time range, judged as of now.
type GrafanaOptions struct {
	// Cohort is the condition selecting the requests of the panel. Default:
	// GrafanaCohort, the requests opened on the dates of the dashboard's time
	// range, both ends included.
	Cohort string
	// AsOf is the SQL of the instant that deadlines are judged at ({asof} of
	// the catalog). Default: "now()", as `servicepulse kpi` without --as-of.
	AsOf string
	// Variables lists the dimensions filtered by the dashboard variable of
	// the same name; see VariableFilter. Default: none. Alert rules have no
	// variables.
	Variables []Dimension
	// Where is one more condition, ANDed. Default: none.
	Where string
	// OrderBy replaces the default order (the grouping columns).
	OrderBy string
	// Grade adds the grade (column "grade", as Grade) after the evaluation
	// score. A string column would split a time series, so it is asked for.
	Grade bool
}

// GrafanaCohort is the default cohort of a panel: requests opened on the
// dates of the dashboard's time range, both ends included. The plugin
// expands $__dateFilter(opened_date) to
// "opened_date >= toDate('2026-07-01') AND opened_date <= toDate('2026-09-30')",
// the dates of the range's ends in the plugin's time zone (UTC in the
// official image), which is the cohort of `kpi --from 2026-07-01 --to 2026-09-30`.
const GrafanaCohort = "$__dateFilter(opened_date)"

// GradeColumn is the column of the grade beside k_evaluation_score.
const GradeColumn = "grade"

// GrafanaVariables are the dimensions a dashboard can filter by, each with a
// variable of the same name.
var GrafanaVariables = []Dimension{ByPartner, ByContract, ByModel, ByRegion, ByChannel}

// VariableFilter is the condition of dashboard variable d (named like the
// dimension: partner, contract, model, region, channel), written with the
// plugin's $__conditionalAll so that "All" (or nothing selected) becomes
// 1=1 and any other selection "partner_id IN ('PT-A','PT-B')".
func VariableFilter(d Dimension) string {
	e, ok := dimExpr(d)
	if !ok || isPeriod(d) {
		panic("metrics: no variable for dimension " + string(d))
	}
	return "$__conditionalAll(" + e + " IN (${" + string(d) + ":singlequote}), $" + string(d) + ")"
}

// DimensionExpr is the SQL expression of a dimension over request_state.
func DimensionExpr(d Dimension) string {
	e, ok := dimExpr(d)
	if !ok {
		panic("metrics: unknown dimension " + string(d))
	}
	return e
}

// GrafanaWhere is the WHERE condition of opts: cohort, variables, extra.
func GrafanaWhere(opts GrafanaOptions) string {
	conds := []string{opts.Cohort}
	if conds[0] == "" {
		conds[0] = GrafanaCohort
	}
	for _, d := range opts.Variables {
		conds = append(conds, VariableFilter(d))
	}
	if opts.Where != "" {
		conds = append(conds, "("+opts.Where+")")
	}
	return strings.Join(conds, "\n  AND ")
}

// ResolvedCondition is the catalog's condition of a resolved request.
const ResolvedCondition = resolved

// ExprAt is k's expression with the as-of instant written as asOf (an SQL
// expression such as "now()").
func ExprAt(k KPI, asOf string) string {
	return strings.ReplaceAll(k.Expr, asOfPlaceholder, "("+asOf+")")
}

// asOfPlaceholder is the catalog's stand-in for the as-of instant.
const asOfPlaceholder = asOf

// GrafanaColumns lists the columns GrafanaSQL returns: d_<dimension> per
// grouping, k_<id> per KPI, and after k_evaluation_score its grade if asked.
func GrafanaColumns(kpis []KPI, by []Dimension, opts GrafanaOptions) []string {
	var cols []string
	for _, d := range by {
		cols = append(cols, "d_"+string(d))
	}
	for _, k := range kpis {
		cols = append(cols, "k_"+k.ID)
		if k.ID == EvaluationID && opts.Grade {
			cols = append(cols, GradeColumn)
		}
	}
	return cols
}

// GrafanaSQL is Query.SQL for a Grafana panel: the given KPIs over the
// requests selected by opts, grouped by by, one column per grouping
// (d_<dimension>) and per KPI (k_<id>), in the order given.
//
// The evaluation score may be asked for: it is computed in SQL from the
// scored KPIs with the catalog's default targets and weights, exactly as
// Evaluate does (the weights of KPIs without a value left out), optionally
// followed by its grade (opts.Grade). Contract overrides do not apply:
// they apply in `servicepulse kpi` only when grouped by contract.
//
// The SQL runs on ClickHouse 18.16 and current versions.
func GrafanaSQL(kpis []KPI, by []Dimension, opts GrafanaOptions) string {
	asOf := opts.AsOf
	if asOf == "" {
		asOf = "now()"
	}
	scored := slices.ContainsFunc(kpis, func(k KPI) bool { return k.ID == EvaluationID })
	need := kpis
	if scored {
		need = withScoreInputs(kpis)
	}
	var sel, group []string
	for _, d := range by {
		sel = append(sel, DimensionExpr(d)+" AS d_"+string(d))
		group = append(group, "d_"+string(d))
	}
	for _, k := range need {
		if k.Expr == "" {
			continue
		}
		sel = append(sel, ExprAt(k, asOf)+" AS k_"+k.ID)
	}
	inner := "SELECT " + strings.Join(sel, ",\n  ") + "\nFROM request_state FINAL\nWHERE " + GrafanaWhere(opts)
	if len(group) > 0 {
		inner += "\nGROUP BY " + strings.Join(group, ", ")
	}
	order := opts.OrderBy
	if order == "" {
		order = strings.Join(group, ", ")
	}
	if !scored {
		if order != "" {
			inner += "\nORDER BY " + order
		}
		return inner
	}
	// The score needs the KPI values, so it is computed one level up.
	var out []string
	for _, c := range GrafanaColumns(kpis, by, opts) {
		switch c {
		case "k_" + EvaluationID:
			out = append(out, ScoreSQL("k_")+" AS k_"+EvaluationID)
		case GradeColumn:
			out = append(out, GradeSQL("k_"+EvaluationID)+" AS "+GradeColumn)
		default:
			out = append(out, c)
		}
	}
	s := "SELECT " + strings.Join(out, ",\n  ") + "\nFROM (\n" + inner + "\n)"
	if order != "" {
		s += "\nORDER BY " + order
	}
	return s
}

// ScoreSQL is the evaluation score (Evaluate with the catalog's defaults) of
// the scored KPIs found in columns named prefix+id.
func ScoreSQL(prefix string) string {
	var sum, weights []string
	for _, k := range catalog {
		if k.Weight <= 0 || k.Expr == "" {
			continue
		}
		v := prefix + k.ID
		w := grafanaNum(k.Weight)
		sum = append(sum, "if(isNaN("+v+"), 0, "+w+" * "+achievementSQL(k, v)+")")
		weights = append(weights, "if(isNaN("+v+"), 0, "+w+")")
	}
	return "100 * (" + strings.Join(sum, " + ") + ") / (" + strings.Join(weights, " + ") + ")"
}

// achievementSQL is Achievement with the default target, for a value that
// is not NaN.
func achievementSQL(k KPI, v string) string {
	t, floor := grafanaNum(k.Target), grafanaNum(k.Floor)
	switch {
	case k.Direction == LowerIsBetter && k.Target <= 0:
		return "if(" + v + " <= " + t + ", 1, 0)"
	case k.Direction == LowerIsBetter:
		return "if(" + v + " <= " + t + ", 1, " + t + " / " + v + ")"
	case k.Target <= k.Floor:
		return "1"
	}
	return "greatest(0, least(1, (" + v + " - " + floor + ") / (" + t + " - " + floor + ")))"
}

// GradeSQL is Grade of the score in column score (empty for no value).
func GradeSQL(score string) string {
	return "multiIf(isNaN(" + score + "), '', " + score + " >= 95, '★★★★★', " + score + " >= 90, '★★★★', " +
		score + " >= 80, '★★★', " + score + " >= 70, 'pass', 'fail')"
}

// GrafanaUnpivotSQL computes the KPIs like GrafanaSQL without grouping and
// returns them as rows, one per KPI in the order given, with the columns
// kpi (the English title), clause and value (Float64): the shape of a bar
// chart of, say, breaches by clause.
func GrafanaUnpivotSQL(kpis []KPI, opts GrafanaOptions) string {
	var titles, clauses, values []string
	for _, k := range kpis {
		titles = append(titles, quote(k.Title))
		clauses = append(clauses, quote(k.Clause))
		values = append(values, "toFloat64(k_"+k.ID+")")
	}
	return "SELECT kpi, clause, value\nFROM (\n" + GrafanaSQL(kpis, nil, opts) + "\n)\nARRAY JOIN [" +
		strings.Join(titles, ", ") + "] AS kpi, [" + strings.Join(clauses, ", ") + "] AS clause, [" +
		strings.Join(values, ", ") + "] AS value"
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

// HistogramSQL counts the requests of d by business-hour bucket: bucket
// (a label such as "2–4 h", the last one "≥ 72 h") and requests, in the
// order of the bounds. Bounds are the buckets' upper ends, increasing.
func (d Distribution) HistogramSQL(bounds []float64, opts GrafanaOptions) string {
	var arms []string
	lo := "0"
	for _, b := range bounds {
		arms = append(arms, d.Column+" < "+grafanaNum(b)+", '"+lo+"–"+grafanaNum(b)+" h'")
		lo = grafanaNum(b)
	}
	label := "multiIf(" + strings.Join(arms, ", ") + ", '≥ " + lo + " h')"
	var order []string
	for i, b := range bounds {
		order = append(order, d.Column+" < "+grafanaNum(b)+", "+strconv.Itoa(i))
	}
	key := "multiIf(" + strings.Join(order, ", ") + ", " + strconv.Itoa(len(bounds)) + ")"
	opts.Where = grafanaAnd(opts.Where, d.Filter)
	return "SELECT " + label + " AS bucket, count() AS requests\nFROM request_state FINAL\nWHERE " + GrafanaWhere(opts) +
		"\nGROUP BY bucket, " + key + "\nORDER BY " + key
}

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
// and open_past_due) with the as-of instant asOf: the deadline passed on the
// contract's clock (a paused clock holds it) without the milestone.
func (m Milestone) PastDue(asOf string) string {
	return strings.ReplaceAll(breached(m.At, m.Due, m.AlsoEnds...), asOfPlaceholder, "("+asOf+")")
}

func grafanaAnd(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return "(" + a + ") AND (" + b + ")"
}

func grafanaNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// GrafanaSpreadSQL compares groups: for each group of by (one row each),
// every KPI's value minus the median of the groups' values (quantileExact
// at 0.5, as the catalog reads percentiles; groups without a value left
// out), in the KPI's unit. Columns: d_<by>, then spread_<id> per KPI.
func GrafanaSpreadSQL(kpis []KPI, by Dimension, opts GrafanaOptions) string {
	var arrays, medians, joins, out []string
	for _, k := range kpis {
		arrays = append(arrays, "groupArray(k_"+k.ID+") AS a_"+k.ID)
		medians = append(medians, "quantileExactIf(0.5)(k_"+k.ID+", NOT isNaN(k_"+k.ID+")) AS m_"+k.ID)
		joins = append(joins, "a_"+k.ID+" AS v_"+k.ID)
		out = append(out, "v_"+k.ID+" - m_"+k.ID+" AS spread_"+k.ID)
	}
	g := "d_" + string(by)
	opts.OrderBy = ""
	return "SELECT " + g + ",\n  " + strings.Join(out, ",\n  ") + "\nFROM (\nSELECT groupArray(" + g + ") AS groups,\n  " +
		strings.Join(arrays, ",\n  ") + ",\n  " + strings.Join(medians, ",\n  ") + "\nFROM (\n" +
		GrafanaSQL(kpis, []Dimension{by}, opts) + "\n)\n)\nARRAY JOIN groups AS " + g + ", " + strings.Join(joins, ", ") +
		"\nORDER BY " + g
}

// GrafanaSpreadColumns lists the columns of GrafanaSpreadSQL.
func GrafanaSpreadColumns(kpis []KPI, by Dimension) []string {
	cols := []string{"d_" + string(by)}
	for _, k := range kpis {
		cols = append(cols, "spread_"+k.ID)
	}
	return cols
}
