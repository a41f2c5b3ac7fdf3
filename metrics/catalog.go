package metrics

import (
	"fmt"
	"slices"
	"strings"
)

// Direction says which way a KPI improves.
type Direction string

// Directions.
const (
	HigherIsBetter Direction = "higher"
	LowerIsBetter  Direction = "lower"
	Informational  Direction = "none" // reported, no target, not scored
)

// Unit of a KPI value.
type Unit string

// Units.
const (
	Percent Unit = "percent" // 0..100
	Hours   Unit = "hours"   // business hours of the contract calendar
	Count   Unit = "count"
	Per100  Unit = "per_100_requests"
	Score   Unit = "score" // NPS −100..100; CES mean 1..7; evaluation 0..100
	CNY     Unit = "CNY"
)

// KPI is one definition of the catalog.
type KPI struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	TitleZH   string    `json:"title_zh"`
	Unit      Unit      `json:"unit"`
	Direction Direction `json:"direction"`
	// Target is the default target; a contract may override it. Ignored for
	// Informational KPIs.
	Target float64 `json:"target"`
	// Weight is the default weight in the evaluation score (0: not scored).
	Weight float64 `json:"weight"`
	// Floor is the lowest possible value (−100 for NPS, else 0): the
	// evaluation measures achievement from there to the target.
	Floor   float64 `json:"-"`
	Clause  string  `json:"clause"`
	Formula string  `json:"formula"`
	// Expr is the aggregate SQL over request_state rows; {asof} stands for the
	// as-of instant. Empty for a KPI derived from others (the evaluation score).
	Expr string `json:"-"`
}

// Reusable SQL fragments. Instants that have not happened are epoch 0.
const (
	asOf = "{asof}"
	// clockNow is "now" for deadlines: the as-of time, or the start of an open
	// pause, since deadlines do not pass while the clock is paused.
	clockNow = "if(toUInt32(paused_since) > 0, least(paused_since, " + asOf + "), " + asOf + ")"
	resolved = "toUInt32(resolved_at) > 0"
	ftfScope = resolved + " AND cause != 'user_misuse' AND planned_follow_up = 0"
)

func happened(col string) string { return "toUInt32(" + col + ") > 0" }

// latePart is a late part line, its deadline and delivery the expressions
// due and delivered: delivered after the deadline, or not delivered and the
// deadline passed. A disjunction: parenthesise it to AND it.
func latePart(due, delivered string) string {
	return "(" + happened(delivered) + " AND " + delivered + " > " + due + ") OR (toUInt32(" + delivered + ") = 0 AND " +
		due + " < " + asOf + ")"
}

// due counts a request for a milestone once it happened, or once its deadline
// passed without it while the request was still live (not cancelled, and for
// the visit, not resolved without one before the deadline).
func due(at, deadline string, alsoEnds ...string) string {
	live := "NOT (" + happened("cancelled_at") + " AND cancelled_at < " + deadline + ")"
	for _, e := range alsoEnds {
		live += " AND NOT (" + happened(e) + " AND " + e + " < " + deadline + ")"
	}
	return "(" + happened(deadline) + " AND (" + happened(at) + " OR (" + deadline + " < " + clockNow + " AND " + live + ")))"
}

func met(at, deadline string) string {
	return "(" + happened(deadline) + " AND " + happened(at) + " AND " + at + " <= " + deadline + ")"
}

func breached(at, deadline string, alsoEnds ...string) string {
	return "(" + due(at, deadline, alsoEnds...) + " AND NOT " + met(at, deadline) + ")"
}

// overdue: the deadline passed and the milestone has still not happened.
func overdue(at, deadline string, alsoEnds ...string) string {
	return "(NOT " + happened(at) + " AND " + due(at, deadline, alsoEnds...) + ")"
}

// warned: one of a promise's warnings has passed by now (the 75% warning
// never comes before the 50% one, so it need not be asked).
func warned(now, warn50, warnHours string) string {
	return "((" + happened(warn50) + " AND " + warn50 + " <= " + now + ") OR (" + happened(warnHours) + " AND " + warnHours + " <= " + now + "))"
}

// atRisk: the request is open and still owes m, a warning has passed and the
// deadline has not, on the contract's clock (clockNow: a pause holds both).
// It is the complement of breached up to the deadline: not yet late, but
// late at the deadline if nothing happens.
func atRisk(m Milestone) string {
	return "(status = 'open' AND " + m.Pending() + " AND " + warned(clockNow, m.Warn50, m.WarnHours) +
		" AND " + m.Due + " >= " + clockNow + ")"
}

// partAtRisk: a part line not delivered, a warning passed and the deadline
// not, as of the as-of instant (no pause holds a part's calendar days). A
// disjunction inside: parenthesise it to AND it.
func partAtRisk(due, delivered, warn50, warnHours string) string {
	return "toUInt32(" + delivered + ") = 0 AND " + warned(asOf, warn50, warnHours) + " AND " + due + " >= " + asOf
}

func rate(num, den string) string {
	return "100 * countIf(" + num + ") / countIf(" + den + ")"
}

// catalog lists every KPI, in the order reports show them. It is read
// through All and ByID only, so no caller can change a definition.
var catalog = []KPI{
	{ID: "reply_sla_rate", Title: "Reply SLA rate", TitleZH: "服务请求回复及时率", Unit: Percent, Direction: HigherIsBetter,
		Target: 95, Weight: 20, Clause: "2.3.1",
		Formula: "requests first answered within response_hours business hours ÷ requests due (answered, or past the reply deadline and not cancelled before it)",
		Expr:    rate(met("replied_at", "reply_due"), due("replied_at", "reply_due"))},
	{ID: "onsite_sla_rate", Title: "On-site / remote SLA rate", TitleZH: "到场或远程服务及时率", Unit: Percent, Direction: HigherIsBetter,
		Target: 90, Weight: 20, Clause: "2.3.1",
		Formula: "requests with a technician on site or remote service started within onsite_hours business hours ÷ requests due",
		Expr:    rate(met("onsite_at", "onsite_due"), due("onsite_at", "onsite_due", "resolved_at"))},
	{ID: "reply_hours_p50", Title: "Time to reply, median", TitleZH: "回复时长中位数", Unit: Hours, Direction: LowerIsBetter,
		Target: 2, Clause: "2.3.1", Formula: "median business hours from request to first reply (pauses excluded), answered requests",
		Expr: "quantileExactIf(0.5)(reply_bh, " + happened("replied_at") + ")"},
	{ID: "reply_hours_p90", Title: "Time to reply, p90", TitleZH: "回复时长90分位", Unit: Hours, Direction: LowerIsBetter,
		Target: 4, Clause: "2.3.1", Formula: "90th percentile of business hours to first reply",
		Expr: "quantileExactIf(0.9)(reply_bh, " + happened("replied_at") + ")"},
	{ID: "reply_hours_mean", Title: "Time to reply, mean", TitleZH: "平均回复时长", Unit: Hours, Direction: LowerIsBetter,
		Target: 2, Clause: "2.3.1", Formula: "mean business hours to first reply",
		Expr: "avgIf(reply_bh, " + happened("replied_at") + ")"},
	{ID: "onsite_hours_p50", Title: "Time to on site, median", TitleZH: "到场时长中位数", Unit: Hours, Direction: LowerIsBetter,
		Target: 12, Clause: "2.3.1", Formula: "median business hours from request to first visit (on site or remote)",
		Expr: "quantileExactIf(0.5)(onsite_bh, " + happened("onsite_at") + ")"},
	{ID: "onsite_hours_p90", Title: "Time to on site, p90", TitleZH: "到场时长90分位", Unit: Hours, Direction: LowerIsBetter,
		Target: 24, Clause: "2.3.1", Formula: "90th percentile of business hours to first visit",
		Expr: "quantileExactIf(0.9)(onsite_bh, " + happened("onsite_at") + ")"},
	{ID: "onsite_hours_mean", Title: "Time to on site, mean", TitleZH: "平均到场时长", Unit: Hours, Direction: LowerIsBetter,
		Target: 12, Clause: "2.3.1", Formula: "mean business hours to first visit",
		Expr: "avgIf(onsite_bh, " + happened("onsite_at") + ")"},
	{ID: "resolve_hours_p50", Title: "Time to resolve, median", TitleZH: "解决时长中位数", Unit: Hours, Direction: LowerIsBetter,
		Target: 24, Clause: "3.3", Formula: "median business hours from request to its final resolution, resolved requests",
		Expr: "quantileExactIf(0.5)(resolve_bh, " + resolved + ")"},
	{ID: "resolve_hours_p90", Title: "Time to resolve, p90", TitleZH: "解决时长90分位", Unit: Hours, Direction: LowerIsBetter,
		Target: 72, Clause: "3.3", Formula: "90th percentile of business hours to final resolution",
		Expr: "quantileExactIf(0.9)(resolve_bh, " + resolved + ")"},
	{ID: "resolve_hours_mean", Title: "Time to resolve, mean", TitleZH: "平均解决时长", Unit: Hours, Direction: LowerIsBetter,
		Target: 36, Clause: "3.3", Formula: "mean business hours to final resolution",
		Expr: "avgIf(resolve_bh, " + resolved + ")"},
	{ID: "first_time_fix_rate", Title: "First-time fix rate", TitleZH: "一次修复率", Unit: Percent, Direction: HigherIsBetter,
		Target: 85, Weight: 15, Clause: "3.3, 5.2",
		Formula: "resolved at the first visit, never reopened, no new request for the serial within 30 days ÷ resolved requests; excluded: user misuse, planned follow-up visits",
		Expr:    rate(ftfScope+" AND first_visit_fix = 1 AND reopened = 0 AND repeat_within_30d = 0", ftfScope)},
	{ID: "repeat_repair_rate", Title: "Repeat repair rate", TitleZH: "重复维修率", Unit: Percent, Direction: LowerIsBetter,
		Target: 5, Weight: 10, Clause: "5.1",
		Formula: "resolved requests whose serial came back with a new request within 30 days ÷ resolved requests",
		Expr:    rate(resolved+" AND repeat_within_30d = 1", resolved)},
	{ID: "parts_on_time_rate", Title: "Parts on-time rate", TitleZH: "配件及时送达率", Unit: Percent, Direction: HigherIsBetter,
		Target: 90, Weight: 10, Clause: "3.2.2",
		Formula: "part lines delivered within parts_days ÷ part lines delivered or past due (a line of a request cancelled before it was due is no longer owed)",
		Expr: "100 * sum(arrayCount((d, a) -> toUInt32(a) > 0 AND a <= d, part_due, part_delivered_at))" +
			" / sum(arrayCount((d, a) -> toUInt32(a) > 0 OR d < " + asOf + ", part_due, part_delivered_at))"},
	{ID: "parts_fill_rate", Title: "Parts fill rate", TitleZH: "配件现货满足率", Unit: Percent, Direction: HigherIsBetter,
		Target: 80, Clause: "3.2.2", Formula: "part lines served from stock at once ÷ part lines requested (a line of a request cancelled before it was due is no longer owed)",
		Expr: "100 * sum(arraySum(part_from_stock)) / sum(length(part_due))"},
	{ID: "csat", Title: "Customer satisfaction (CSAT)", TitleZH: "客户满意度", Unit: Percent, Direction: HigherIsBetter,
		Target: 90, Weight: 10, Clause: "5.3, 5.4", Formula: "survey answers rating 4 or 5 on 1–5 ÷ answers × 100",
		Expr: rate("csat >= 4", "csat >= 1")},
	{ID: "survey_response_rate", Title: "Survey response rate", TitleZH: "满意度调查回复率", Unit: Percent, Direction: HigherIsBetter,
		Target: 50, Clause: "5.4, 7.4", Formula: "resolved requests with a survey answer ÷ resolved requests",
		Expr: rate(resolved+" AND (csat >= 1 OR nps >= 0 OR ces >= 1)", resolved)},
	{ID: "nps", Title: "Net promoter score (NPS)", TitleZH: "净推荐值", Unit: Score, Direction: HigherIsBetter,
		Target: 30, Weight: 5, Floor: -100, Clause: "5.4", Formula: "% scoring 9–10 − % scoring 0–6, of answers on 0–10 (−100…+100)",
		Expr: "100 * (countIf(nps >= 9) - countIf(nps >= 0 AND nps <= 6)) / countIf(nps >= 0)"},
	{ID: "ces", Title: "Customer effort (CES, % easy)", TitleZH: "客户费力度(容易占比)", Unit: Percent, Direction: HigherIsBetter,
		Target: 70, Clause: "7.4", Formula: "answers 5–7 on the 1–7 effort scale (7 = very easy) ÷ answers × 100",
		Expr: rate("ces >= 5", "ces >= 1")},
	{ID: "ces_mean", Title: "Customer effort, mean", TitleZH: "客户费力度均值", Unit: Score, Direction: HigherIsBetter,
		Target: 5, Floor: 1, Clause: "7.4", Formula: "mean answer on the 1–7 effort scale",
		Expr: "avgIf(ces, ces >= 1)"},
	{ID: "complaint_rate", Title: "Complaint rate", TitleZH: "投诉率", Unit: Per100, Direction: LowerIsBetter,
		Target: 2, Weight: 5, Clause: "5.3", Formula: "complaints per 100 requests",
		Expr: "100 * sum(complaints) / count()"},
	{ID: "complaint_close_hours_p50", Title: "Time to close a complaint, median", TitleZH: "投诉处理时长中位数", Unit: Hours,
		Direction: LowerIsBetter, Target: 24, Clause: "5.3", Formula: "median business hours from complaint to its resolution, closed complaints",
		Expr: "quantileExactArray(0.5)(arrayFilter(x -> x >= 0, complaint_close_bh))"},
	{ID: "certified_visit_rate", Title: "Certified-technician rate", TitleZH: "持证技术人员服务率", Unit: Percent,
		Direction: HigherIsBetter, Target: 95, Weight: 5, Clause: "2.4.1",
		Formula: "visits by a technician with a valid qualification ÷ visits",
		Expr:    "100 * sum(certified_visits) / sum(visits)"},
	{ID: "in_warranty_share", Title: "Repairs free under warranty", TitleZH: "保修期内免费维修占比", Unit: Percent,
		Direction: Informational, Clause: "4.1, 4.3", Formula: "resolved requests in warranty or extended warranty ÷ resolved requests",
		Expr: rate(resolved+" AND warranty IN ('in_warranty', 'extended')", resolved)},
	{ID: "paid_fee_per_repair", Title: "Paid fees per out-of-warranty repair", TitleZH: "保外维修平均收费", Unit: CNY,
		Direction: Informational, Clause: "4.3, 6.2", Formula: "parts and labour fees of out-of-warranty repairs ÷ those repairs",
		// In cents, an exact integer sum: the daily rollup stores its sums
		// as Float64, which holds integers exactly but not decimal fractions.
		// (The value is toFloat64 of the decimal sum: ClickHouse converts a
		// Decimal(18, 2) by dividing its integer by 100, as this does.)
		Expr: "sumIf(toInt64((parts_fee + labour_fee) * 100), " + resolved + " AND warranty = 'out_of_warranty') / 100 / countIf(" + resolved + " AND warranty = 'out_of_warranty')"},
	{ID: "cause_quality_share", Title: "Faults from product quality", TitleZH: "产品质量原因占比", Unit: Percent,
		Direction: Informational, Clause: "8.2.1", Formula: "resolved requests caused by product quality ÷ resolved requests",
		Expr: rate(resolved+" AND cause = 'product_quality'", resolved)},
	{ID: "cause_misuse_share", Title: "Faults from user misuse", TitleZH: "用户使用不当原因占比", Unit: Percent,
		Direction: Informational, Clause: "8.2.2, 8.4", Formula: "resolved requests caused by user misuse ÷ resolved requests",
		Expr: rate(resolved+" AND cause = 'user_misuse'", resolved)},
	{ID: "cause_force_majeure_share", Title: "Faults from force majeure", TitleZH: "不可抗力原因占比", Unit: Percent,
		Direction: Informational, Clause: "8.2.2", Formula: "resolved requests caused by force majeure ÷ resolved requests",
		Expr: rate(resolved+" AND cause = 'force_majeure'", resolved)},
	{ID: "breaches_late_reply", Title: "Breaches: late reply", TitleZH: "违约:回复超时", Unit: Count, Direction: LowerIsBetter,
		Target: 0, Clause: "2.3.1, appendix 2", Formula: "requests answered after the reply deadline, or still unanswered past it",
		Expr: "countIf(" + breached("replied_at", "reply_due") + ")"},
	{ID: "breaches_late_onsite", Title: "Breaches: late on-site service", TitleZH: "违约:到场超时", Unit: Count, Direction: LowerIsBetter,
		Target: 0, Clause: "2.3.1, appendix 2", Formula: "requests visited after the on-site deadline, or still unvisited past it",
		Expr: "countIf(" + breached("onsite_at", "onsite_due", "resolved_at") + ")"},
	{ID: "breaches_late_parts", Title: "Breaches: late parts", TitleZH: "违约:配件超时", Unit: Count, Direction: LowerIsBetter,
		Target: 0, Clause: "3.2.2, appendix 2", Formula: "part lines delivered after parts_days, or undelivered past it",
		// Lambdas see only their arguments: ClickHouse 18.16 cannot resolve a
		// column named inside a lambda body alone ("Unknown identifier").
		Expr: "sum(arrayCount((d, a) -> " + latePart("d", "a") + ", part_due, part_delivered_at))"},
	{ID: "breaches_unqualified_staff", Title: "Breaches: unqualified staff", TitleZH: "违约:人员无资质", Unit: Count,
		Direction: LowerIsBetter, Target: 0, Clause: "2.4.1, appendix 2", Formula: "visits by a technician without a valid qualification",
		Expr: "sum(visits - certified_visits)"},
	{ID: "breaches_data_leak", Title: "Breaches: personal data", TitleZH: "违约:泄露用户信息", Unit: Count,
		Direction: LowerIsBetter, Target: 0, Clause: "9.2.1, appendix 1.4", Formula: "complaints of the privacy category",
		Expr: "sum(countEqual(complaint_category, 'privacy'))"},
	{ID: "open_past_due", Title: "Open requests past due", TitleZH: "超期未完成请求", Unit: Count, Direction: LowerIsBetter,
		Target: 0, Clause: "2.3.1", Formula: "open requests past their reply or on-site deadline without it",
		Expr: "countIf(status = 'open' AND (" + overdue("replied_at", "reply_due") + " OR " + overdue("onsite_at", "onsite_due", "resolved_at") + "))"},
	{ID: "at_risk", Title: "Open requests at risk", TitleZH: "临近超时预警请求", Unit: Count, Direction: Informational,
		Clause:  "2.3.1, 3.2.2",
		Formula: "open requests with a reply, on-site or part-line promise past a warning (50% or 75% of its budget, or warn_hours before the deadline) and not yet past its deadline",
		// Lambdas see only their arguments (18.16, as in breaches_late_parts).
		Expr: "countIf(" + atRisk(Milestones[0]) + " OR " + atRisk(Milestones[1]) + " OR (status = 'open' AND arrayCount((d, a, w, h) -> " +
			partAtRisk("d", "a", "w", "h") + ", part_due, part_delivered_at, part_warn_50, part_warn_hours) > 0))"},
	{ID: "requests", Title: "Requests opened", TitleZH: "服务请求数", Unit: Count, Direction: Informational,
		Clause: "9.3", Formula: "requests opened in the range", Expr: "count()"},
	{ID: EvaluationID, Title: "Evaluation score", TitleZH: "服务绩效评估得分", Unit: Score, Direction: HigherIsBetter,
		Target: 80, Clause: "11.2",
		Formula: "weighted mean of the scored KPIs' achievement of their targets × 100; ≥70 pass, ≥80 ★★★, ≥90 ★★★★, ≥95 ★★★★★"},
}

// EvaluationID is the id of the derived evaluation score.
const EvaluationID = "evaluation_score"

var byID = func() map[string]int {
	m := make(map[string]int, len(catalog))
	for i, k := range catalog {
		if _, dup := m[k.ID]; dup {
			panic(fmt.Sprintf("metrics: duplicate KPI id %q", k.ID))
		}
		m[k.ID] = i
	}
	return m
}()

// ByID returns the KPI with the given id.
func ByID(id string) (KPI, bool) {
	i, ok := byID[id]
	if !ok {
		return KPI{}, false
	}
	return catalog[i], true
}

// All returns every KPI of the catalog, in the order reports show them: a
// fresh copy, so that callers may filter or reorder it freely.
func All() []KPI { return slices.Clone(catalog) }

// Known reports whether id is in the catalog.
func Known(id string) bool { _, ok := byID[id]; return ok }

// IDs lists the catalog's ids, comma-separated, for error messages.
func IDs() string {
	ids := make([]string, len(catalog))
	for i, k := range catalog {
		ids[i] = k.ID
	}
	return strings.Join(ids, ", ")
}
