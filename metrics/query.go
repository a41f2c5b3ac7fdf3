package metrics

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Dimension is a way to group KPI values.
type Dimension string

// Dimensions: request attributes, and periods of the opening date.
const (
	ByPartner  Dimension = "partner"
	ByContract Dimension = "contract"
	ByModel    Dimension = "model"
	ByRegion   Dimension = "region"
	ByChannel  Dimension = "channel"
	ByDay      Dimension = "day"
	ByWeek     Dimension = "week"
	ByMonth    Dimension = "month"
	ByQuarter  Dimension = "quarter"
)

// Dimensions lists every dimension with its SQL expression.
var Dimensions = []struct {
	Dim  Dimension
	Expr string
}{
	{ByPartner, "partner_id"}, {ByContract, "contract_id"}, {ByModel, "product_model"},
	{ByRegion, "region"}, {ByChannel, "channel"},
	{ByDay, "opened_date"}, {ByWeek, "toMonday(opened_date)"},
	{ByMonth, "toStartOfMonth(opened_date)"}, {ByQuarter, "toStartOfQuarter(opened_date)"},
}

func dimExpr(d Dimension) (string, bool) {
	for _, x := range Dimensions {
		if x.Dim == d {
			return x.Expr, true
		}
	}
	return "", false
}

func isPeriod(d Dimension) bool {
	return d == ByDay || d == ByWeek || d == ByMonth || d == ByQuarter
}

// ParseDimensions reads a comma-separated list such as "partner,month".
func ParseDimensions(s string) ([]Dimension, error) {
	var out []Dimension
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		d := Dimension(p)
		if _, ok := dimExpr(d); !ok {
			names := make([]string, len(Dimensions))
			for i, x := range Dimensions {
				names[i] = string(x.Dim)
			}
			return nil, fmt.Errorf("unknown grouping %q: want one of %s", p, strings.Join(names, ", "))
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, nil
}

// Query selects the cohort of requests opened on local dates From ≤ d < To,
// optionally filtered by dimension values, grouped by By, as of AsOf.
type Query struct {
	From, To time.Time // dates, read as calendar days in their own location
	By       []Dimension
	Filter   map[Dimension]string
	AsOf     time.Time
	// Database is the database of request_state, whose daily rollup the
	// query may read (Scope.Database); Run fills it in from the connection.
	// Empty: the query reads request_state alone.
	Database string
}

// Validate reports a query that cannot run.
func (q Query) Validate() error {
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		return fmt.Errorf("date range %s … %s is empty", q.From.Format(time.DateOnly), q.To.Format(time.DateOnly))
	}
	if q.AsOf.IsZero() {
		return fmt.Errorf("as-of time is not set")
	}
	for d := range q.Filter {
		if _, ok := dimExpr(d); !ok || isPeriod(d) {
			return fmt.Errorf("cannot filter by %q", d)
		}
	}
	return nil
}

// Scope is the CLI dialect of q: the dates of its range and its as-of
// instant as literals, and its filters as equalities, in the order of the
// dimensions' names.
func (q Query) Scope() Scope {
	s := Scope{
		Cohort: fmt.Sprintf("opened_date >= toDate('%s') AND opened_date < toDate('%s')",
			q.From.Format(time.DateOnly), q.To.Format(time.DateOnly)),
		AsOf:     "toDateTime('" + q.AsOf.UTC().Format(time.DateTime) + "', 'UTC')",
		Split:    MonthsOf(q.From, q.To),
		Rollup:   q.Database != "", // the filters are equalities of dimensions
		Database: q.Database,
	}
	keys := make([]string, 0, len(q.Filter))
	for d := range q.Filter {
		keys = append(keys, string(d))
	}
	slices.Sort(keys)
	for _, k := range keys {
		e, _ := dimExpr(Dimension(k)) // Validate rejects an unknown one
		s.Filters = append(s.Filters, e+" = "+Quote(q.Filter[Dimension(k)]))
	}
	return s
}

// SQL returns the query computing the given KPIs (derived ones are skipped):
// the grouping columns first (d_<dimension>), then one column per KPI (k_<id>),
// ordered by the groupings. It runs unchanged on ClickHouse 18.16 and current
// versions.
func (q Query) SQL(kpis []KPI) string {
	s := SelectSQL(kpis, q.By, q.Scope())
	if len(q.By) > 0 {
		s += "\nORDER BY " + GroupColumns(q.By)
	}
	return s
}

// Group is one row of results: the grouping values and a value per KPI id.
// A value is NaN when its denominator is empty (no data).
type Group struct {
	Keys   map[Dimension]string
	Values map[string]float64
}

// Run computes kpis for q on conn, and the evaluation score when asked for
// (with the default targets and weights, or those of targets).
func Run(ctx context.Context, conn driver.Conn, q Query, kpis []KPI, targets Targets) ([]Group, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	need := WithScoreInputs(kpis)
	if q.Database == "" {
		if err := conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&q.Database); err != nil {
			return nil, fmt.Errorf("kpi query: %w", err)
		}
	}
	rows, err := conn.Query(ctx, q.SQL(need))
	if err != nil {
		return nil, fmt.Errorf("kpi query: %w", err)
	}
	defer rows.Close()
	var out []Group
	cols := rows.ColumnTypes()
	for rows.Next() {
		dest := make([]any, len(cols))
		for i, c := range cols {
			dest[i] = newScanTarget(c.ScanType().String())
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan kpi row: %w", err)
		}
		g := Group{Keys: map[Dimension]string{}, Values: map[string]float64{}}
		for i, d := range q.By {
			g.Keys[d] = formatKey(d, dest[i])
		}
		i := len(q.By)
		for _, k := range need {
			if k.Expr == "" {
				continue
			}
			g.Values[k.ID] = toFloat(dest[i])
			i++
		}
		if WantsScore(kpis) {
			g.Values[EvaluationID], _ = Evaluate(g.Values, targets.For(g.Keys))
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kpi query: %w", err)
	}
	return out, nil
}

func newScanTarget(goType string) any {
	switch goType {
	case "time.Time":
		return new(time.Time)
	case "string":
		return new(string)
	case "uint64":
		return new(uint64)
	case "int64":
		return new(int64)
	case "float64":
		return new(float64)
	case "*float64":
		return new(*float64)
	}
	return new(any)
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case *float64:
		return *x
	case **float64:
		if *x == nil {
			return math.NaN()
		}
		return **x
	case *uint64:
		return float64(*x)
	case *int64:
		return float64(*x)
	case *any:
		switch y := (*x).(type) {
		case float64:
			return y
		case uint64:
			return float64(y)
		case int64:
			return float64(y)
		}
	}
	return math.NaN()
}

func formatKey(d Dimension, v any) string {
	switch x := v.(type) {
	case *string:
		return *x
	case *time.Time:
		switch d {
		case ByMonth:
			return x.Format("2006-01")
		case ByQuarter:
			return fmt.Sprintf("%d-Q%d", x.Year(), (int(x.Month())+2)/3)
		}
		return x.Format(time.DateOnly)
	}
	return fmt.Sprint(v)
}
