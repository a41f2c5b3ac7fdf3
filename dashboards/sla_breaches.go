package dashboards

import (
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"servicepulse/metrics"
)

// SLABreachesUID is the uid of the live SLA and breaches dashboard.
const SLABreachesUID = "servicepulse-sla-breaches"

// SLABreaches is the live view of clause 2.3.1 and appendix 2: SLA rates,
// the open promises at risk (past a warning) or past due, breaches by clause, and the
// time-to-reply and time-to-resolve distributions in business hours.
// Deadlines are judged as of now; the clock of a paused request is held.
func SLABreaches(ds Datasource) (Dashboard, error) {
	b := cohortBoard(SLABreachesUID, "ServicePulse · SLA and breaches (live)",
		"Reply, on-site and parts SLA rates, open promises at risk or past their deadline, breaches by clause (服务时效与违约), for the requests opened in the time range, judged as of now.",
		"now-30d", ds)
	b.db.Refresh("1m")

	b.row("SLA rates")
	for _, id := range []string{"reply_sla_rate", "onsite_sla_rate", "parts_on_time_rate", "open_past_due", "at_risk"} {
		b.kpiTile(kpiByID(id)[0], 6)
	}

	b.row("Open promises at risk or past due")
	cols := []string{"request_id", "partner_id", "contract_id", "region", "channel", "opened_at", "promise", "level", "due_at", "hours_left", "past_due", "paused"}
	title := "Open promises at risk or past due"
	b.add(table.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("临近超时预警与已超时的服务承诺 — clauses 2.3.1, 3.2.2 (docs/warnings.md). The reply, on-site and part-line promises of the open requests of the time range that are past due (as the breach KPIs count them: a paused clock holds the deadline) or at risk: past a warning the refresher stored — 50% or 75% of the budget, or the contract's warn_hours before the deadline — on the contract's own calendar (PRC holidays and make-up working days). The at_risk tile, `servicepulse breaches --at-risk` and the at-risk alert count the same promises. Level: the latest warning reached. Hours left: business hours on the contract clock (elapsed hours for a part line, whose promise counts calendar days), from the stored clock runs; 0 once past due.").
		Datasource(b.ds).
		WithTarget(b.query(title, "A", openDeadlinesSQL(b.cohortOptions()), Table, Cohort, cols...)).
		OverrideByName("hours_left", []dashboard.DynamicConfigValue{
			{Id: "displayName", Value: "Hours left"},
			{Id: "unit", Value: "h"},
			{Id: "decimals", Value: 1},
			{Id: "thresholds", Value: mustThresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps([]dashboard.Threshold{
				{Color: "red"}, {Value: ptr(0.0), Color: "orange"}, {Value: ptr(2.0), Color: "yellow"}}))},
			{Id: "color", Value: map[string]string{"mode": string(dashboard.FieldColorModeIdThresholds)}},
			{Id: "custom.cellOptions", Value: map[string]string{"type": string(common.TableCellDisplayModeColorBackground)}},
		}).
		OverrideByName("past_due", []dashboard.DynamicConfigValue{
			{Id: "displayName", Value: "Past due"},
			{Id: "mappings", Value: []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{Type: dashboard.MappingTypeValueToText,
				Options: map[string]dashboard.ValueMappingResult{"0": {Text: ptr("at risk"), Color: ptr("orange")}, "1": {Text: ptr("past due"), Color: ptr("red")}}}}}},
		}).
		Height(10).Span(24))

	b.row("Breaches")
	breaches := kpiByID("breaches_late_reply", "breaches_late_onsite", "breaches_late_parts", "breaches_unqualified_staff", "breaches_data_leak")
	b.add(barchart.NewPanelBuilder().
		Id(b.id()).
		Title("Breaches by clause").
		Description("违约次数(按条款) — appendix 2. "+describeAll(breaches)).
		Datasource(b.ds).
		WithTarget(b.query("Breaches by clause", "A", unpivotSQL(breaches, b.cohortOptions()), Table, Cohort, "kpi", "clause", "value")).
		XField("kpi").
		Orientation(common.VizOrientationHorizontal).
		ShowValue(common.VisibilityModeAlways).
		Unit("short").Decimals(0).
		ColorScheme(dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdFixed).FixedColor("red")).
		OverrideByName("value", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Breaches"}}).
		Height(8).Span(10))
	week := []metrics.Dimension{metrics.ByWeek}
	b.add(kpiFields(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title("Breaches by week opened").
		Description("违约趋势 — "+describeAll(breaches)).
		Datasource(b.ds).
		WithTarget(b.kpiQuery("Breaches by week opened", "A", breaches, week, sqlOptions{})).
		DrawStyle(common.GraphDrawStyleBars).FillOpacity(70).
		Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal)).
		Unit("short").Decimals(0).
		Height(8).Span(14), breaches, false))

	b.row("Time to reply and resolve (business hours)")
	for _, id := range []string{"reply_hours_p50", "reply_hours_p90", "resolve_hours_p50", "resolve_hours_p90"} {
		b.kpiTile(kpiByID(id)[0], 6)
	}
	b.histogram("Time to reply, distribution", "回复时长分布 — clause 2.3.1. Answered requests by business hours from request to first reply (pauses excluded), on the contract's calendar.", metrics.DistributionByName("reply"))
	b.histogram("Time to resolve, distribution", "解决时长分布 — clause 3.3. Resolved requests by business hours from request to final resolution (pauses excluded).", metrics.DistributionByName("resolve"))
	return b.build()
}

// histogram is a bar chart of a business-hours distribution.
func (b *board) histogram(title, desc string, d metrics.Distribution) {
	sql := histogramSQL(d, b.cohortOptions())
	b.add(barchart.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description(desc).
		Datasource(b.ds).
		WithTarget(b.query(title, "A", sql, Table, Cohort, "bucket", "requests")).
		XField("bucket").
		ShowValue(common.VisibilityModeAuto).
		Unit("short").Decimals(0).
		OverrideByName("requests", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Requests"}}).
		Height(8).Span(12))
}

// openDeadlinesSQL lists, per promise, the open requests still owing it
// that are past due or at risk, with the catalog's own conditions
// (metrics.Milestone PastDue and AtRisk, LatePart and PartAtRisk), the
// level the warnings stored by the refresher reached and the hours left
// from the stored clock runs: the numbers of `breaches --at-risk`.
//
// One read of the open requests: each gets an array of its promises (the
// milestones, then its part lines) that ARRAY JOIN unrolls. A UNION ALL of
// one query per promise read request_state once per promise, 10.7 s over
// a year of 10M requests (BENCHMARKS.md). The open requests come from the
// copy each build of the daily rollup keeps of them where it is current
// (metrics.OpenSource): reading every state of a year with FINAL to keep
// the open ones took 3.2 s over 10M requests.
func openDeadlinesSQL(opts sqlOptions) string {
	scope := opts.scope()
	asOf := scope.AsOf
	var keep, promise, level, due, left, past, paused []string
	for _, m := range metrics.Milestones {
		p := m.PastDue(asOf)
		keep = append(keep, "toUInt8("+m.Pending()+" AND ("+p+" OR "+m.AtRisk(asOf)+"))")
		promise = append(promise, "'"+m.Name+"'")
		level = append(level, "if("+p+", 'past due', "+m.Level(asOf)+")")
		due = append(due, m.Due)
		left = append(left, "round(toFloat64("+m.HoursLeft(asOf)+"), 2)")
		past = append(past, "toUInt8("+p+")")
		paused = append(paused, "toUInt8(toUInt32(paused_since) > 0)")
	}
	late := metrics.LatePart("d", "a", asOf)
	line := func(milestones []string, params, expr, arrays string) string {
		return "arrayConcat([" + strings.Join(milestones, ", ") + "], arrayMap((" + params + ") -> " + expr + ", " + arrays + "))"
	}
	keepPart, partArrays := "toUInt8(toUInt32(a) = 0 AND ("+late+" OR "+metrics.PartAtRisk("d", "a", "w50", "wh", asOf)+"))",
		"part_due, part_delivered_at, part_warn_50, part_warn_hours"
	// The open requests, then those with a promise to list, then their
	// arrays: a WHERE evaluates every condition on every row, so each is
	// asked only of the rows the one before kept.
	listed := strings.Join(keep, " OR ") + " OR arrayExists((d, a, w50, wh) -> " + keepPart + ", " + partArrays + ")"
	return "SELECT request_id, partner_id, contract_id, region, channel, opened_at, promise, level, due_at, hours_left, past_due, paused\n" +
		"FROM (\nSELECT * FROM " + metrics.OpenSource(scope) + "\nWHERE " + listed + "\n)\nARRAY JOIN\n  " +
		strings.Join([]string{
			line(keep, "d, a, w50, wh", keepPart, partArrays) + " AS keep",
			line(promise, "i", "concat('part line ', toString(i))", "arrayEnumerate(part_due)") + " AS promise",
			line(level, "d, a, w50, w75, wh", "if("+late+", 'past due', "+metrics.PartLevel("w50", "w75", "wh", asOf)+")",
				"part_due, part_delivered_at, part_warn_50, part_warn_75, part_warn_hours") + " AS level",
			"arrayConcat([" + strings.Join(due, ", ") + "], part_due) AS due_at",
			line(left, "d", "round(toFloat64(greatest("+metrics.PartHoursLeft("d", asOf)+", 0)), 2)", "part_due") + " AS hours_left",
			line(past, "d, a", "toUInt8("+late+")", "part_due, part_delivered_at") + " AS past_due",
			line(paused, "d", "toUInt8(0)", "part_due") + " AS paused",
		}, ",\n  ") +
		"\nWHERE keep = 1\nORDER BY past_due DESC, hours_left, due_at\nLIMIT 500"
}

func mustThresholds(b *dashboard.ThresholdsConfigBuilder) dashboard.ThresholdsConfig {
	t, err := b.Build()
	if err != nil {
		panic(err)
	}
	return t
}
