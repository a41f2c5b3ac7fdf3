package metrics

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
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
	// Split, when set, has Source read request_state as one FINAL per
	// condition. Each condition selects whole months of opened_date (the
	// partitions) and nothing else; together they are disjoint and cover
	// every month the cohort can reach (MonthsOf, MonthsBetween).
	Split []string
	// Rollup says that the cohort and the filters name only opened_date and
	// the rollup's dimensions (partner_id, contract_id, product_model,
	// region, channel), so SelectSQL may read the additive KPIs from the
	// daily rollup (rollup.go) of Database. It needs a Split.
	Rollup bool
	// Database holds request_state and the rollup's tables: the rollup's
	// subqueries name it (rollupTables).
	Database string
}

// Source is what a query over the requests of s reads FROM: request_state
// FINAL, or, with a Split, the UNION ALL of one FINAL per part of it.
// Callers write WHERE s.Where() after it: the cohort and the filters apply
// there, after the FINAL.
//
// Two facts of ClickHouse 18.16 shape it (docs/queries.md). A FINAL read,
// and what is computed after it, runs in one thread, while the arms of a
// UNION ALL run in parallel: the whole catalog for a quarter by partner
// over 10M requests took 3.7 s as one FINAL and 1.9 s as one per month, on
// two cores. And a condition on opened_date inside a FINAL skips the parts
// whose dates all miss it, before versions are collapsed: a request whose
// opened date moved within its month, its newest version alone in a part
// outside the cohort, would come back as its older version. So an arm asks
// for whole months only, which holds every version of a request or none
// (the refresher deletes a row left in another month), and the day-level
// cohort is judged on the newest versions.
func (s Scope) Source() string {
	if len(s.Split) == 0 {
		return "request_state FINAL"
	}
	arms := make([]string, len(s.Split))
	for i, c := range s.Split {
		arms[i] = "SELECT * FROM request_state FINAL WHERE " + c
	}
	return "(\n  " + strings.Join(arms, "\n  UNION ALL\n  ") + "\n)"
}

// MonthsOf splits the months of the dates from ≤ d < to, one part each
// (see Scope.Split); a range within one month is one part, so that no
// day-level condition reaches its FINAL either.
func MonthsOf(from, to time.Time) []string {
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC)
	var out []string
	for m := first; m.Before(end); m = m.AddDate(0, 1, 0) {
		out = append(out, "toYYYYMM(opened_date) = "+m.Format("200601"))
	}
	return out
}

// MonthsBetween splits the dates lo ≤ d < hi (SQL Dates, each the first
// day of a month) into n months from lo and the rest as one part (see
// Scope.Split). Dashboards, whose ranges are macros, split this way.
func MonthsBetween(lo, hi string, n int) []string {
	month := func(k int) string {
		if k == 0 {
			return lo
		}
		return "addMonths(" + lo + ", " + strconv.Itoa(k) + ")"
	}
	var out []string
	for k := range n {
		out = append(out, "opened_date >= "+month(k)+" AND opened_date < least("+month(k+1)+", "+hi+")")
	}
	return append(out, "opened_date >= "+month(n)+" AND opened_date < "+hi)
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
//
// With s.Rollup, the KPIs the daily rollup holds (its sums and the exact
// percentiles of its samples, Rolled) come from it where it is current, and
// from request_state elsewhere (rollupSelect); any other (none in the
// catalog today) from request_state, joined on the groupings. The numbers are the same either way.
func SelectSQL(kpis []KPI, by []Dimension, s Scope) string {
	if s.Rollup && s.Database != "" && len(s.Split) > 0 && rollupable(by) {
		var add, rest []KPI
		for _, k := range kpis {
			switch {
			case k.Expr == "":
			case Rolled(k):
				add = append(add, k)
			default:
				rest = append(rest, k)
			}
		}
		if len(add) > 0 {
			if len(rest) == 0 {
				return rollupSelect(add, by, s)
			}
			return joinedSelect(kpis, add, rest, by, s)
		}
	}
	return directSelect(kpis, by, s)
}

// joinedSelect is SelectSQL of kpis, whose rolled ones (add) come from
// rollupSelect and the others (rest) from request_state, one row per group
// on each side: the two are joined on the groupings.
func joinedSelect(kpis, add, rest []KPI, by []Dimension, s Scope) string {
	var cols []string
	for _, d := range by {
		cols = append(cols, DimensionColumn(d))
	}
	for _, k := range kpis {
		if k.Expr != "" {
			cols = append(cols, "k_"+k.ID)
		}
	}
	join := "CROSS JOIN"
	using := ""
	if len(by) > 0 {
		join, using = "ANY LEFT JOIN", "\nUSING "+GroupColumns(by)
	}
	// Aliased: current ClickHouse asks a joined subquery for one.
	return "SELECT " + strings.Join(cols, ", ") + "\nFROM (\n" + rollupSelect(add, by, s) + "\n) AS additive\n" + join + " (\n" +
		directSelect(rest, by, s) + "\n) AS percentiles" + using
}

// directSelect is SelectSQL reading request_state alone.
func directSelect(kpis []KPI, by []Dimension, s Scope) string {
	var sel []string
	for _, d := range by {
		sel = append(sel, DimensionExpr(d)+" AS "+DimensionColumn(d))
	}
	fused := fuseQuantiles(kpis)
	for _, k := range kpis {
		if k.Expr == "" {
			continue
		}
		e := s.Expr(k)
		if f, ok := fused[k.ID]; ok {
			e = at(f, s.AsOf)
		}
		// Aliases get a prefix: ClickHouse substitutes aliases into other
		// expressions, so "AS csat" would capture the csat column.
		sel = append(sel, e+" AS k_"+k.ID)
	}
	q := "SELECT " + strings.Join(sel, ",\n  ") + "\nFROM " + s.Source() + "\nWHERE " + s.Where()
	if len(by) > 0 {
		q += "\nGROUP BY " + GroupColumns(by)
	}
	return q
}

// exactQuantile is a KPI expression quantileExactIf(level)(args).
var exactQuantile = regexp.MustCompile(`^quantileExactIf\(([0-9.]+)\)\((.*)\)$`)

// fuseQuantiles rewrites the percentiles among kpis that read the same
// values (the median and p90 of the reply, say) as one
// quantilesExactIf(l1, l2)(…)[i] each (NaN without values, as
// quantileExactIf): ClickHouse computes the identical
// aggregate once, so the values are sorted once, where each quantileExactIf
// sorted them again (the catalog's six: 0.11–0.17 s → 0.07 s over a quarter
// of 10M requests). The same algorithm, so the same numbers. It returns
// the rewritten expression by KPI id.
func fuseQuantiles(kpis []KPI) map[string]string {
	type level struct{ id, level string }
	byArgs := map[string][]level{}
	var order []string
	for _, k := range kpis {
		m := exactQuantile.FindStringSubmatch(k.Expr)
		if m == nil {
			continue
		}
		if _, seen := byArgs[m[2]]; !seen {
			order = append(order, m[2])
		}
		byArgs[m[2]] = append(byArgs[m[2]], level{k.ID, m[1]})
	}
	out := map[string]string{}
	for _, args := range order {
		ls := byArgs[args]
		if len(ls) < 2 {
			continue
		}
		levels := make([]string, len(ls))
		for i, l := range ls {
			levels[i] = l.level
		}
		_, cond, ok := splitTopComma(args)
		if !ok {
			continue
		}
		// Without values, current ClickHouse returns zeros where
		// quantileExactIf returns NaN, as 18.16 does.
		call := "quantilesExactIf(" + strings.Join(levels, ", ") + ")(" + args + ")"
		for i, l := range ls {
			out[l.id] = "if(countIf(" + strings.TrimSpace(cond) + ") = 0, nan, " + call + "[" + strconv.Itoa(i+1) + "])"
		}
	}
	return out
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
