package reports

import (
	"math"
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tt := range []struct {
		name     string
		kpi      string
		baseline *float64
		value    float64
		want     string
	}{
		{"higher, at target", "reply_sla_rate", f(80), 95, ReachedTarget},
		{"higher, better than baseline", "reply_sla_rate", f(80), 90, Improved},
		{"higher, same as baseline", "reply_sla_rate", f(80), 80, NotImproved},
		{"higher, worse", "reply_sla_rate", f(80), 70, NotImproved},
		{"lower, at target", "repeat_repair_rate", f(9), 5, ReachedTarget},
		{"lower, better than baseline", "repeat_repair_rate", f(9), 7, Improved},
		{"lower, worse", "repeat_repair_rate", f(9), 10, NotImproved},
		{"no value", "reply_sla_rate", f(80), math.NaN(), NoData},
		{"no baseline, under target", "reply_sla_rate", nil, 90, NoData},
		{"no baseline, at target", "reply_sla_rate", nil, 96, ReachedTarget},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Judge(Action{KPI: tt.kpi, Baseline: tt.baseline}, tt.value)
			if got.Outcome != tt.want {
				t.Errorf("Judge(%s, baseline %v, value %v) = %q, want %q", tt.kpi, tt.baseline, tt.value, got.Outcome, tt.want)
			}
		})
	}
}

func TestActionValidate(t *testing.T) {
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		a    Action
		ok   bool
	}{
		{"valid", Action{KPI: "csat", Owner: "ops", Due: due}, true},
		{"unknown KPI", Action{KPI: "speed", Owner: "ops", Due: due}, false},
		{"informational KPI", Action{KPI: "requests", Owner: "ops", Due: due}, false},
		{"no owner", Action{KPI: "csat", Owner: " ", Due: due}, false},
		{"no due date", Action{KPI: "csat", Owner: "ops"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.a.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
