package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"servicepulse/metrics"
)

// PartnerBenchmarkUID is the uid of the partner benchmark.
const PartnerBenchmarkUID = "servicepulse-partner-benchmark"

// PartnerBenchmark puts every partner's KPIs side by side (clause 10.2,
// appendix 3), ranks the partners by evaluation score, and shows each one's
// spread against the median of the partners. For internal use: partners'
// own scorecards are anonymised reports, not this dashboard.
func PartnerBenchmark(ds Datasource) (Dashboard, error) {
	b := cohortBoard(PartnerBenchmarkUID, "ServicePulse · Partner benchmark",
		"Every partner's KPIs side by side, ranking and spread against the median (第三方服务商对标), requests opened in the time range. Internal: names partners.",
		"now-90d", ds)
	partner := []metrics.Dimension{metrics.ByPartner}
	eval := kpiByID(metrics.EvaluationID)[0]
	side := append(append(kpiByID("requests"), scored()...), kpiByID("reply_hours_p50", "resolve_hours_p50", "survey_response_rate")...)
	side = append(side, eval)

	title := "KPIs by partner"
	opts := sqlOptions{grade: true, orderBy: "k_" + metrics.EvaluationID + " DESC"}
	b.add(dimFields(kpiFields(table.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("各服务商绩效对比 — every partner's KPIs, cells green when the catalog target is met, red when not. "+describeAll(side)).
		Datasource(b.ds).
		WithTarget(b.kpiQuery(title, "A", side, partner, opts)).
		OverrideByName(gradeColumn, []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Grade"}}).
		Height(10).Span(24), side, true), partner))

	title = "Ranking by evaluation score"
	b.add(dimFields(barchart.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("服务商排名 — "+description(eval)).
		Datasource(b.ds).
		WithTarget(b.kpiQuery(title, "A", []metrics.KPI{eval}, partner, sqlOptions{orderBy: "k_" + metrics.EvaluationID + " DESC"})).
		XField("d_"+string(metrics.ByPartner)).
		Orientation(common.VizOrientationHorizontal).
		ShowValue(common.VisibilityModeAlways).
		Unit("none").Decimals(1).Min(0).Max(100).
		Thresholds(scoreThresholds()).
		ColorScheme(byThresholds()).
		OverrideByName("k_"+metrics.EvaluationID, []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Evaluation score"}}).
		Height(9).Span(10), partner))

	spread := scored()
	title = "Spread against the median of partners"
	spreadPanel := table.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("与中位数的差距 — each partner's value minus the median of the partners' values (quantileExact 0.5), in the KPI's unit (percentage points for rates). Green: better than the median. " + describeAll(spread)).
		Datasource(b.ds).
		WithTarget(b.query(title, "A", spreadSQL(spread, metrics.ByPartner, b.cohortOptions()),
			Table, Cohort, spreadColumns(spread, metrics.ByPartner)...)).
		Height(9).Span(14)
	for _, k := range spread {
		better := dashboard.Threshold{Color: "green"}
		steps := []dashboard.Threshold{{Color: "red"}, {Value: ptr(0.0), Color: "green"}}
		if k.Direction == metrics.LowerIsBetter {
			steps = []dashboard.Threshold{better, {Value: ptr(smallestAbove(0)), Color: "red"}}
		}
		u := unit(k)
		if k.Unit == metrics.Percent {
			u = "suffix: pp"
		}
		spreadPanel.OverrideByName("spread_"+k.ID, []dashboard.DynamicConfigValue{
			{Id: "displayName", Value: k.Title},
			{Id: "unit", Value: u},
			{Id: "decimals", Value: 1},
			{Id: "description", Value: description(k)},
			{Id: "thresholds", Value: mustThresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps))},
			{Id: "color", Value: map[string]string{"mode": string(dashboard.FieldColorModeIdThresholds)}},
			{Id: "custom.cellOptions", Value: map[string]string{"type": string(common.TableCellDisplayModeColorText)}},
		})
	}
	b.add(dimFields(spreadPanel, partner))

	title = "Evaluation score by partner and month"
	b.add(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("服务商绩效趋势 — " + description(eval) + " One series per partner, by the month the requests were opened.").
		Datasource(b.ds).
		WithTarget(b.kpiQuery(title, "A", []metrics.KPI{eval}, []metrics.Dimension{metrics.ByMonth, metrics.ByPartner}, sqlOptions{})).
		Unit("none").Min(0).Max(100).
		ShowPoints(common.VisibilityModeAlways).
		Height(9).Span(24))
	return b.build()
}
