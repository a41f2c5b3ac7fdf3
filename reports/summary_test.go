package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"servicepulse/metrics"
)

func f(v float64) *float64 { return &v }

// kpiRow is a report row of catalog KPI id with its value now and in the
// previous period (the last of three trend points).
func kpiRow(t *testing.T, id string, prev, now *float64) KPIValue {
	t.Helper()
	k, ok := metrics.ByID(id)
	if !ok {
		t.Fatalf("no KPI %s", id)
	}
	r := metrics.Results([]metrics.Group{{Values: map[string]float64{}}}, []metrics.KPI{k}, nil)[0]
	r.Value = now
	return KPIValue{Result: r, Trend: []TrendPoint{{"2026-Q1", nil}, {"2026-Q2", f(1)}, {"2026-Q3", prev}}}
}

// A hand-made report: the summary picks the three largest relative moves
// among judged KPIs (not informational ones, not the score itself, not
// those without a value in either period), with arrows by sign and "better"
// by direction; the clause with the most breaches; three partners at each
// end of the ranking, never the unranked.
func TestSummariseByHand(t *testing.T) {
	r := &Report{Grade: "pass", KPIs: []KPIValue{
		kpiRow(t, "reply_sla_rate", f(90), f(81)),              // −9 of 90: 0.10, worse
		kpiRow(t, "reply_hours_p50", f(4), f(2)),               // −2 of 4: 0.50, better (lower is better)
		kpiRow(t, "onsite_sla_rate", f(50), f(100)),            // +50 of 100: 0.50, better; after p50 in catalog order
		kpiRow(t, "breaches_late_reply", f(10), f(40)),         // +30 of 40: 0.75, worse
		kpiRow(t, "csat", nil, f(80)),                          // no previous value
		kpiRow(t, "first_time_fix_rate", f(70), f(70)),         // did not move
		kpiRow(t, "requests", f(10), f(1000)),                  // informational
		kpiRow(t, metrics.EvaluationID, f(88.5), f(72.25)),     // the score: not a mover
		kpiRow(t, "complaint_close_hours_p50", f(20), f(19.5)), // 0.025
	}}
	r.Breaches = []ClauseBreach{{Clause: "2.3.1", Count: 4, Requests: 3}, {Clause: "2.4.1", Count: 6, Requests: 2}, {Clause: "5.3", Count: 6, Requests: 6}}
	for i, id := range []string{"P1", "P2", "P3", "P4", "P5", "P6", "P7"} {
		r.Partners = append(r.Partners, PartnerRank{PartnerID: id, Score: f(float64(90 - i)), Rank: i + 1})
	}
	r.Partners = append(r.Partners, PartnerRank{PartnerID: "P-none"})

	s := summarise(r)
	if !closeTo(s.Score, 72.25) || !closeTo(s.Previous, 88.5) || !closeTo(s.Change, -16.25) || s.PreviousPeriod != "2026-Q3" ||
		s.Grade != "pass" || s.PreviousGrade != metrics.Grade(88.5) {
		t.Errorf("score %v (prev %s %v %s, change %v), want 72.25 vs 2026-Q3 88.5, change -16.25",
			s.Score, s.PreviousPeriod, s.Previous, s.PreviousGrade, s.Change)
	}
	want := []struct {
		id, arrow string
		better    bool
		rel       float64
	}{{"breaches_late_reply", "▲", false, 0.75}, {"reply_hours_p50", "▼", true, 0.5}, {"onsite_sla_rate", "▲", true, 0.5}}
	if len(s.Movers) != len(want) {
		t.Fatalf("movers %+v, want %d", s.Movers, len(want))
	}
	for i, w := range want {
		m := s.Movers[i]
		if m.ID != w.id || m.Arrow != w.arrow || m.Better != w.better || !closeTo(&m.Relative, w.rel) {
			t.Errorf("mover #%d = %s %s better=%v %.3f, want %s %s better=%v %.3f", i+1, m.ID, m.Arrow, m.Better, m.Relative,
				w.id, w.arrow, w.better, w.rel)
		}
	}
	if c := s.TopClause; c == nil || c.Clause != "2.4.1" || c.Count != 6 || c.Requests != 2 {
		t.Errorf("top clause %+v, want 2.4.1 (6 breaches of 2 requests; the first of equal counts)", c)
	}
	ids := func(ps []PartnerRank) (out []string) {
		for _, p := range ps {
			out = append(out, p.PartnerID)
		}
		return out
	}
	if top, bottom := ids(s.Top), ids(s.Bottom); !reflect.DeepEqual(top, []string{"P1", "P2", "P3"}) ||
		!reflect.DeepEqual(bottom, []string{"P5", "P6", "P7"}) {
		t.Errorf("top %v bottom %v, want P1..P3 and P5..P7", top, bottom)
	}
	for n, want := range map[int][2]int{0: {0, 0}, 1: {1, 0}, 2: {1, 1}, 3: {2, 1}, 5: {3, 2}} {
		top, bottom := ends(r.Partners[:n])
		if len(top) != want[0] || len(bottom) != want[1] {
			t.Errorf("%d ranked partners: top %d bottom %d, want %v", n, len(top), len(bottom), want)
		}
	}
}

// goldenReport is the report built from the September case by
// TestIntegrationBuildSeptember.
func goldenReport(t *testing.T) Report {
	t.Helper()
	b, err := os.ReadFile("testdata/september/report.json")
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// On the built report of the September case, the summary's numbers are
// those of the rows it summarises, and no judged KPI left out moved more
// than the movers named.
func TestSummaryMatchesBuiltReport(t *testing.T) {
	r := goldenReport(t)
	if got := summarise(&r); !reflect.DeepEqual(got, r.Summary) {
		t.Errorf("Build's summary differs from summarise on its rows:\n%+v\n%+v", r.Summary, got)
	}
	s := r.Summary
	rows := map[string]KPIValue{}
	for _, k := range r.KPIs {
		rows[k.ID] = k
	}
	score := rows[metrics.EvaluationID]
	last := score.Trend[len(score.Trend)-1]
	if !closeTo(s.Score, *score.Value) || !closeTo(s.Score, *r.Score) || !closeTo(s.Previous, *last.Value) || s.PreviousPeriod != last.Period ||
		!closeTo(s.Change, *score.Value-*last.Value) {
		t.Errorf("summary score %v vs %s %v, want the score row %v and its trend %s %v", s.Score, s.PreviousPeriod, s.Previous,
			*score.Value, last.Period, last.Value)
	}
	if len(s.Movers) != SummaryMovers {
		t.Fatalf("%d movers, want %d", len(s.Movers), SummaryMovers)
	}
	named := map[string]bool{}
	least := 2.0
	for _, m := range s.Movers {
		k := rows[m.ID]
		prev := k.Trend[len(k.Trend)-1].Value
		if k.Value == nil || prev == nil || !closeTo(k.Value, m.Value) || !closeTo(prev, m.Previous) || !closeTo(&m.Change, *k.Value-*prev) {
			t.Errorf("mover %s: %v → %v, the row says %v → %v", m.ID, m.Previous, m.Value, prev, k.Value)
		}
		named[m.ID], least = true, min(least, m.Relative)
	}
	for _, k := range movers(r.KPIs) {
		if !named[k.ID] && k.Relative > least {
			t.Errorf("%s moved %.3f, more than a named mover (%.3f)", k.ID, k.Relative, least)
		}
	}
	// The case by hand: clause 2.3.1 has 5 breaches of 3 requests; PT-A
	// ranks first, PT-B last.
	if c := s.TopClause; c == nil || c.Clause != r.Breaches[0].Clause || c.Count != 5 || c.Requests != 3 {
		t.Errorf("top clause %+v, want 2.3.1 with 5 breaches of 3 requests", c)
	}
	if !reflect.DeepEqual(s.Top, r.Partners[:1]) || !reflect.DeepEqual(s.Bottom, r.Partners[1:2]) || s.Top[0].PartnerID != "PT-A" {
		t.Errorf("top %+v bottom %+v, want PT-A and PT-B as ranked", s.Top, s.Bottom)
	}
}

// The page's summary shows the same numbers as the KPI table's cells.
func TestWriteHTMLSummary(t *testing.T) {
	r := goldenReport(t)
	var out bytes.Buffer
	if err := WriteHTML(&out, &r); err != nil {
		t.Fatal(err)
	}
	html := out.String()
	summary := regexp.MustCompile(`(?s)<table id="summary">.*?</table>`).FindString(html)
	if summary == "" {
		t.Fatal("page has no executive summary")
	}
	if i, j := strings.Index(html, `id="summary"`), strings.Index(html, `id="kpis"`); i > j {
		t.Error("the executive summary comes after the KPI table; it must open the report")
	}
	for _, want := range []string{`id="score">71.77<`, `id="previous-score">100<`, `id="score-change">−28.23<`,
		"clause 2.3.1: 5 breaches of 3 requests", `data-top="PT-A">PT-A 79.60 (pass)`, `data-bottom="PT-B">PT-B 54.04 (fail)`} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	cell := regexp.MustCompile(`<td class="n">([^<]*)</td>`)
	for _, m := range r.Summary.Movers {
		line := regexp.MustCompile(`<div data-mover="` + m.ID + `"[^>]*>(.*?)</div>`).FindStringSubmatch(summary)
		row := regexp.MustCompile(`(?s)<tr data-kpi="` + m.ID + `">.*?</tr>`).FindString(html)
		if line == nil || row == "" {
			t.Errorf("mover %s: no summary line or no KPI row", m.ID)
			continue
		}
		value := cell.FindStringSubmatch(row)[1] // the row's first number is its value
		if !strings.Contains(line[1], "→ "+value+" ") || !strings.Contains(line[1], m.Arrow) || !strings.Contains(line[1], m.TitleZH) {
			t.Errorf("mover %s reads %q; the KPI row's value is %s", m.ID, line[1], value)
		}
	}
}

// closeTo: got is want within 1e-9, nil never is.
func closeTo(got *float64, want float64) bool {
	return got != nil && math.Abs(*got-want) <= 1e-9*math.Max(1, math.Abs(want))
}
