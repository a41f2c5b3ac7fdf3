package metrics_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"servicepulse/internal/testenv"
	"servicepulse/metrics"
	"servicepulse/warehouse"
)

// scoreCase is one input of the evaluation score: a value per KPI (NaN: no
// data) and the contract's targets and weights.
type scoreCase struct {
	name   string
	values map[string]float64
	o      metrics.Override
}

// measured are the KPIs with an expression: those a score can weigh.
func measured() []metrics.KPI {
	var out []metrics.KPI
	for _, k := range metrics.All() {
		if k.Expr != "" {
			out = append(out, k)
		}
	}
	return out
}

// scoreCases are the fixed edge cases, then 200 random ones from fixed
// seeds: values at, around, below and above their targets and floors, some
// without data, under the catalog's defaults or random overrides (targets at
// or under the floor, lower-is-better targets of 0, weights of 0, weights
// on KPIs the catalog does not score).
func scoreCases() []scoreCase {
	ks := measured()
	fill := func(v func(k metrics.KPI) float64) map[string]float64 {
		m := map[string]float64{}
		for _, k := range ks {
			m[k.ID] = v(k)
		}
		return m
	}
	nan := func(metrics.KPI) float64 { return math.NaN() }
	cases := []scoreCase{
		{name: "all zero", values: fill(func(metrics.KPI) float64 { return 0 })},
		{name: "no data", values: fill(nan)},
		{name: "all at target", values: fill(func(k metrics.KPI) float64 { return k.Target })},
		{name: "all at floor", values: fill(func(k metrics.KPI) float64 { return k.Floor })},
		{name: "nothing weighed", values: fill(func(k metrics.KPI) float64 { return k.Target }),
			o: metrics.Override{Weights: func() map[string]float64 {
				w := map[string]float64{}
				for _, k := range ks {
					w[k.ID] = 0
				}
				return w
			}()}},
		{name: "targets at and under the floor",
			values: fill(func(k metrics.KPI) float64 { return k.Floor + 3 }),
			o:      metrics.Override{Targets: map[string]float64{"nps": -100, "csat": -5, "reply_sla_rate": 0}}},
		{name: "lower-is-better target 0, met and missed",
			values: map[string]float64{"repeat_repair_rate": 0, "complaint_rate": 3, "csat": 95},
			o:      metrics.Override{Targets: map[string]float64{"repeat_repair_rate": 0, "complaint_rate": 0}}},
		{name: "one KPI with data", values: func() map[string]float64 {
			m := fill(nan)
			m["certified_visit_rate"] = 47.5
			return m
		}()},
	}
	// The map of the last two cases lacks KPIs: complete it with no data,
	// as a query would return them.
	for _, c := range cases {
		for _, k := range ks {
			if _, ok := c.values[k.ID]; !ok {
				c.values[k.ID] = math.NaN()
			}
		}
	}
	for seed := uint64(1); seed <= 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0x5c0e))
		c := scoreCase{name: fmt.Sprintf("seed %d", seed), values: map[string]float64{}}
		if rng.IntN(2) == 0 {
			c.o = metrics.Override{Targets: map[string]float64{}, Weights: map[string]float64{}}
		}
		for _, k := range ks {
			target := k.Target
			if c.o.Targets != nil && rng.IntN(4) == 0 {
				target = []float64{k.Floor, k.Floor - 10, 0, k.Target * 2 * rng.Float64()}[rng.IntN(4)]
				c.o.Targets[k.ID] = target
			}
			if c.o.Weights != nil && rng.IntN(4) == 0 {
				c.o.Weights[k.ID] = []float64{0, 1, math.Round(rng.Float64()*300) / 10}[rng.IntN(3)]
			}
			switch rng.IntN(6) {
			case 0:
				c.values[k.ID] = math.NaN()
			case 1:
				c.values[k.ID] = target
			case 2:
				c.values[k.ID] = k.Floor
			case 3: // a little off the target, either way
				c.values[k.ID] = target + (rng.Float64()-0.5)*2
			default: // anywhere from the floor to past the target
				c.values[k.ID] = k.Floor + rng.Float64()*(math.Max(target, 10)*1.5-k.Floor)
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// scoreQuery is the SQL of c's score and grade, over one row of literals:
// SELECT <ScoreSQL> AS s, <GradeSQL> FROM (SELECT <value> AS k_<id>, …).
func scoreQuery(c scoreCase) string {
	var sel []string
	for _, k := range measured() {
		sel = append(sel, literal(c.values[k.ID])+" AS k_"+k.ID)
	}
	return "SELECT " + metrics.ScoreSQL("k_", c.o) + " AS s, " + metrics.GradeSQL("s") +
		" FROM (SELECT " + strings.Join(sel, ", ") + ")"
}

func literal(f float64) string {
	if math.IsNaN(f) {
		return "nan"
	}
	return "toFloat64(" + strconv.FormatFloat(f, 'g', -1, 64) + ")"
}

// checkScore compares the score and grade SQL computed for c with Evaluate.
func checkScore(t *testing.T, engine string, c scoreCase, score float64, grade string) {
	t.Helper()
	want, wantGrade := metrics.Evaluate(c.values, c.o)
	if math.IsNaN(want) != math.IsNaN(score) || math.Abs(score-want) > 1e-9 {
		t.Errorf("%s, %s: SQL score %v, Evaluate %v (values %v, override %+v)", engine, c.name, score, want, c.values, c.o)
	}
	if grade != wantGrade {
		t.Errorf("%s, %s: SQL grade %q, Grade %q (score %v)", engine, c.name, grade, wantGrade, want)
	}
}

// The cases exercise what they claim: every branch of Achievement, a score
// of no data, and every grade.
func TestScoreCasesCoverTheEvaluation(t *testing.T) {
	grades := map[string]bool{}
	var nan, floorTarget, zeroTarget bool
	for _, c := range scoreCases() {
		score, grade := metrics.Evaluate(c.values, c.o)
		grades[grade] = true
		nan = nan || math.IsNaN(score)
		for _, k := range measured() {
			tg := c.o.Target(k)
			if c.o.Weight(k) > 0 && !math.IsNaN(c.values[k.ID]) {
				floorTarget = floorTarget || (k.Direction != metrics.LowerIsBetter && tg <= k.Floor)
				zeroTarget = zeroTarget || (k.Direction == metrics.LowerIsBetter && tg <= 0)
			}
		}
	}
	for _, g := range []string{"", "fail", "pass", "★★★", "★★★★", "★★★★★"} {
		if !grades[g] {
			t.Errorf("no case grades %q", g)
		}
	}
	if !nan || !floorTarget || !zeroTarget {
		t.Errorf("cases lack: no data %v, target at the floor %v, lower-is-better target 0 %v", !nan, !floorTarget, !zeroTarget)
	}
}

// ScoreSQL and GradeSQL compute, on ClickHouse 18.16, what Evaluate and
// Grade compute in Go, case by case (see scoreCases).
func TestIntegrationScoreSQLMatchesEvaluate(t *testing.T) {
	dsn := testenv.ClickHouseDSN(t)
	conn, err := warehouse.Open(context.Background(), warehouse.ConfigFor(dsn), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, c := range scoreCases() {
		var score float64
		var grade string
		sql := scoreQuery(c)
		if err := conn.QueryRow(context.Background(), sql).Scan(&score, &grade); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, sql)
		}
		checkScore(t, "ClickHouse 18.16", c, score, grade)
	}
}
