package dashboards

import (
	"slices"
	"strings"
	"testing"

	"servicepulse/metrics"
)

func TestVariableFilter(t *testing.T) {
	got := variableFilter(metrics.ByModel)
	want := "$__conditionalAll(product_model IN (${model:singlequote}), $model)"
	if got != want {
		t.Errorf("variableFilter(model) = %q, want %q", got, want)
	}
}

func TestKPISQL(t *testing.T) {
	reply := kpiByID("reply_sla_rate")[0]
	eval := kpiByID(metrics.EvaluationID)[0]
	opts := sqlOptions{variables: filterDimensions, grade: true, orderBy: "k_evaluation_score DESC"}
	sql := kpiSQL([]metrics.KPI{reply, eval}, []metrics.Dimension{metrics.ByPartner}, opts)
	cols := kpiColumns([]metrics.KPI{reply, eval}, []metrics.Dimension{metrics.ByPartner}, opts)
	if want := []string{"d_partner", "k_reply_sla_rate", "k_evaluation_score", "grade"}; !slices.Equal(cols, want) {
		t.Errorf("columns %v, want %v", cols, want)
	}
	for _, want := range []string{
		"$__dateFilter(opened_date)",
		"SELECT d_partner,\n  k_reply_sla_rate,\n  100 * (",
		"AS grade\nFROM (\nSELECT partner_id AS d_partner,",
		"GROUP BY d_partner\n)\nORDER BY k_evaluation_score DESC",
		"least(paused_since, (now()))",
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("SQL lacks %q:\n%s", want, sql)
		}
	}
	for _, d := range filterDimensions {
		if !strings.Contains(sql, variableFilter(d)) {
			t.Errorf("SQL lacks the %s variable", d)
		}
	}
	if strings.Contains(sql, "{asof}") {
		t.Errorf("{asof} left in the SQL")
	}
	// Every scored KPI feeds the score, even when not asked for.
	for _, k := range metrics.All() {
		if k.Weight > 0 && !strings.Contains(sql, " AS k_"+k.ID+"\n") && !strings.Contains(sql, " AS k_"+k.ID+",") {
			t.Errorf("scored KPI %s is not computed for the score", k.ID)
		}
	}
	// Without the score there is no outer query, and the cohort can change.
	plain := kpiSQL([]metrics.KPI{reply}, nil, sqlOptions{cohort: "opened_date >= today() - 30", asOf: "$__toTime"})
	if strings.Contains(plain, "FROM (") || !strings.Contains(plain, "WHERE opened_date >= today() - 30") || !strings.Contains(plain, "($__toTime)") {
		t.Errorf("plain SQL:\n%s", plain)
	}
}

// A panel's KPI columns are the catalog's one query (metrics.SelectSQL),
// with only the scope in the Grafana dialect: the same select list as the
// CLI's, once the as-of instant is the same.
func TestKPISQLIsTheCatalogQuery(t *testing.T) {
	kpis := kpiByID("reply_sla_rate", "breaches_late_parts", "nps")
	by := []metrics.Dimension{metrics.ByPartner}
	opts := sqlOptions{variables: filterDimensions}
	got := kpiSQL(kpis, by, opts)
	want := metrics.SelectSQL(kpis, by, opts.scope()) + "\nORDER BY d_partner"
	if got != want {
		t.Errorf("kpiSQL differs from metrics.SelectSQL in the Grafana scope:\n%s\nwant\n%s", got, want)
	}
	// Read from request_state alone (a panel with a condition of its own,
	// which the daily rollup cannot answer), the select list is the
	// catalog's expressions.
	opts.where = "status = 'open'"
	direct := kpiSQL(kpis, by, opts)
	for _, k := range kpis {
		if !strings.Contains(direct, strings.ReplaceAll(k.Expr, "{asof}", "(now())")+" AS k_"+k.ID) {
			t.Errorf("panel SQL lacks the catalog's expression of %s", k.ID)
		}
	}
}

func TestHistogramSQL(t *testing.T) {
	d := metrics.DistributionByName("reply")
	d.Buckets = []float64{1, 2.5}
	sql := histogramSQL(d, sqlOptions{})
	for _, want := range []string{
		"countIf(toUInt32(replied_at) > 0 AND reply_bh < 1) AS k_bucket_reply_0",
		"countIf(toUInt32(replied_at) > 0 AND reply_bh >= 1 AND reply_bh < 2.5) AS k_bucket_reply_1",
		"countIf(toUInt32(replied_at) > 0 AND reply_bh >= 2.5) AS k_bucket_reply_2",
		"ARRAY JOIN ['0–1 h', '1–2.5 h', '≥ 2.5 h'] AS bucket, [toUInt64(k_bucket_reply_0), toUInt64(k_bucket_reply_1), toUInt64(k_bucket_reply_2)] AS requests, [0, 1, 2] AS i",
		"ORDER BY i",
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("histogram SQL lacks %q:\n%s", want, sql)
		}
	}
}
