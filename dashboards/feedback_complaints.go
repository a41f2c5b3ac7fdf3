package dashboards

import (
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"servicepulse/metrics"
)

// FeedbackComplaintsUID is the uid of the feedback and complaints dashboard.
const FeedbackComplaintsUID = "servicepulse-feedback-complaints"

// FeedbackComplaints shows CSAT, NPS and CES over time (clauses 5.3, 5.4,
// 7.4), the complaint rate and time to close, and complaints by category.
func FeedbackComplaints(ds Datasource) (Dashboard, error) {
	b := cohortBoard(FeedbackComplaintsUID, "ServicePulse · Feedback and complaints",
		"CSAT, NPS, CES over time, complaint rate and time to close, by category (客户满意度与投诉), for the requests opened in the time range.",
		"now-180d", ds)

	b.row("Satisfaction")
	for _, id := range []string{"csat", "nps", "ces", "ces_mean"} {
		b.kpiTile(kpiByID(id)[0], 6)
	}
	week := []metrics.Dimension{metrics.ByWeek}
	rates := kpiByID("csat", "ces", "survey_response_rate")
	b.add(kpiFields(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title("CSAT, CES and survey response by week").
		Description("满意度趋势 — "+describeAll(rates)+" By the week (Monday) the requests were opened.").
		Datasource(b.ds).
		WithTarget(b.kpiQuery("CSAT, CES and survey response by week", "A", rates, week, sqlOptions{})).
		Unit(unitPercent).Min(0).Max(100).
		ShowPoints(common.VisibilityModeAlways).
		Height(8).Span(12), rates, false))
	nps := kpiByID("nps", "ces_mean")
	b.add(kpiFields(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title("NPS and effort by week").
		Description("净推荐值趋势 — "+describeAll(nps)).
		Datasource(b.ds).
		WithTarget(b.kpiQuery("NPS and effort by week", "A", nps, week, sqlOptions{})).
		ShowPoints(common.VisibilityModeAlways).
		OverrideByName("k_ces_mean", []dashboard.DynamicConfigValue{{Id: "custom.axisPlacement", Value: "right"}}).
		Height(8).Span(12), nps, false))

	b.row("Complaints")
	complaints := kpiByID("complaint_rate", "complaint_close_hours_p50", "breaches_data_leak")
	for _, k := range append(kpiByID("survey_response_rate"), complaints...) {
		b.kpiTile(k, 6)
	}
	for _, k := range complaints[:2] {
		title := k.Title + " by week"
		b.add(kpiFields(timeseries.NewPanelBuilder().
			Id(b.id()).
			Title(title).
			Description(description(k)).
			Datasource(b.ds).
			WithTarget(b.kpiQuery(title, "A", []metrics.KPI{k}, week, sqlOptions{})).
			Thresholds(thresholds(k)).
			ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine)).
			ShowPoints(common.VisibilityModeAlways).
			Height(8).Span(12), []metrics.KPI{k}, false))
	}
	title := "Complaints by category"
	cols := []string{"category", "complaints", "per_100_requests", "close_hours_p50", "still_open"}
	b.add(table.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("投诉分类 — clause 5.3 (privacy: clause 9.2.1, appendix 1.4). Complaints about the requests of the time range by category: how many, per 100 requests, the median business hours to close the closed ones (as complaint_close_hours_p50), and how many are still open.").
		Datasource(b.ds).
		WithTarget(b.query(title, "A", complaintsByCategorySQL(b.cohortOptions()), Table, Cohort, cols...)).
		OverrideByName("category", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Category"}}).
		OverrideByName("complaints", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Complaints"}, {Id: "unit", Value: "short"}}).
		OverrideByName("per_100_requests", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Per 100 requests"}, {Id: "decimals", Value: 2}}).
		OverrideByName("close_hours_p50", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Time to close, median"}, {Id: "unit", Value: "h"}, {Id: "decimals", Value: 1}}).
		OverrideByName("still_open", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Still open"}, {Id: "unit", Value: "short"}}).
		Height(8).Span(24))
	return b.build()
}

// complaintsByCategorySQL lists the complaints about the cohort's requests
// by category: how many, per 100 requests (all the cohort's requests, as
// complaint_rate divides), the median hours to close the closed ones and
// how many are still open, the categories with complaints only, most
// first. The numbers are KPIs outside the catalog (metrics.ComplaintKPIs)
// and the catalog's requests, which the daily rollup answers. (Before, an
// ARRAY JOIN of every complaint of request_state and a second read for the
// requests: 1.0-1.2 s over a year of 10M.)
func complaintsByCategorySQL(opts sqlOptions) string {
	kpis := append(metrics.ComplaintKPIs(), kpiByID("requests")...)
	var names, counts, medians, open []string
	for i, c := range metrics.ComplaintClasses {
		names = append(names, metrics.Quote(c))
		counts = append(counts, "toUInt64(k_"+kpis[3*i].ID+")")
		open = append(open, "toUInt64(k_"+kpis[3*i+1].ID+")")
		medians = append(medians, "toFloat64(k_"+kpis[3*i+2].ID+")")
	}
	return "SELECT category, complaints, 100 * complaints / k_requests AS per_100_requests, close_hours_p50, still_open\nFROM (\n" +
		kpiSQL(kpis, nil, opts) + "\n)\nARRAY JOIN [" + strings.Join(names, ", ") + "] AS category, [" + strings.Join(counts, ", ") +
		"] AS complaints, [" + strings.Join(medians, ", ") + "] AS close_hours_p50, [" + strings.Join(open, ", ") + "] AS still_open\n" +
		"WHERE complaints > 0\nORDER BY complaints DESC, category"
}
