package reports_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
	"servicepulse/reports"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// asOf is the end of September in Asia/Shanghai.
var asOf = local("2026-10-01 00:00")

func mustPeriod(t *testing.T, s string) reports.Period {
	t.Helper()
	p, err := reports.ParsePeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", path, got)
	}
}

func near(got *float64, want float64) bool {
	if got == nil {
		return math.IsNaN(want)
	}
	return math.Abs(*got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func TestIntegrationBuildSeptember(t *testing.T) {
	t.Parallel()
	c := septemberCase(t)
	s := c.Ingest(t)
	r, err := reports.Build(t.Context(), s.Conn, mustPeriod(t, "2026-09"), asOf, nil)
	if err != nil {
		t.Fatal(err)
	}

	// The report shows the case's whole-cohort values, computed by hand in
	// its expected.tsv (score ≈ 71.77: pass).
	const all = pipelinetest.WholeCohort
	if score := c.Want(t, metrics.EvaluationID, all); !near(r.Score, score) || r.Grade != "pass" {
		t.Errorf("score %v %q, want %v pass", r.Score, r.Grade, score)
	}
	kpi := map[string]reports.KPIValue{}
	for _, k := range r.KPIs {
		kpi[k.ID] = k
	}
	for _, row := range c.Expected {
		if row.Group != all {
			continue
		}
		k, ok := kpi[row.KPI]
		if !ok {
			t.Errorf("%s is not in the report", row.KPI)
			continue
		}
		if !near(k.Value, row.Value) {
			t.Errorf("%s = %v, want %v (%s)", row.KPI, k.Value, row.Value, row.Reasoning)
		}
	}
	// Trend: June and July have no requests; August has P1, all in time.
	rr := kpi["reply_sla_rate"]
	if len(rr.Trend) != 3 || rr.Trend[0].Period != "2026-06" || rr.Trend[0].Value != nil ||
		rr.Trend[1].Value != nil || !near(rr.Trend[2].Value, 100) {
		t.Errorf("reply_sla_rate trend %+v, want 2026-06 null, 2026-07 null, 2026-08 100", rr.Trend)
	}
	if m := rr.Met; m == nil || *m {
		t.Errorf("reply_sla_rate met = %v, want false", m)
	}
	// Partners (scores by hand in the case): A ≈ 79.60 pass, B ≈ 54.04 fail.
	a := c.Want(t, metrics.EvaluationID, "partner=PT-A")
	b := c.Want(t, metrics.EvaluationID, "partner=PT-B")
	if len(r.Partners) != 2 || r.Partners[0].PartnerID != "PT-A" || !near(r.Partners[0].Score, a) || r.Partners[0].Rank != 1 ||
		r.Partners[1].PartnerID != "PT-B" || !near(r.Partners[1].Score, b) || r.Partners[1].Rank != 2 || r.Partners[1].Grade != "fail" {
		t.Errorf("partners %+v, want PT-A %.4f rank 1, PT-B %.4f rank 2 fail", r.Partners, a, b)
	}
	// Breaches of clause 2.3.1, worst first: B2 reply 636 h, B2 on site 632 h,
	// B1 on site 4 h, A2 on site 3 h, A2 reply 1 h; 2.4.1: B1.
	if len(r.Breaches) != 2 || r.Breaches[0].Clause != "2.3.1" || r.Breaches[0].Count != 5 || r.Breaches[0].Requests != 3 {
		t.Fatalf("breaches %+v, want 2.3.1 (5 breaches of 3 requests) and 2.4.1", r.Breaches)
	}
	want := []struct {
		req, kind string
		late      float64
	}{{"B2", "late_reply", 636}, {"B2", "late_onsite", 632}, {"B1", "late_onsite", 4}, {"A2", "late_onsite", 3}, {"A2", "late_reply", 1}}
	for i, w := range want {
		g := r.Breaches[0].Worst[i]
		if g.RequestID != w.req || g.Kind != w.kind || !near(&g.LateHours, w.late) {
			t.Errorf("worst #%d: %s %s %v h, want %s %s %v h", i+1, g.RequestID, g.Kind, g.LateHours, w.req, w.kind, w.late)
		}
	}
	// Cause mix of the 3 resolved: product quality A1, B1; user misuse A2.
	if len(r.Causes) != 2 || r.Causes[0].Cause != "product_quality" || r.Causes[0].Requests != 2 ||
		r.Causes[1].Cause != "user_misuse" || r.Causes[1].Requests != 1 {
		t.Errorf("causes %+v, want product_quality 2, user_misuse 1", r.Causes)
	}

	// Executive summary: the score row against August's (P1 alone, all in
	// time: 100), the clause and the partners above, and movers whose
	// numbers are those of their rows.
	sum, score := r.Summary, c.Want(t, metrics.EvaluationID, all)
	if !near(sum.Score, score) || sum.PreviousPeriod != "2026-08" || !near(sum.Previous, 100) || !near(sum.Change, score-100) {
		t.Errorf("summary score %v vs %s %v (change %v), want %v vs 2026-08 100", sum.Score, sum.PreviousPeriod, sum.Previous, sum.Change, score)
	}
	if c := sum.TopClause; c == nil || c.Clause != "2.3.1" || c.Count != 5 || c.Requests != 3 {
		t.Errorf("summary top clause %+v, want 2.3.1: 5 breaches of 3 requests", c)
	}
	if len(sum.Top) != 1 || sum.Top[0].PartnerID != "PT-A" || len(sum.Bottom) != 1 || sum.Bottom[0].PartnerID != "PT-B" {
		t.Errorf("summary top %+v bottom %+v, want PT-A and PT-B", sum.Top, sum.Bottom)
	}
	if len(sum.Movers) != reports.SummaryMovers {
		t.Errorf("summary has %d movers, want %d", len(sum.Movers), reports.SummaryMovers)
	}
	for _, m := range sum.Movers {
		k := kpi[m.ID]
		prev := k.Trend[len(k.Trend)-1].Value
		if !near(k.Value, m.Value) || !near(prev, m.Previous) {
			t.Errorf("mover %s: %v → %v, its row says %v → %v", m.ID, m.Previous, m.Value, prev, k.Value)
		}
	}

	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "september/report.json", append(js, '\n'))
}
