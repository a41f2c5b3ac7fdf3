package reports_test

import (
	"testing"
	"time"

	"servicepulse/reports"
)

// Actions added in September take August as their baseline (P1 alone: every
// rate perfect) and the September report judges them.
func TestIntegrationActionsJudged(t *testing.T) {
	t.Parallel()
	s := septemberCase(t).Ingest(t)
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	now := local("2026-09-15 12:00")
	var ids []string
	for i, a := range []reports.Action{
		{KPI: "reply_sla_rate", Owner: "PT-B service lead", Due: due, Note: "回复提速"},
		{KPI: "complaint_rate", Owner: "quality", Due: due, Note: "keep it low"},
	} {
		got, err := reports.AddAction(t.Context(), s.Conn, a, now.Add(time.Duration(i)*time.Minute)) // listed by creation time
		if err != nil {
			t.Fatal(err)
		}
		// August: reply 100 % (P1 in time), complaints 0 per 100.
		want := map[string]float64{"reply_sla_rate": 100, "complaint_rate": 0}[a.KPI]
		if got.BaselinePeriod != "2026-08" || !near(got.Baseline, want) {
			t.Errorf("%s: baseline %s %v, want 2026-08 %v", a.KPI, got.BaselinePeriod, got.Baseline, want)
		}
		ids = append(ids, got.ID)
	}
	if _, err := reports.AddAction(t.Context(), s.Conn, reports.Action{KPI: "requests", Owner: "x", Due: due}, now); err == nil {
		t.Error("an action on an informational KPI was accepted")
	}
	list, err := reports.ListActions(t.Context(), s.Conn, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != ids[0] || list[1].ID != ids[1] || list[0].Note != "回复提速" || !list[0].Due.Equal(due) {
		t.Fatalf("listed %+v, want the two actions added", list)
	}

	r, err := reports.Build(t.Context(), s.Conn, mustPeriod(t, "2026-09"), asOf, nil)
	if err != nil {
		t.Fatal(err)
	}
	// September: reply 50 % (target 95, baseline 100): not improved;
	// complaints 0 (target ≤ 2): reached target.
	if len(r.Actions) != 2 || r.Actions[0].Outcome != reports.NotImproved || !near(r.Actions[0].Value, 50) ||
		r.Actions[1].Outcome != reports.ReachedTarget {
		t.Errorf("actions %+v, want reply not improved (50), complaints reached target", r.Actions)
	}
	// An action added after the as-of time is not in the report.
	if _, err := reports.AddAction(t.Context(), s.Conn, reports.Action{KPI: "csat", Owner: "x", Due: due}, local("2026-10-20 09:00")); err != nil {
		t.Fatal(err)
	}
	if r, err = reports.Build(t.Context(), s.Conn, mustPeriod(t, "2026-09"), asOf, nil); err != nil || len(r.Actions) != 2 {
		t.Errorf("report as of %v: %d actions, err %v; want 2", asOf, len(r.Actions), err)
	}
}
