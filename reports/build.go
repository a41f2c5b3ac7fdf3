package reports

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/contracts"
	"servicepulse/metrics"
	"servicepulse/sla/breaches"
)

// TrendPeriods is how many periods before the reported one each trend shows.
const TrendPeriods = 3

// WorstBreaches is how many breaches each clause lists, the latest first.
const WorstBreaches = 10

// Report is the data of one periodic report. Numbers are nil (JSON null)
// where there is no data (an empty denominator).
type Report struct {
	Period Period    `json:"period"`
	AsOf   time.Time `json:"as_of"`
	// Score is the evaluation score of clause 11.2 over all partners, with
	// the catalog's default targets and weights; Grade its grade.
	Score *float64 `json:"score"`
	Grade string   `json:"grade"`
	// Summary is the executive summary, computed from the rows below.
	Summary Summary `json:"summary"`
	// KPIs holds every catalog KPI, in catalog order.
	KPIs     []KPIValue     `json:"kpis"`
	Breaches []ClauseBreach `json:"breaches"`
	Partners []PartnerRank  `json:"partners"`
	Causes   []CauseShare   `json:"causes"`
	// Actions are the improvement actions created by the as-of time, judged
	// on this period's values.
	Actions []ActionStatus `json:"actions"`
}

// KPIValue is one KPI of the report: its result over all partners, with
// the catalog's default target, and its history.
type KPIValue struct {
	metrics.Result
	// Trend is the value in the TrendPeriods periods before, oldest first.
	Trend []TrendPoint `json:"trend"`
	// Reported is the value as first published for this period (nil if
	// never published, or published without data), at ReportedAt; Restated
	// says the value has changed since.
	Reported   *float64   `json:"reported,omitempty"`
	ReportedAt *time.Time `json:"reported_at,omitempty"`
	Restated   bool       `json:"restated,omitempty"`
}

// TrendPoint is a KPI's value in an earlier period.
type TrendPoint struct {
	Period string   `json:"period"`
	Value  *float64 `json:"value"`
}

// ClauseBreach sums the breaches of one contract clause.
type ClauseBreach struct {
	Clause string   `json:"clause"`
	Kinds  []string `json:"kinds"`
	// Count adds up Breach.Count; Requests is the number of distinct requests.
	Count    int `json:"count"`
	Requests int `json:"requests"`
	// Worst are the WorstBreaches breaches with the most late hours (ties:
	// by request id, then kind).
	Worst []breaches.Breach `json:"worst"`
}

// PartnerRank is one partner's evaluation; Rank 1 is the best score, and
// partners without a score come last, unranked (0).
type PartnerRank struct {
	PartnerID string   `json:"partner_id"`
	Requests  int      `json:"requests"`
	Score     *float64 `json:"score"`
	Grade     string   `json:"grade"`
	Rank      int      `json:"rank"`
}

// CauseShare is the share of resolved requests with one root cause.
type CauseShare struct {
	Cause    string  `json:"cause"`
	Requests int     `json:"requests"`
	Share    float64 `json:"share"` // percent of resolved requests
}

func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// Build computes the report of period p as of asOf. terms (the contracts in
// ClickHouse) measure how late breaches are; nil measures wall-clock hours.
func Build(ctx context.Context, conn driver.Conn, p Period, asOf time.Time, terms *contracts.File) (*Report, error) {
	q := metrics.Query{From: p.From, To: p.To, AsOf: asOf}
	all, err := cohort(ctx, conn, q)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", p.Label, err)
	}
	prev := p.Previous(TrendPeriods)
	trend := make([]map[string]float64, len(prev))
	for i, pp := range prev {
		if trend[i], err = cohort(ctx, conn, metrics.Query{From: pp.From, To: pp.To, AsOf: asOf}); err != nil {
			return nil, fmt.Errorf("report %s: trend %s: %w", p.Label, pp.Label, err)
		}
	}
	pub, err := firstReported(ctx, conn, p, ScopeAll)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", p.Label, err)
	}
	r := &Report{Period: p, AsOf: asOf.UTC()}
	score := all[metrics.EvaluationID]
	r.Score, r.Grade = num(score), metrics.Grade(score)
	for _, res := range metrics.Results([]metrics.Group{{Values: all}}, metrics.All(), nil) {
		kv := KPIValue{Result: res}
		for i, pp := range prev {
			tv, ok := trend[i][res.ID]
			if !ok {
				tv = math.NaN()
			}
			kv.Trend = append(kv.Trend, TrendPoint{Period: pp.Label, Value: num(tv)})
		}
		if first, ok := pub[res.ID]; ok {
			at := first.at.UTC()
			kv.Reported, kv.ReportedAt = num(first.value), &at
			kv.Restated = !sameValue(first.value, valueOf(all, res.ID))
		}
		r.KPIs = append(r.KPIs, kv)
	}
	if r.Partners, err = partners(ctx, conn, q); err != nil {
		return nil, fmt.Errorf("report %s: %w", p.Label, err)
	}
	// Streamed: holding every breach of a quarter over 10M requests to
	// keep ten per clause allocated 5.9 GB (BENCHMARKS.md).
	var acc clauses
	if err := breaches.Each(ctx, conn, q, terms, acc.add); err != nil {
		return nil, fmt.Errorf("report %s: %w", p.Label, err)
	}
	r.Breaches = acc.result()
	if r.Causes, err = causes(ctx, conn, q); err != nil {
		return nil, fmt.Errorf("report %s: %w", p.Label, err)
	}
	acts, err := ListActions(ctx, conn, asOf)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", p.Label, err)
	}
	r.Actions = []ActionStatus{}
	for _, a := range acts {
		v, ok := all[a.KPI]
		if !ok {
			v = math.NaN()
		}
		r.Actions = append(r.Actions, Judge(a, v))
	}
	r.Summary = summarise(r)
	return r, nil
}

// cohort computes the whole catalog over q's cohort (no grouping); an empty
// cohort gives NaN everywhere.
func cohort(ctx context.Context, conn driver.Conn, q metrics.Query) (map[string]float64, error) {
	gs, err := metrics.Run(ctx, conn, q, metrics.All(), nil)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return map[string]float64{}, nil
	}
	return gs[0].Values, nil
}

func partners(ctx context.Context, conn driver.Conn, q metrics.Query) ([]PartnerRank, error) {
	q.By = []metrics.Dimension{metrics.ByPartner}
	gs, err := metrics.Run(ctx, conn, q, []metrics.KPI{mustKPI("requests"), mustKPI(metrics.EvaluationID)}, nil)
	if err != nil {
		return nil, err
	}
	out := make([]PartnerRank, 0, len(gs))
	for _, g := range gs {
		s := g.Values[metrics.EvaluationID]
		out = append(out, PartnerRank{PartnerID: g.Keys[metrics.ByPartner], Requests: int(g.Values["requests"]),
			Score: num(s), Grade: metrics.Grade(s)})
	}
	slices.SortFunc(out, func(a, b PartnerRank) int {
		switch {
		case a.Score == nil && b.Score == nil:
			return cmp.Compare(a.PartnerID, b.PartnerID)
		case a.Score == nil:
			return 1
		case b.Score == nil:
			return -1
		}
		return cmp.Or(cmp.Compare(*b.Score, *a.Score), cmp.Compare(a.PartnerID, b.PartnerID))
	})
	for i := range out {
		if out[i].Score == nil {
			break
		}
		out[i].Rank = i + 1
		if i > 0 && *out[i].Score == *out[i-1].Score {
			out[i].Rank = out[i-1].Rank // equal scores share a rank
		}
	}
	return out, nil
}

func mustKPI(id string) metrics.KPI {
	k, ok := metrics.ByID(id)
	if !ok {
		panic("reports: no KPI " + id)
	}
	return k
}

// clauses sums breaches by clause, in the order clauses first appear,
// keeping only the WorstBreaches worst of each.
type clauses struct {
	out  []ClauseBreach
	idx  map[string]int
	reqs []map[string]struct{} // the distinct requests of out[i]
}

func (c *clauses) add(b *breaches.Breach) error {
	i, ok := c.idx[b.Clause]
	if !ok {
		if c.idx == nil {
			c.idx = map[string]int{}
		}
		i = len(c.out)
		c.idx[b.Clause] = i
		c.out = append(c.out, ClauseBreach{Clause: b.Clause})
		c.reqs = append(c.reqs, map[string]struct{}{})
	}
	cb := &c.out[i]
	if !slices.Contains(cb.Kinds, b.Kind) {
		cb.Kinds = append(cb.Kinds, b.Kind)
	}
	cb.Count += b.Count
	c.reqs[i][b.RequestID] = struct{}{}
	// Insert in order and drop the last: ten comparisons per breach.
	at, _ := slices.BinarySearchFunc(cb.Worst, *b, worse)
	if at < WorstBreaches {
		cb.Worst = slices.Insert(cb.Worst, at, *b)
		cb.Worst = cb.Worst[:min(len(cb.Worst), WorstBreaches)]
	}
	return nil
}

// worse orders breaches the most late hours first; ties by request id,
// kind, then deadline (the order List gives within a kind).
func worse(a, b breaches.Breach) int {
	return cmp.Or(cmp.Compare(b.LateHours, a.LateHours), cmp.Compare(a.RequestID, b.RequestID),
		cmp.Compare(a.Kind, b.Kind), a.Deadline.Compare(b.Deadline))
}

func (c *clauses) result() []ClauseBreach {
	out := c.out
	if out == nil {
		out = []ClauseBreach{}
	}
	for i := range out {
		out[i].Requests = len(c.reqs[i])
	}
	return out
}

// causes is the cause mix of the resolved requests of q's cohort, the most
// frequent first.
func causes(ctx context.Context, conn driver.Conn, q metrics.Query) ([]CauseShare, error) {
	s := q.Scope()
	rows, err := conn.Query(ctx, "SELECT cause, count() FROM "+s.Source()+" WHERE "+s.Where()+
		" AND toUInt32(resolved_at) > 0 GROUP BY cause")
	if err != nil {
		return nil, fmt.Errorf("cause mix: %w", err)
	}
	defer rows.Close()
	out := []CauseShare{}
	total := 0
	for rows.Next() {
		var c CauseShare
		var n uint64
		if err := rows.Scan(&c.Cause, &n); err != nil {
			return nil, fmt.Errorf("cause mix: %w", err)
		}
		c.Requests = int(n)
		total += c.Requests
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cause mix: %w", err)
	}
	for i := range out {
		out[i].Share = 100 * float64(out[i].Requests) / float64(total)
	}
	slices.SortFunc(out, func(a, b CauseShare) int {
		return cmp.Or(cmp.Compare(b.Requests, a.Requests), cmp.Compare(a.Cause, b.Cause))
	})
	return out, nil
}

// valueOf is the value of KPI id in values, NaN (no data) when missing.
func valueOf(values map[string]float64, id string) float64 {
	if v, ok := values[id]; ok {
		return v
	}
	return math.NaN()
}

// sameValue: equal within 1e-9 relative, or both without data.
func sameValue(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}
