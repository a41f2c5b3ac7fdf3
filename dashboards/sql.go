package dashboards

import (
	"slices"
	"strconv"
	"strings"

	"servicepulse/metrics"
)

// This file is the Grafana dialect of the catalog's SQL, for panels of the
// ClickHouse datasource plugin (grafana-clickhouse-datasource): the one
// query of package metrics (metrics.SelectSQL), with the cohort and the
// as-of time taken from the plugin's macros and the dashboard's variables
// instead of literals, so that a dashboard tile and `servicepulse kpi`
// compute the same number.

// sqlOptions shapes kpiSQL. The zero value selects the requests opened in
// the dashboard's time range, judged as of now.
type sqlOptions struct {
	// cohort is the condition selecting the requests of the panel. Default:
	// dateCohort, the requests opened on the dates of the dashboard's time
	// range, both ends included.
	cohort string
	// asOf is the SQL of the instant that deadlines are judged at ({asof} of
	// the catalog). Default: "now()", as `servicepulse kpi` without --as-of.
	asOf string
	// variables lists the dimensions filtered by the dashboard variable of
	// the same name; see variableFilter. Default: none. Alert rules have no
	// variables.
	variables []metrics.Dimension
	// where is one more condition, ANDed. Default: none.
	where string
	// filter is one more condition on the dimensions only (partner_id,
	// contract_id, product_model, region, channel), ANDed: unlike where, the
	// daily rollup can answer it. Default: none.
	filter string
	// orderBy replaces the default order (the grouping columns).
	orderBy string
	// database is the datasource's database, which the daily rollup's
	// queries name (metrics.Scope.Database). Default: none, and the panel
	// reads request_state alone.
	database string
	// grade adds the grade (column gradeColumn, as metrics.Grade) after the
	// evaluation score. A string column would split a time series, so it is
	// asked for.
	grade bool
}

// dateCohort is the default cohort of a panel: requests opened on the dates
// of the dashboard's time range, both ends included. The plugin expands
// $__dateFilter(opened_date) to
// "opened_date >= toDate('2026-07-01') AND opened_date <= toDate('2026-09-30')",
// the dates of the range's ends in the plugin's time zone (UTC in the
// official image), which is the cohort of `kpi --from 2026-07-01 --to 2026-09-30`.
const dateCohort = "$__dateFilter(opened_date)"

// rangeMonths splits the reads of request_state of a panel by month
// (metrics.Scope.Source), from the month before the range's first day to
// the month after its last: thirteen months, then the rest as one. The
// cohort ($__dateFilter) takes its dates in the plugin's time zone, these
// bounds in the server's; two days each side cover any two zones, so the
// split holds the cohort whatever they are. The price: a range that starts
// on the first of a month (or ends on its last day) reads the month before
// (or after) too, with nothing of it kept.
var rangeMonths = metrics.MonthsBetween("toStartOfMonth(toDate($__fromTime) - 2)",
	"addMonths(toStartOfMonth(toDate($__toTime) + 2), 1)", 13)

// gradeColumn is the column of the grade beside k_evaluation_score.
const gradeColumn = "grade"

// filterDimensions are the dimensions a dashboard can filter by, each with
// a variable of the same name.
var filterDimensions = []metrics.Dimension{metrics.ByPartner, metrics.ByContract, metrics.ByModel, metrics.ByRegion, metrics.ByChannel}

// variableFilter is the condition of dashboard variable d (named like the
// dimension: partner, contract, model, region, channel), written with the
// plugin's $__conditionalAll so that "All" (or nothing selected) becomes
// 1=1 and any other selection "partner_id IN ('PT-A','PT-B')".
func variableFilter(d metrics.Dimension) string {
	if !slices.Contains(filterDimensions, d) {
		panic("dashboards: no variable for dimension " + string(d))
	}
	return "$__conditionalAll(" + metrics.DimensionExpr(d) + " IN (${" + string(d) + ":singlequote}), $" + string(d) + ")"
}

// scope is the Grafana dialect of opts: its cohort, a filter per variable
// and its extra condition, one a line, and its as-of instant.
func (opts sqlOptions) scope() metrics.Scope {
	s := metrics.Scope{Cohort: opts.cohort, AsOf: opts.asOf, Multiline: true}
	if s.Cohort == "" {
		s.Cohort, s.Split = dateCohort, rangeMonths
		// The variables filter dimensions only: the daily rollup can answer,
		// unless the panel adds a condition of its own.
		s.Rollup, s.Database = opts.where == "", opts.database
	}
	if s.AsOf == "" {
		s.AsOf = "now()"
	}
	// Parenthesised: a panel's instant may be any expression, such as
	// $__toTime or now() - INTERVAL 1 DAY.
	s.AsOf = "(" + s.AsOf + ")"
	for _, d := range opts.variables {
		s.Filters = append(s.Filters, variableFilter(d))
	}
	if opts.filter != "" {
		s.Filters = append(s.Filters, "("+opts.filter+")")
	}
	if opts.where != "" {
		s.Filters = append(s.Filters, "("+opts.where+")")
	}
	return s
}

// kpiColumns lists the columns kpiSQL returns: d_<dimension> per grouping,
// k_<id> per KPI, and after k_evaluation_score its grade if asked.
func kpiColumns(kpis []metrics.KPI, by []metrics.Dimension, opts sqlOptions) []string {
	var cols []string
	for _, d := range by {
		cols = append(cols, metrics.DimensionColumn(d))
	}
	for _, k := range kpis {
		cols = append(cols, "k_"+k.ID)
		if k.ID == metrics.EvaluationID && opts.grade {
			cols = append(cols, gradeColumn)
		}
	}
	return cols
}

// kpiSQL is metrics.SelectSQL for a Grafana panel: the given KPIs over the
// requests selected by opts, grouped by by, one column per grouping
// (d_<dimension>) and per KPI (k_<id>), in the order given.
//
// The evaluation score may be asked for: it is computed in SQL from the
// scored KPIs with the catalog's default targets and weights, exactly as
// metrics.Evaluate does (the weights of KPIs without a value left out),
// optionally followed by its grade (opts.grade). Contract overrides do not
// apply: they apply in `servicepulse kpi` only when grouped by contract.
//
// The SQL runs on ClickHouse 18.16 and current versions.
func kpiSQL(kpis []metrics.KPI, by []metrics.Dimension, opts sqlOptions) string {
	inner := metrics.SelectSQL(metrics.WithScoreInputs(kpis), by, opts.scope())
	order := opts.orderBy
	if order == "" {
		order = metrics.GroupColumns(by)
	}
	if !metrics.WantsScore(kpis) {
		if order != "" {
			inner += "\nORDER BY " + order
		}
		return inner
	}
	// The score needs the KPI values, so it is computed one level up.
	var out []string
	for _, c := range kpiColumns(kpis, by, opts) {
		switch c {
		case "k_" + metrics.EvaluationID:
			out = append(out, metrics.ScoreSQL("k_", metrics.Override{})+" AS k_"+metrics.EvaluationID)
		case gradeColumn:
			out = append(out, metrics.GradeSQL("k_"+metrics.EvaluationID)+" AS "+gradeColumn)
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

// unpivotSQL computes the KPIs like kpiSQL without grouping and returns
// them as rows, one per KPI in the order given, with the columns kpi (the
// English title), clause and value (Float64): the shape of a bar chart of,
// say, breaches by clause.
func unpivotSQL(kpis []metrics.KPI, opts sqlOptions) string {
	var titles, clauses, values []string
	for _, k := range kpis {
		titles = append(titles, metrics.Quote(k.Title))
		clauses = append(clauses, metrics.Quote(k.Clause))
		values = append(values, "toFloat64(k_"+k.ID+")")
	}
	return "SELECT kpi, clause, value\nFROM (\n" + kpiSQL(kpis, nil, opts) + "\n)\nARRAY JOIN [" +
		strings.Join(titles, ", ") + "] AS kpi, [" + strings.Join(clauses, ", ") + "] AS clause, [" +
		strings.Join(values, ", ") + "] AS value"
}

// histogramSQL counts the requests of d by business-hour bucket
// (d.Buckets): bucket (a label such as "2–4 h", the last one "≥ 72 h") and
// requests, one row per bucket in the order of the bounds, empty buckets
// included so that the bars keep their places. The counts are KPIs outside
// the catalog (metrics.Distribution.BucketKPIs), so the daily rollup
// answers them as it answers the catalog's counts.
func histogramSQL(d metrics.Distribution, opts sqlOptions) string {
	kpis := d.BucketKPIs()
	var labels, counts, order []string
	for i, k := range kpis {
		labels = append(labels, metrics.Quote(k.Title))
		counts = append(counts, "toUInt64(k_"+k.ID+")")
		order = append(order, strconv.Itoa(i))
	}
	return "SELECT bucket, requests\nFROM (\n" + kpiSQL(kpis, nil, opts) + "\n)\nARRAY JOIN [" + strings.Join(labels, ", ") +
		"] AS bucket, [" + strings.Join(counts, ", ") + "] AS requests, [" + strings.Join(order, ", ") + "] AS i\nORDER BY i"
}

// and is the conjunction of two conditions, either of which may be empty.
func and(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return "(" + a + ") AND (" + b + ")"
}

// spreadSQL compares groups: for each group of by (one row each), every
// KPI's value minus the median of the groups' values (quantileExact at 0.5,
// as the catalog reads percentiles; groups without a value left out), in
// the KPI's unit. Columns: d_<by>, then spread_<id> per KPI (spreadColumns).
func spreadSQL(kpis []metrics.KPI, by metrics.Dimension, opts sqlOptions) string {
	var arrays, medians, joins, out []string
	for _, k := range kpis {
		arrays = append(arrays, "groupArray(k_"+k.ID+") AS a_"+k.ID)
		medians = append(medians, "quantileExactIf(0.5)(k_"+k.ID+", NOT isNaN(k_"+k.ID+")) AS m_"+k.ID)
		joins = append(joins, "a_"+k.ID+" AS v_"+k.ID)
		out = append(out, "v_"+k.ID+" - m_"+k.ID+" AS spread_"+k.ID)
	}
	g := metrics.DimensionColumn(by)
	opts.orderBy = ""
	return "SELECT " + g + ",\n  " + strings.Join(out, ",\n  ") + "\nFROM (\nSELECT groupArray(" + g + ") AS groups,\n  " +
		strings.Join(arrays, ",\n  ") + ",\n  " + strings.Join(medians, ",\n  ") + "\nFROM (\n" +
		kpiSQL(kpis, []metrics.Dimension{by}, opts) + "\n)\n)\nARRAY JOIN groups AS " + g + ", " + strings.Join(joins, ", ") +
		"\nORDER BY " + g
}

// spreadColumns lists the columns of spreadSQL.
func spreadColumns(kpis []metrics.KPI, by metrics.Dimension) []string {
	cols := []string{metrics.DimensionColumn(by)}
	for _, k := range kpis {
		cols = append(cols, "spread_"+k.ID)
	}
	return cols
}
