package reports

import (
	"cmp"
	"math"
	"slices"

	"servicepulse/metrics"
)

// SummaryMovers is how many KPIs the executive summary names as having
// moved most; SummaryPartners how many partners it names at each end of the
// ranking.
const (
	SummaryMovers   = 3
	SummaryPartners = 3
)

// Summary is the executive summary that opens the report. Every number in
// it is copied from the report's own rows (KPIs, Breaches, Partners), so it
// can never disagree with them.
type Summary struct {
	// Score and Grade are the evaluation score's row; Previous and
	// PreviousGrade its value in the period before (its last trend point,
	// nil without data), Change the difference (nil unless both exist).
	Score          *float64 `json:"score"`
	Grade          string   `json:"grade"`
	PreviousPeriod string   `json:"previous_period"`
	Previous       *float64 `json:"previous"`
	PreviousGrade  string   `json:"previous_grade"`
	Change         *float64 `json:"change"`
	// Movers are the SummaryMovers KPIs that moved most since the previous
	// period, the largest move first.
	Movers []Mover `json:"movers"`
	// TopClause is the clause with the most breaches (nil without any).
	TopClause *ClauseCount `json:"top_clause"`
	// Top are the best-ranked partners, best first; Bottom the worst-ranked,
	// worst last. The two never overlap: with fewer than 2×SummaryPartners
	// ranked partners the top gets the better half (rounded up).
	Top    []PartnerRank `json:"top"`
	Bottom []PartnerRank `json:"bottom"`
}

// Mover is one KPI's move since the previous period.
type Mover struct {
	ID       string       `json:"id"`
	Title    string       `json:"title"`
	TitleZH  string       `json:"title_zh"`
	Unit     metrics.Unit `json:"unit"`
	Value    float64      `json:"value"`
	Previous float64      `json:"previous"`
	// Change is Value − Previous; Relative is |Change| ÷ max(|Value|,
	// |Previous|), in 0..1, the measure movers are ranked by, so that
	// percentages, hours and counts compare.
	Change   float64 `json:"change"`
	Relative float64 `json:"relative"`
	// Arrow is ▲ (up) or ▼ (down); Better says whether the move is for the
	// better in the KPI's direction.
	Arrow  string `json:"arrow"`
	Better bool   `json:"better"`
}

// ClauseCount is a clause's breaches, as its ClauseBreach row counts them.
type ClauseCount struct {
	Clause   string `json:"clause"`
	Count    int    `json:"count"`
	Requests int    `json:"requests"`
}

// summarise builds the executive summary of r from r's rows.
func summarise(r *Report) Summary {
	var s Summary
	for _, k := range r.KPIs {
		if k.ID != metrics.EvaluationID {
			continue
		}
		s.Score, s.Grade = k.Value, r.Grade
		if n := len(k.Trend); n > 0 {
			last := k.Trend[n-1]
			s.PreviousPeriod, s.Previous = last.Period, last.Value
			if last.Value != nil {
				s.PreviousGrade = metrics.Grade(*last.Value)
			}
		}
		if s.Score != nil && s.Previous != nil {
			s.Change = num(*s.Score - *s.Previous)
		}
	}
	s.Movers = movers(r.KPIs)
	for _, c := range r.Breaches {
		if s.TopClause == nil || c.Count > s.TopClause.Count {
			s.TopClause = &ClauseCount{Clause: c.Clause, Count: c.Count, Requests: c.Requests}
		}
	}
	s.Top, s.Bottom = ends(r.Partners)
	return s
}

// movers are the judged KPIs (not informational, not the evaluation score
// itself) with a value now and in the previous period that moved, ranked by
// relative change, the largest first; ties in catalog order.
func movers(kpis []KPIValue) []Mover {
	out := []Mover{}
	for _, k := range kpis {
		if k.ID == metrics.EvaluationID || k.Direction == metrics.Informational || k.Value == nil || len(k.Trend) == 0 {
			continue
		}
		prev := k.Trend[len(k.Trend)-1].Value
		if prev == nil || *k.Value == *prev {
			continue
		}
		m := Mover{ID: k.ID, Title: k.Title, TitleZH: k.TitleZH, Unit: k.Unit, Value: *k.Value, Previous: *prev,
			Change: *k.Value - *prev}
		m.Relative = math.Abs(m.Change) / math.Max(math.Abs(m.Value), math.Abs(m.Previous))
		m.Arrow, m.Better = "▲", k.Direction == metrics.HigherIsBetter
		if m.Change < 0 {
			m.Arrow, m.Better = "▼", !m.Better
		}
		out = append(out, m)
	}
	slices.SortStableFunc(out, func(a, b Mover) int { return cmp.Compare(b.Relative, a.Relative) })
	return out[:min(len(out), SummaryMovers)]
}

// ends are the top and the bottom of the ranked partners (Rank > 0; the
// ranking is best first).
func ends(ps []PartnerRank) (top, bottom []PartnerRank) {
	n := 0
	for n < len(ps) && ps[n].Rank > 0 {
		n++
	}
	t := min(SummaryPartners, (n+1)/2)
	b := min(SummaryPartners, n-t)
	return append([]PartnerRank{}, ps[:t]...), append([]PartnerRank{}, ps[n-b:n]...)
}
