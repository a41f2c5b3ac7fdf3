package reports

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/metrics"
)

// MinPeers is the fewest peers (other partners with a value) a benchmark
// needs; with fewer, a scorecard shows no benchmark, so that no peer's value
// can be inferred.
const MinPeers = 3

// NoBenchmark is the note of a scorecard with too few peers.
const NoBenchmark = "fewer than 3 peers: no benchmark"

// Scorecard is one partner's report (clause 10.2): its KPIs against the
// anonymised distribution of its peers. It never holds another partner's
// id, name or values — only peer quartiles, and only from MinPeers peers.
type Scorecard struct {
	Period    Period    `json:"period"`
	AsOf      time.Time `json:"as_of"`
	PartnerID string    `json:"partner_id"`
	Score     *float64  `json:"score"`
	Grade     string    `json:"grade"`
	// Peers is the number of other partners with requests in the period.
	Peers int            `json:"peers"`
	Note  string         `json:"note,omitempty"` // NoBenchmark when Peers < MinPeers
	KPIs  []ScorecardKPI `json:"kpis"`
}

// ScorecardKPI is one KPI of a scorecard. P25, Median and P75 are the peers'
// quartiles (linear interpolation between ranks), nil when fewer than
// MinPeers peers have a value; Quartile is where the partner stands, 1 the
// best quarter … 4 the worst, 0 when not benchmarked.
type ScorecardKPI struct {
	metrics.Result
	P25      *float64 `json:"p25"`
	Median   *float64 `json:"median"`
	P75      *float64 `json:"p75"`
	Quartile int      `json:"quartile"`
}

// BuildScorecard computes partner's scorecard for period p as of asOf.
func BuildScorecard(ctx context.Context, conn driver.Conn, p Period, asOf time.Time, partner string) (*Scorecard, error) {
	q := metrics.Query{From: p.From, To: p.To, AsOf: asOf, By: []metrics.Dimension{metrics.ByPartner}}
	gs, err := metrics.Run(ctx, conn, q, metrics.All(), nil)
	if err != nil {
		return nil, fmt.Errorf("scorecard %s %s: %w", p.Label, partner, err)
	}
	var own *metrics.Group
	var peers []map[string]float64
	for i, g := range gs {
		if g.Keys[metrics.ByPartner] == partner {
			own = &gs[i]
		} else {
			peers = append(peers, g.Values)
		}
	}
	if own == nil {
		return nil, fmt.Errorf("scorecard %s: partner %q has no requests in the period", p.Label, partner)
	}
	s := &Scorecard{Period: p, AsOf: asOf.UTC(), PartnerID: partner, Peers: len(peers)}
	score := own.Values[metrics.EvaluationID]
	s.Score, s.Grade = num(score), metrics.Grade(score)
	if len(peers) < MinPeers {
		s.Note = NoBenchmark
	}
	for _, res := range metrics.Results([]metrics.Group{*own}, metrics.All(), nil) {
		sk := ScorecardKPI{Result: res}
		var vals []float64
		for _, pv := range peers {
			if x, ok := pv[res.ID]; ok && !math.IsNaN(x) {
				vals = append(vals, x)
			}
		}
		if len(peers) >= MinPeers && len(vals) >= MinPeers {
			slices.Sort(vals)
			p25, med, p75 := quantile(vals, 0.25), quantile(vals, 0.5), quantile(vals, 0.75)
			sk.P25, sk.Median, sk.P75 = &p25, &med, &p75
			sk.Quartile = quartile(res.Direction, valueOf(own.Values, res.ID), p25, med, p75)
		}
		s.KPIs = append(s.KPIs, sk)
	}
	return s, nil
}

// quantile of sorted values, linear between ranks (R type 7).
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(math.Floor(pos))
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}

// quartile places v among the peers' quartiles: 1 the best quarter (at or
// beyond p75 for higher-is-better, at or below p25 for lower-is-better).
func quartile(d metrics.Direction, v, p25, med, p75 float64) int {
	switch {
	case math.IsNaN(v) || d == metrics.Informational:
		return 0
	case d == metrics.LowerIsBetter:
		v, p25, med, p75 = -v, -p75, -med, -p25
	}
	switch {
	case v >= p75:
		return 1
	case v >= med:
		return 2
	case v >= p25:
		return 3
	}
	return 4
}
