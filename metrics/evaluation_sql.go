package metrics

import "strconv"

// This file writes Evaluate and Grade in SQL, for queries that compute the
// score next to the KPIs (the dashboards' panels). The Go and the SQL forms
// are held against each other on random values by a test.

// ScoreSQL is the evaluation score (Evaluate under o) of the KPI values
// found in columns named prefix+id, one for every KPI o weighs; NaN when no
// weighed KPI has a value.
func ScoreSQL(prefix string, o Override) string {
	var sum, weights string
	for _, k := range catalog {
		w := o.Weight(k)
		if w <= 0 || k.Expr == "" {
			continue
		}
		if sum != "" {
			sum, weights = sum+" + ", weights+" + "
		}
		v := prefix + k.ID
		sum += "if(isNaN(" + v + "), 0, " + sqlNum(w) + " * " + achievementSQL(k, v, o.Target(k)) + ")"
		weights += "if(isNaN(" + v + "), 0, " + sqlNum(w) + ")"
	}
	if sum == "" {
		return "nan"
	}
	return "100 * (" + sum + ") / (" + weights + ")"
}

// achievementSQL is Achievement of the value v (not NaN) against target.
func achievementSQL(k KPI, v string, target float64) string {
	t, floor := sqlNum(target), sqlNum(k.Floor)
	switch {
	case k.Direction == LowerIsBetter && target <= 0:
		return "if(" + v + " <= " + t + ", 1, 0)"
	case k.Direction == LowerIsBetter:
		return "if(" + v + " <= " + t + ", 1, " + t + " / " + v + ")"
	case target <= k.Floor:
		return "1"
	}
	return "greatest(0, least(1, (" + v + " - " + floor + ") / (" + t + " - " + floor + ")))"
}

// GradeSQL is Grade of the score in column score (empty for no value).
func GradeSQL(score string) string {
	return "multiIf(isNaN(" + score + "), '', " + score + " >= 95, '★★★★★', " + score + " >= 90, '★★★★', " +
		score + " >= 80, '★★★', " + score + " >= 70, 'pass', 'fail')"
}

// sqlNum writes f as an SQL number, in as few digits as read back exactly.
func sqlNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
