package metrics

import "math"

// Override holds one contract's targets and weights by KPI id (from the
// contracts file); missing ids keep the catalog's defaults.
type Override struct {
	Targets map[string]float64
	Weights map[string]float64
}

// Targets are the overrides per contract id. Grouped by contract, each
// group is judged against its own contract's targets; any other grouping uses
// the catalog's defaults, since its groups mix contracts.
type Targets map[string]Override

// For returns the override that applies to a group.
func (t Targets) For(keys map[Dimension]string) Override {
	if id, ok := keys[ByContract]; ok {
		return t[id]
	}
	return Override{}
}

// Target is k's target under o.
func (o Override) Target(k KPI) float64 {
	if v, ok := o.Targets[k.ID]; ok {
		return v
	}
	return k.Target
}

// Weight is k's evaluation weight under o.
func (o Override) Weight(k KPI) float64 {
	if v, ok := o.Weights[k.ID]; ok {
		return v
	}
	return k.Weight
}

// Met reports whether v meets target; known is false when there is no value
// or the KPI has no target.
func Met(k KPI, v, target float64) (met, known bool) {
	if math.IsNaN(v) || k.Direction == Informational {
		return false, false
	}
	if k.Direction == LowerIsBetter {
		return v <= target, true
	}
	return v >= target, true
}

// Achievement is how much of its target a value reaches, 0..1: for
// higher-is-better, the share of the way from the KPI's floor to the target;
// for lower-is-better, 1 at or under the target, else target ÷ value.
func Achievement(k KPI, v, target float64) float64 {
	switch {
	case math.IsNaN(v):
		return math.NaN()
	case k.Direction == LowerIsBetter:
		if v <= target {
			return 1
		}
		if target <= 0 {
			return 0
		}
		return target / v
	case target <= k.Floor:
		return 1
	}
	return math.Max(0, math.Min(1, (v-k.Floor)/(target-k.Floor)))
}

// Evaluate computes the evaluation score (clause 11.2): the weighted mean of
// the scored KPIs' achievements × 100, over the KPIs that have a value (the
// weights of the others are left out, not counted as zero).
func Evaluate(values map[string]float64, o Override) (score float64, grade string) {
	var sum, weights float64
	for _, k := range catalog {
		w := o.Weight(k)
		if w <= 0 || k.Expr == "" {
			continue
		}
		v, ok := values[k.ID]
		if !ok {
			continue
		}
		a := Achievement(k, v, o.Target(k))
		if math.IsNaN(a) {
			continue
		}
		sum += w * a
		weights += w
	}
	if weights == 0 {
		return math.NaN(), ""
	}
	score = 100 * sum / weights
	return score, Grade(score)
}

// Grade turns a score into the grade of DESIGN.md (after GB/T 27922-style
// star ratings): ≥95 ★★★★★, ≥90 ★★★★, ≥80 ★★★, ≥70 pass, below fail.
func Grade(score float64) string {
	switch {
	case math.IsNaN(score):
		return ""
	case score >= 95:
		return "★★★★★"
	case score >= 90:
		return "★★★★"
	case score >= 80:
		return "★★★"
	case score >= 70:
		return "pass"
	}
	return "fail"
}
