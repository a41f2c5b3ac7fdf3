package metrics

import "math"

// Result is one KPI's value for one group, with the target it is judged
// against and whether it meets it. It is the row of `servicepulse kpi`, of
// a report and of a scorecard; its JSON is that of the reports' KPI rows
// (the CLI's own layout is WriteJSON's).
type Result struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	TitleZH   string    `json:"title_zh"`
	Unit      Unit      `json:"unit"`
	Direction Direction `json:"direction"`
	// Value is nil (JSON null) when there is no data: an empty denominator.
	Value *float64 `json:"value"`
	// Target is nil for informational KPIs; Met is nil when there is no
	// value or no target.
	Target *float64 `json:"target"`
	Met    *bool    `json:"met"`
	// Clause is the KPI's contract clause; Grade the evaluation score's
	// grade (the EvaluationID row only); Keys the group's values of the
	// query's dimensions (empty without grouping).
	Clause string               `json:"-"`
	Grade  string               `json:"-"`
	Keys   map[Dimension]string `json:"-"`
}

// Results judges every KPI of kpis in every group, against the targets
// that apply to the group (the catalog's defaults under nil targets): one
// Result per group and KPI, group by group, each in the order of kpis. A KPI
// missing from a group's values has no data.
func Results(groups []Group, kpis []KPI, targets Targets) []Result {
	var out []Result
	for _, g := range groups {
		o := targets.For(g.Keys)
		for _, k := range kpis {
			v, ok := g.Values[k.ID]
			if !ok {
				v = math.NaN()
			}
			out = append(out, newResult(k, v, o.Target(k), g.Keys))
		}
	}
	return out
}

// newResult is k's value v in the group of keys, judged against target.
func newResult(k KPI, v, target float64, keys map[Dimension]string) Result {
	r := Result{ID: k.ID, Title: k.Title, TitleZH: k.TitleZH, Unit: k.Unit, Direction: k.Direction,
		Value: finiteValue(v), Clause: k.Clause, Keys: keys}
	if k.Direction != Informational {
		r.Target = finiteValue(target)
		if met, known := Met(k, v, target); known {
			r.Met = &met
		}
	}
	if k.ID == EvaluationID {
		r.Grade = Grade(v)
	}
	return r
}

// finiteValue is v, or nil when v is no number (NaN: no data) or infinite.
func finiteValue(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
