package dashboards

import (
	"fmt"
	"math"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/units"

	"servicepulse/metrics"
)

// PanelQuery is one SQL query of a dashboard (a panel's target or a
// variable's query) or of an alert rule, with what it must return: tests
// run every one of them with the plugin's macros expanded.
type PanelQuery struct {
	Dashboard string // dashboard uid, or AlertRulesUID for alert rules
	Panel     string // panel title, "variable <name>" or "alert <uid>"
	RefID     string
	SQL       string
	Format    Format
	// Columns are the result's columns, in order, that the panel's field
	// overrides and the alert's reduce step name.
	Columns []string
	// TimeColumn is what the dashboard's time range filters: opened_date
	// (the cohort of requests), or the ingest time of the pipeline's rows.
	TimeColumn string
}

// Cohort is PanelQuery.TimeColumn of queries over the requests opened in
// the time range.
const Cohort = "opened_date"

// board accumulates one dashboard: its builder and its queries.
type board struct {
	uid string
	ds  common.DataSourceRef
	// database is the datasource's: the daily rollup's queries name it
	// (metrics.Scope.Database).
	database string
	db       *dashboard.DashboardBuilder
	queries  []PanelQuery
	prom     []PromQuery
	panelID  uint32
	err      error
}

func newBoard(uid, title, description string, ds Datasource) *board {
	db := dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{"servicepulse", "generated"}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Link(dashboard.NewDashboardLinkBuilder("ServicePulse").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{"servicepulse"}).
			AsDropdown(true).
			IncludeVars(true).
			KeepTime(true))
	return &board{uid: uid, ds: ds.Ref(), database: ds.Database, db: db}
}

// cohortBoard is a dashboard over request_state: UTC days (so the dates of
// the range are the cohort's dates, see dateCohort), and the five
// dimension variables.
func cohortBoard(uid, title, description, from string, ds Datasource) *board {
	b := newBoard(uid, title, description, ds)
	b.db.Timezone(common.TimeZoneUtc).Time(from, "now").Refresh("5m")
	for _, d := range filterDimensions {
		b.variable(d)
	}
	return b
}

var variableLabels = map[metrics.Dimension]string{
	metrics.ByPartner: "Partner", metrics.ByContract: "Contract", metrics.ByModel: "Product model",
	metrics.ByRegion: "Region", metrics.ByChannel: "Channel",
}

// variable adds the multi-value variable of dimension d, All by default,
// listing the values found in request_state (read from the daily rollup
// where it is built: SELECT DISTINCT over 10M states took 0.11–0.15 s, five
// variables a dashboard).
func (b *board) variable(d metrics.Dimension) {
	col := metrics.DimensionExpr(d)
	sql := metrics.DistinctSQL(d, b.database)
	b.queries = append(b.queries, PanelQuery{Dashboard: b.uid, Panel: "variable " + string(d), RefID: string(d),
		SQL: sql, Format: Table, Columns: []string{col}})
	all := "$__all"
	allText := "All"
	b.db.WithVariable(dashboard.NewQueryVariableBuilder(string(d)).
		Label(variableLabels[d]).
		Datasource(b.ds).
		// An object, not a string: the plugin's newer variable support runs
		// query.rawSql; editorType and queryType "sql" satisfy the checks of
		// its earlier versions' metricFindQuery.
		Query(dashboard.StringOrMap{Map: map[string]any{"refId": "var-" + string(d), "editorType": "sql", "queryType": "sql", "rawSql": sql}}).
		Definition(sql).
		Multi(true).
		IncludeAll(true).
		Current(dashboard.VariableOption{
			Text:  dashboard.StringOrArrayOfString{ArrayOfString: []string{allText}},
			Value: dashboard.StringOrArrayOfString{ArrayOfString: []string{all}},
		}).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc))
}

// query registers a panel's target and returns it.
func (b *board) query(panel, refID, sql string, f Format, timeColumn string, columns ...string) Query {
	b.queries = append(b.queries, PanelQuery{Dashboard: b.uid, Panel: panel, RefID: refID, SQL: sql,
		Format: f, Columns: columns, TimeColumn: timeColumn})
	return newQuery(b.ds, refID, sql, f)
}

// cohortOptions are the options of a panel over the board's cohort: every
// dimension variable, and the datasource's database for the daily rollup.
func (b *board) cohortOptions() sqlOptions {
	return sqlOptions{variables: filterDimensions, database: b.database}
}

// kpiQuery registers kpiSQL of kpis grouped by by, over the cohort
// filtered by every variable.
func (b *board) kpiQuery(panel, refID string, kpis []metrics.KPI, by []metrics.Dimension, opts sqlOptions) Query {
	opts.database = b.database
	opts.variables = filterDimensions
	return b.query(panel, refID, kpiSQL(kpis, by, opts), formatFor(by), Cohort, kpiColumns(kpis, by, opts)...)
}

// formatFor is TimeSeries when grouped by a period, else Table.
func formatFor(by []metrics.Dimension) Format {
	for _, d := range by {
		switch d {
		case metrics.ByDay, metrics.ByWeek, metrics.ByMonth, metrics.ByQuarter:
			return TimeSeries
		}
	}
	return Table
}

func (b *board) id() uint32 { b.panelID++; return b.panelID }

// add appends a panel built by p.
func (b *board) add(p cog.Builder[dashboard.Panel]) { b.db.WithPanel(p) }

// row starts a row of panels.
func (b *board) row(title string) {
	b.db.WithRow(dashboard.NewRowBuilder(title).Id(b.id()))
}

// build returns the dashboard.
func (b *board) build() (Dashboard, error) {
	model, err := b.db.Build()
	if err != nil {
		return Dashboard{}, fmt.Errorf("build dashboard %s: %w", b.uid, err)
	}
	linkRequests(&model, b.queries)
	return Dashboard{UID: b.uid, Title: *model.Title, Model: model, Queries: b.queries, PromQueries: b.prom}, nil
}

// kpiByID returns catalog KPIs; an unknown id is a programming error.
func kpiByID(ids ...string) []metrics.KPI {
	out := make([]metrics.KPI, len(ids))
	for i, id := range ids {
		k, ok := metrics.ByID(id)
		if !ok {
			panic("dashboards: unknown KPI " + id)
		}
		out[i] = k
	}
	return out
}

// scored lists the KPIs with an evaluation weight, in catalog order.
func scored() []metrics.KPI {
	var out []metrics.KPI
	for _, k := range metrics.All() {
		if k.Weight > 0 && k.Expr != "" {
			out = append(out, k)
		}
	}
	return out
}

// unit is the Grafana unit of a KPI.
func unit(k metrics.KPI) string {
	switch k.Unit {
	case metrics.Percent:
		return units.Percent
	case metrics.Hours:
		return units.Hours
	case metrics.Count:
		return units.Short
	case metrics.Per100:
		return "suffix: /100 req"
	case metrics.CNY:
		return "prefix:¥"
	}
	return units.NoUnit
}

// description puts the Chinese title first, then the clause, the formula and
// the target, for the panel's (i) tooltip.
func description(k metrics.KPI) string {
	s := k.TitleZH + " — clause " + k.Clause + ". " + k.Formula + "."
	switch k.Direction {
	case metrics.HigherIsBetter:
		s += fmt.Sprintf(" Target ≥ %s (green when met, red when not).", num(k.Target))
	case metrics.LowerIsBetter:
		s += fmt.Sprintf(" Target ≤ %s (green when met, red when not).", num(k.Target))
	}
	return s
}

func describeAll(kpis []metrics.KPI) string {
	parts := make([]string, len(kpis))
	for i, k := range kpis {
		parts[i] = k.Title + ": " + k.TitleZH + " (clause " + k.Clause + ")"
	}
	return strings.Join(parts, "; ") + "."
}

func num(f float64) string { return fmt.Sprintf("%g", f) }

func ptr[T any](v T) *T { return &v }

// smallestAbove is the next float64 after f: a threshold step that f itself
// does not reach.
func smallestAbove(f float64) float64 { return math.Nextafter(f, math.Inf(1)) }

// thresholds colours a KPI by its target: green when met, red when not.
// Grafana applies a step from its value upwards, so the red step of a
// lower-is-better KPI starts just above the target (a value equal to its
// target meets it). Informational KPIs have no target: one neutral colour.
func thresholds(k metrics.KPI) *dashboard.ThresholdsConfigBuilder {
	steps := []dashboard.Threshold{{Color: "blue"}}
	switch k.Direction {
	case metrics.HigherIsBetter:
		steps = []dashboard.Threshold{{Color: "red"}, {Value: ptr(k.Target), Color: "green"}}
	case metrics.LowerIsBetter:
		steps = []dashboard.Threshold{{Color: "green"}, {Value: ptr(smallestAbove(k.Target)), Color: "red"}}
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)
}

// scoreThresholds are the grade boundaries of the evaluation score.
func scoreThresholds() *dashboard.ThresholdsConfigBuilder {
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps([]dashboard.Threshold{
		{Color: "red"}, {Value: ptr(70.0), Color: "orange"}, {Value: ptr(80.0), Color: "yellow"},
		{Value: ptr(90.0), Color: "green"}, {Value: ptr(95.0), Color: "dark-green"},
	})
}

func byThresholds() *dashboard.FieldColorBuilder {
	return dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdThresholds)
}

// kpiTile is a stat panel of one KPI over the cohort: its own query, unit,
// and colour from its target.
func (b *board) kpiTile(k metrics.KPI, span uint32) {
	b.add(stat.NewPanelBuilder().
		Id(b.id()).
		Title(k.Title).
		Description(description(k)).
		Datasource(b.ds).
		WithTarget(b.kpiQuery(k.Title, "A", []metrics.KPI{k}, nil, sqlOptions{})).
		Unit(unit(k)).
		Decimals(decimalsOf(k)).
		Thresholds(thresholds(k)).
		ColorScheme(byThresholds()).
		ColorMode(common.BigValueColorModeBackground).
		GraphMode(common.BigValueGraphModeNone).
		NoValue("no data").
		Height(4).Span(span))
}

func decimalsOf(k metrics.KPI) float64 {
	if k.Unit == metrics.Count {
		return 0
	}
	return 1
}

// fieldOverrider is any panel builder with per-field overrides.
type fieldOverrider[B any] interface {
	OverrideByName(name string, properties []dashboard.DynamicConfigValue) B
}

// kpiFields names each KPI column (k_<id>) by its title, with its unit and
// description; with colour, cells are coloured by the KPI's target.
func kpiFields[B fieldOverrider[B]](p B, kpis []metrics.KPI, colour bool) B {
	for _, k := range kpis {
		props := []dashboard.DynamicConfigValue{
			{Id: "displayName", Value: k.Title},
			{Id: "unit", Value: unit(k)},
			{Id: "decimals", Value: decimalsOf(k)},
			{Id: "description", Value: description(k)},
		}
		if colour {
			th, _ := thresholds(k).Build()
			props = append(props,
				dashboard.DynamicConfigValue{Id: "thresholds", Value: th},
				dashboard.DynamicConfigValue{Id: "color", Value: map[string]string{"mode": string(dashboard.FieldColorModeIdThresholds)}},
				dashboard.DynamicConfigValue{Id: "custom.cellOptions", Value: map[string]string{"type": string(common.TableCellDisplayModeColorBackground)}})
		}
		if k.ID == metrics.EvaluationID {
			th, _ := scoreThresholds().Build()
			props = append(props, dashboard.DynamicConfigValue{Id: "thresholds", Value: th})
		}
		p = p.OverrideByName("k_"+k.ID, props)
	}
	return p
}

// dimFields names the grouping columns.
func dimFields[B fieldOverrider[B]](p B, by []metrics.Dimension) B {
	for _, d := range by {
		name := variableLabels[d]
		if name == "" {
			name = strings.ToUpper(string(d)[:1]) + string(d)[1:]
		}
		p = p.OverrideByName("d_"+string(d), []dashboard.DynamicConfigValue{{Id: "displayName", Value: name}})
	}
	return p
}
