package breaches_test

import (
	"bytes"
	"strings"
	"testing"

	"servicepulse/contracts"
	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
	"servicepulse/sla/breaches"
)

// september is the KPI case whose hand-computed ledger the breach list is
// held against (metrics/testdata/cases/september/expected.tsv).
const september = "../../metrics/testdata/cases/september"

// TestIntegrationBreachListMatchesKPIs lists the September case's breaches:
// each kind has as many entries (counts summed) as its breach KPI, cites its
// clause, and says how late in business hours.
func TestIntegrationBreachListMatchesKPIs(t *testing.T) {
	t.Parallel()
	c := pipelinetest.LoadCase(t, september)
	s := c.Ingest(t)
	terms, err := contracts.Parse(bytes.NewReader(c.Contracts), "contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The case's whole cohort: September, as of 2026-10-15 00:00 UTC.
	qs, err := c.Queries()
	if err != nil {
		t.Fatal(err)
	}
	q := qs[0]
	if len(q.By) != 0 {
		t.Fatalf("the september case's first grouping is %v, want the whole cohort", q.By)
	}
	list, err := breaches.List(t.Context(), s.Conn, q, terms)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, b := range list {
		got[b.Kind] += b.Count
		wantClause := map[string]string{"late_reply": "2.3.1", "late_onsite": "2.3.1", "late_parts": "3.2.2",
			"unqualified_staff": "2.4.1", "data_leak": "9.2.1"}[b.Kind]
		if b.Clause != wantClause {
			t.Errorf("breach %s of %s cites %q, want %q", b.Kind, b.RequestID, b.Clause, wantClause)
		}
	}
	// The same numbers as the breach KPIs of the hand-computed table:
	// late reply R02, R03; late on site R03, R07, R11, R14; late parts R07 L1,
	// R11 L1; unqualified staff R02 and R10 visit 1; personal data C10a.
	want := map[string]int{}
	for _, r := range c.Expected {
		if kind, ok := strings.CutPrefix(r.KPI, "breaches_"); ok && r.Group == pipelinetest.WholeCohort {
			want[kind] = int(r.Value)
		}
	}
	if len(want) != 5 {
		t.Fatalf("the september case expects %d breach kinds, want 5: %v", len(want), want)
	}
	for kind, n := range want {
		if got[kind] != n {
			t.Errorf("%s breaches listed: %d, want %d", kind, got[kind], n)
		}
	}
	groups, err := metrics.Run(t.Context(), s.Conn, q, metrics.All(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for kind, n := range want {
		if v := groups[0].Values["breaches_"+kind]; int(v) != n {
			t.Errorf("KPI breaches_%s = %v, the list has %d", kind, v, n)
		}
	}
	// R02: reply due Mon 09-07 11:00, answered 14:00: 3 business hours late.
	for _, b := range list {
		if b.Kind == "late_reply" && b.RequestID == "R02" && b.LateHours != 3 {
			t.Errorf("R02 late reply: %v business hours late, want 3", b.LateHours)
		}
	}
}
