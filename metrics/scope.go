package metrics

import (
	"slices"
	"strings"
)

// Scope is what a dialect decides about a query over request_state: which
// requests it covers and at which instant their deadlines are judged. The
// KPI expressions come from the catalog alone, whatever the scope, so every
// dialect computes the same numbers. The CLI's Query writes literal dates and
// a literal instant (Query.Scope); the dashboards write the Grafana plugin's
// macros and the dashboard's variables.
type Scope struct {
	// Cohort is the condition selecting the cohort: the requests opened on
	// the dates of a range.
	Cohort string
	// Filters are more conditions, each ANDed to the cohort; each must bind
	// tighter than AND (a comparison, a call, or parenthesised).
	Filters []string
	// AsOf is the SQL of the as-of instant, written in place of the
	// catalog's {asof} as it is: a literal or a call, or parenthesised.
	AsOf string
	// Multiline puts each filter on a line of its own ("\n  AND …"), as
	// panels show their SQL in Grafana's editor; otherwise one line.
	Multiline bool
}

// Where is the WHERE condition of s: the cohort AND every filter.
func (s Scope) Where() string {
	and := " AND "
	if s.Multiline {
		and = "\n  AND "
	}
	return strings.Join(append([]string{s.Cohort}, s.Filters...), and)
}

// Expr is k's expression with the as-of instant of s.
func (s Scope) Expr(k KPI) string { return at(k.Expr, s.AsOf) }

// at writes the as-of instant asOf in place of the catalog's {asof}.
func at(sql, asOf string) string { return strings.ReplaceAll(sql, asOfPlaceholder, asOf) }

// asOfPlaceholder is the catalog's stand-in for the as-of instant.
const asOfPlaceholder = asOf

// SelectSQL is the one query of the catalog: the given KPIs over the
// requests of s, grouped by by, one column per grouping (d_<dimension>) and
// per KPI (k_<id>), in the order given. KPIs derived from others (the
// evaluation score) have no expression and are skipped; WithScoreInputs adds
// what the score needs. There is no ORDER BY: the dialect says how its rows
// are ordered. The SQL runs on ClickHouse 18.16 and current versions.
func SelectSQL(kpis []KPI, by []Dimension, s Scope) string {
	var sel []string
	for _, d := range by {
		sel = append(sel, DimensionExpr(d)+" AS "+DimensionColumn(d))
	}
	for _, k := range kpis {
		if k.Expr == "" {
			continue
		}
		// Aliases get a prefix: ClickHouse substitutes aliases into other
		// expressions, so "AS csat" would capture the csat column.
		sel = append(sel, s.Expr(k)+" AS k_"+k.ID)
	}
	q := "SELECT " + strings.Join(sel, ",\n  ") + "\nFROM request_state FINAL\nWHERE " + s.Where()
	if len(by) > 0 {
		q += "\nGROUP BY " + GroupColumns(by)
	}
	return q
}

// DimensionColumn is the column of dimension d in SelectSQL: d_<dimension>.
func DimensionColumn(d Dimension) string { return "d_" + string(d) }

// GroupColumns lists the columns of the groupings by, comma-separated, as
// GROUP BY and ORDER BY name them.
func GroupColumns(by []Dimension) string {
	cols := make([]string, len(by))
	for i, d := range by {
		cols[i] = DimensionColumn(d)
	}
	return strings.Join(cols, ", ")
}

// DimensionExpr is the SQL expression of a dimension over request_state.
func DimensionExpr(d Dimension) string {
	e, ok := dimExpr(d)
	if !ok {
		panic("metrics: unknown dimension " + string(d))
	}
	return e
}

// WantsScore reports whether kpis ask for the evaluation score.
func WantsScore(kpis []KPI) bool {
	return slices.ContainsFunc(kpis, func(k KPI) bool { return k.ID == EvaluationID })
}

// WithScoreInputs returns kpis, followed, when they ask for the evaluation
// score, by the scored KPIs missing from them (in catalog order): the
// score is computed from their values.
func WithScoreInputs(kpis []KPI) []KPI {
	out := slices.Clone(kpis)
	if !WantsScore(kpis) {
		return out
	}
	for _, k := range catalog {
		if k.Weight > 0 && !slices.ContainsFunc(out, func(o KPI) bool { return o.ID == k.ID }) {
			out = append(out, k)
		}
	}
	return out
}

// Quote writes s as an SQL string literal.
func Quote(s string) string {
	return "'" + quoter.Replace(s) + "'"
}

// QuoteList writes ids as a list of SQL string literals, "'a','b'", in one
// allocation: the refresher names thousands of request ids per query, and
// a Replacer built per id once took 8% of ingest's CPU.
func QuoteList(ids []string) string {
	n := 0
	for _, id := range ids {
		n += len(id) + 3
	}
	var b strings.Builder
	b.Grow(n)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\'')
		if strings.ContainsAny(id, `\'`) {
			b.WriteString(quoter.Replace(id))
		} else {
			b.WriteString(id)
		}
		b.WriteByte('\'')
	}
	return b.String()
}

// quoter escapes text for a quoted SQL literal; built once.
var quoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)
