package metrics

import (
	"context"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"servicepulse/internal/testenv"
	"servicepulse/warehouse"
)

func TestVariableFilter(t *testing.T) {
	got := VariableFilter(ByModel)
	want := "$__conditionalAll(product_model IN (${model:singlequote}), $model)"
	if got != want {
		t.Errorf("VariableFilter(model) = %q, want %q", got, want)
	}
}

func TestGrafanaSQL(t *testing.T) {
	reply, _ := ByID("reply_sla_rate")
	eval, _ := ByID(EvaluationID)
	opts := GrafanaOptions{Variables: GrafanaVariables, Grade: true, OrderBy: "k_evaluation_score DESC"}
	sql := GrafanaSQL([]KPI{reply, eval}, []Dimension{ByPartner}, opts)
	cols := GrafanaColumns([]KPI{reply, eval}, []Dimension{ByPartner}, opts)
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
	for _, d := range GrafanaVariables {
		if !strings.Contains(sql, VariableFilter(d)) {
			t.Errorf("SQL lacks the %s variable", d)
		}
	}
	if strings.Contains(sql, asOfPlaceholder) {
		t.Errorf("{asof} left in the SQL")
	}
	// Every scored KPI feeds the score, even when not asked for.
	for _, k := range All() {
		if k.Weight > 0 && !strings.Contains(sql, " AS k_"+k.ID+"\n") && !strings.Contains(sql, " AS k_"+k.ID+",") {
			t.Errorf("scored KPI %s is not computed for the score", k.ID)
		}
	}
	// Without the score there is no outer query, and the cohort can change.
	plain := GrafanaSQL([]KPI{reply}, nil, GrafanaOptions{Cohort: "opened_date >= today() - 30", AsOf: "$__toTime"})
	if strings.Contains(plain, "FROM (") || !strings.Contains(plain, "WHERE opened_date >= today() - 30") || !strings.Contains(plain, "($__toTime)") {
		t.Errorf("plain SQL:\n%s", plain)
	}
}

func TestHistogramSQL(t *testing.T) {
	sql := DistributionByName("reply").HistogramSQL([]float64{1, 2.5}, GrafanaOptions{})
	for _, want := range []string{
		"multiIf(reply_bh < 1, '0–1 h', reply_bh < 2.5, '1–2.5 h', '≥ 2.5 h') AS bucket",
		"(toUInt32(replied_at) > 0)",
		"ORDER BY multiIf(reply_bh < 1, 0, reply_bh < 2.5, 1, 2)",
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("histogram SQL lacks %q:\n%s", want, sql)
		}
	}
}

// ScoreSQL and GradeSQL compute, on ClickHouse 18.16, what Evaluate and
// Grade compute in Go, for values with and without data (NaN), at and
// around every target and grade boundary.
func TestIntegrationScoreSQL(t *testing.T) {
	dsn := testenv.ClickHouseDSN(t)
	conn, err := warehouse.Open(context.Background(), warehouse.ConfigFor(dsn), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var scored []KPI
	for _, k := range All() {
		if k.Weight > 0 && k.Expr != "" {
			scored = append(scored, k)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(k KPI) float64 {
		switch rng.IntN(6) {
		case 0:
			return math.NaN()
		case 1:
			return k.Target
		case 2:
			return k.Floor
		}
		return k.Floor + rng.Float64()*(110-k.Floor)
	}
	cases := [][]float64{make([]float64, len(scored))} // all zero
	nan := make([]float64, len(scored))
	for i := range nan {
		nan[i] = math.NaN()
	}
	cases = append(cases, nan) // no data at all: no score, no grade
	for range 200 {
		c := make([]float64, len(scored))
		for i, k := range scored {
			c[i] = pick(k)
		}
		cases = append(cases, c)
	}
	for _, c := range cases {
		var sel []string
		values := map[string]float64{}
		for i, k := range scored {
			sel = append(sel, grafanaLiteral(c[i])+" AS k_"+k.ID)
			values[k.ID] = c[i]
		}
		sql := "SELECT " + ScoreSQL("k_") + " AS s, " + GradeSQL("s") + " FROM (SELECT " + strings.Join(sel, ", ") + ")"
		var score float64
		var grade string
		if err := conn.QueryRow(context.Background(), sql).Scan(&score, &grade); err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
		want, wantGrade := Evaluate(values, Override{})
		if !(math.IsNaN(want) && math.IsNaN(score)) && math.Abs(score-want) > 1e-9 {
			t.Errorf("values %v: SQL score %v, Evaluate %v", c, score, want)
		}
		if grade != wantGrade {
			t.Errorf("values %v: SQL grade %q, Grade %q", c, grade, wantGrade)
		}
	}
}

func grafanaLiteral(f float64) string {
	if math.IsNaN(f) {
		return "nan"
	}
	return "toFloat64(" + strconv.FormatFloat(f, 'g', -1, 64) + ")"
}
