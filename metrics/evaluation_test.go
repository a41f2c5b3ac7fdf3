package metrics

import (
	"flag"
	"math"
	"os"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func kpi(t *testing.T, id string) KPI {
	t.Helper()
	k, ok := ByID(id)
	if !ok {
		t.Fatalf("no KPI %q", id)
	}
	return k
}

func TestAchievement(t *testing.T) {
	tests := []struct {
		id            string
		value, target float64
		want          float64
	}{
		{"reply_sla_rate", 95, 95, 1},      // at target
		{"reply_sla_rate", 99, 95, 1},      // capped at 1
		{"reply_sla_rate", 76, 95, 0.8},    // 76/95
		{"nps", 0, 30, 100.0 / 130},        // NPS floor −100: (0+100)/(30+100)
		{"nps", -100, 30, 0},               // at the floor
		{"repeat_repair_rate", 4, 5, 1},    // lower is better, under target
		{"repeat_repair_rate", 10, 5, 0.5}, // 5/10
		{"breaches_late_reply", 3, 0, 0},   // target 0 missed
		{"breaches_late_reply", 0, 0, 1},   // target 0 met
		{"ces_mean", 4, 5, 0.75},           // floor 1: (4−1)/(5−1)
	}
	for _, tt := range tests {
		if got := Achievement(kpi(t, tt.id), tt.value, tt.target); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Achievement(%s, %v, target %v) = %v, want %v", tt.id, tt.value, tt.target, got, tt.want)
		}
	}
	if !math.IsNaN(Achievement(kpi(t, "csat"), math.NaN(), 90)) {
		t.Error("no value must give no achievement")
	}
}

// TestEvaluate works a score by hand: two scored KPIs have values, the others
// none (their weights drop out).
func TestEvaluate(t *testing.T) {
	values := map[string]float64{}
	for _, k := range All() {
		values[k.ID] = math.NaN()
	}
	values["reply_sla_rate"] = 76 // weight 20, achievement 76/95 = 0.8
	values["csat"] = 90           // weight 10, achievement 1
	score, grade := Evaluate(values, Override{})
	// (20 × 0.8 + 10 × 1) / 30 × 100 = 26/30 × 100 = 86.666…
	if want := 2600.0 / 30; math.Abs(score-want) > 1e-9 || grade != "★★★" {
		t.Errorf("Evaluate = %v %q, want %v ★★★", score, grade, want)
	}
	// A contract that weighs CSAT 30 and asks 80% replies on time:
	// (20 × 76/80 + 30 × 1) / 50 × 100 = (19 + 30) / 50 × 100 = 98.
	o := Override{Targets: map[string]float64{"reply_sla_rate": 80}, Weights: map[string]float64{"csat": 30}}
	if score, grade := Evaluate(values, o); math.Abs(score-98) > 1e-9 || grade != "★★★★★" {
		t.Errorf("Evaluate with override = %v %q, want 98 ★★★★★", score, grade)
	}
	if score, grade := Evaluate(map[string]float64{}, Override{}); !math.IsNaN(score) || grade != "" {
		t.Errorf("Evaluate with no values = %v %q, want NaN and no grade", score, grade)
	}
}

func TestGrade(t *testing.T) {
	for score, want := range map[float64]string{100: "★★★★★", 95: "★★★★★", 94.99: "★★★★", 90: "★★★★", 80: "★★★", 79.9: "pass", 70: "pass", 69.99: "fail", 0: "fail"} {
		if got := Grade(score); got != want {
			t.Errorf("Grade(%v) = %q, want %q", score, got, want)
		}
	}
}

func TestMet(t *testing.T) {
	if met, known := Met(kpi(t, "reply_sla_rate"), 95, 95); !met || !known {
		t.Error("95 ≥ 95 must meet the target")
	}
	if met, _ := Met(kpi(t, "complaint_rate"), 2.1, 2); met {
		t.Error("2.1 per 100 must miss a ≤ 2 target")
	}
	if _, known := Met(kpi(t, "cause_misuse_share"), 10, 0); known {
		t.Error("an informational KPI has no target to meet")
	}
	if _, known := Met(kpi(t, "csat"), math.NaN(), 90); known {
		t.Error("no value cannot meet or miss")
	}
}

func TestCatalogIsComplete(t *testing.T) {
	for _, k := range All() {
		if k.ID == "" || k.Title == "" || k.TitleZH == "" || k.Unit == "" || k.Clause == "" || k.Formula == "" {
			t.Errorf("KPI %q lacks a field: %+v", k.ID, k)
		}
		if k.Expr == "" && k.ID != EvaluationID {
			t.Errorf("KPI %q has no SQL", k.ID)
		}
		if k.Weight > 0 && k.Direction == Informational {
			t.Errorf("KPI %q is informational but weighted", k.ID)
		}
	}
}

func TestParseDimensions(t *testing.T) {
	got, err := ParseDimensions("partner, month,partner")
	if err != nil || len(got) != 2 || got[0] != ByPartner || got[1] != ByMonth {
		t.Errorf("ParseDimensions = %v, %v", got, err)
	}
	if _, err := ParseDimensions("colour"); err == nil {
		t.Error("an unknown grouping must be an error")
	}
}

// TestCatalogSQLGolden pins the generated SQL of the whole catalog: a change
// to any KPI's definition shows up in review as a diff of this file. The
// second file is the same query reading the daily rollup of a database.
func TestCatalogSQLGolden(t *testing.T) {
	q := Query{From: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		By: []Dimension{ByPartner, ByMonth}, Filter: map[Dimension]string{ByRegion: "East China"},
		AsOf: time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)}
	rolled := q
	rolled.Database = "servicepulse"
	for path, q := range map[string]Query{"testdata/catalog.sql.golden": q, "testdata/catalog_rollup.sql.golden": rolled} {
		got := q.SQL(All()) + "\n"
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./metrics -run Golden -update)", err)
		}
		if string(want) != got {
			t.Errorf("catalog SQL differs from %s (rerun with -update if intended):\n%s", path, got)
		}
	}
}
