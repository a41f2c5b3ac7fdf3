package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"servicepulse/metrics"
)

// ExecutiveOverviewUID is the uid of the executive overview.
const ExecutiveOverviewUID = "servicepulse-executive-overview"

// ExecutiveOverview shows the evaluation score and grade (clause 11.2), a
// tile per scored KPI coloured against its target, and their trend by month,
// for the requests opened in the time range. Its tiles compute exactly what
// `servicepulse kpi` prints for the same dates (catalog default targets).
func ExecutiveOverview(ds Datasource) (Dashboard, error) {
	b := cohortBoard(ExecutiveOverviewUID, "ServicePulse · Executive overview",
		"Evaluation score and KPIs against their targets for the requests opened in the time range (服务绩效评估). Generated from the KPI catalog; do not edit in Grafana.",
		"now-90d", ds)

	eval := kpiByID(metrics.EvaluationID)[0]
	b.row("Evaluation")
	b.add(stat.NewPanelBuilder().
		Id(b.id()).
		Title("Evaluation score and grade").
		Description(description(eval)+" Grades: ≥70 pass, ≥80 ★★★, ≥90 ★★★★, ≥95 ★★★★★. Catalog default targets and weights.").
		Datasource(b.ds).
		WithTarget(b.kpiQuery("Evaluation score and grade", "A", []metrics.KPI{eval}, nil, sqlOptions{grade: true})).
		Unit("none").Decimals(1).Min(0).Max(100).
		Thresholds(scoreThresholds()).
		ColorScheme(byThresholds()).
		ColorMode(common.BigValueColorModeBackground).
		GraphMode(common.BigValueGraphModeNone).
		TextMode(common.BigValueTextModeValueAndName).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Fields("/^(k_evaluation_score|grade)$/")).
		OverrideByName("k_"+metrics.EvaluationID, []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Score"}}).
		OverrideByName(gradeColumn, []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Grade"}}).
		NoValue("no data").
		Height(5).Span(12))
	b.kpiTile(kpiByID("requests")[0], 6)
	b.kpiTile(kpiByID("open_past_due")[0], 6)

	b.row("KPIs against targets")
	for _, k := range scored() {
		b.kpiTile(k, 6)
	}

	b.row("Trend by month")
	trend := sqlOptions{}
	month := []metrics.Dimension{metrics.ByMonth}
	b.add(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title("Evaluation score by month").
		Description(description(eval) + " By the month the requests were opened.").
		Datasource(b.ds).
		WithTarget(b.kpiQuery("Evaluation score by month", "A", []metrics.KPI{eval}, month, trend)).
		Unit("none").Min(0).Max(100).
		Thresholds(scoreThresholds()).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLineAndArea)).
		DrawStyle(common.GraphDrawStyleBars).FillOpacity(60).
		Height(8).Span(24))
	var rates, others []metrics.KPI
	for _, k := range scored() {
		if k.Unit == metrics.Percent {
			rates = append(rates, k)
		} else {
			others = append(others, k)
		}
	}
	b.add(kpiFields(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title("Scored rates by month").
		Description(describeAll(rates)).
		Datasource(b.ds).
		WithTarget(b.kpiQuery("Scored rates by month", "A", rates, month, trend)).
		Unit(unitPercent).Min(0).Max(100).
		ShowPoints(common.VisibilityModeAlways).
		Height(9).Span(16), rates, false))
	b.add(kpiFields(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title("NPS and complaint rate by month").
		Description(describeAll(others)).
		Datasource(b.ds).
		WithTarget(b.kpiQuery("NPS and complaint rate by month", "A", others, month, trend)).
		ShowPoints(common.VisibilityModeAlways).
		Height(9).Span(8), others, false))
	return b.build()
}

const unitPercent = "percent"
