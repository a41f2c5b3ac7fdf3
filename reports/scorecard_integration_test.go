package reports_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"servicepulse/internal/pipelinetest"
	"servicepulse/reports"
)

// Scorecards show peer quartiles only with 3 peers or more, and no file
// written names another partner.
func TestIntegrationScorecard(t *testing.T) {
	t.Parallel()
	c := septemberCase(t)
	// Two more partners, one request each, both in time:
	// C1 reply 1 h, on site 2 h; D1 reply 1 h 30, never visited yet
	// (on site due 09-05 16:00: late as of 10-01).
	c.Events = append(c.Events, pipelinetest.ParseEvents(t, "peers", `
{"schema_version":1,"event_id":"C1-01","event_type":"request_created","occurred_at":"2026-09-05T10:00:00+08:00","request_id":"C1","contract_id":"CT-24","partner_id":"PT-C","channel":"phone","customer":{"name":"客户 C1","phone":"13800100006"},"product":{"model":"AC-200","purchase_date":"2025-06-01","serial":"SN-C1"},"region":"East"}
{"schema_version":1,"event_id":"C1-02","event_type":"acknowledged","occurred_at":"2026-09-05T11:00:00+08:00","request_id":"C1","contract_id":"CT-24","partner_id":"PT-C"}
{"schema_version":1,"event_id":"C1-03","event_type":"onsite_arrived","occurred_at":"2026-09-05T12:00:00+08:00","request_id":"C1","contract_id":"CT-24","partner_id":"PT-C","technician":{"certified":true,"id":"T-C1"},"visit_no":1}
{"schema_version":1,"event_id":"D1-01","event_type":"request_created","occurred_at":"2026-09-05T10:00:00+08:00","request_id":"D1","contract_id":"CT-24","partner_id":"PT-D","channel":"phone","customer":{"name":"客户 D1","phone":"13800100007"},"product":{"model":"AC-200","purchase_date":"2025-06-01","serial":"SN-D1"},"region":"East"}
{"schema_version":1,"event_id":"D1-02","event_type":"acknowledged","occurred_at":"2026-09-05T11:30:00+08:00","request_id":"D1","contract_id":"CT-24","partner_id":"PT-D"}
`)...)
	s := c.Ingest(t)
	sep := mustPeriod(t, "2026-09")

	// PT-A's peers B, C, D. reply_sla_rate: B 50, C 100, D 100 → p25 75,
	// median 100, p75 100; A has 50 → below p25: quartile 4.
	// onsite_sla_rate: B 0, C 100, D 0 → 0, 0, 50; A has 50 → quartile 1.
	a, err := reports.BuildScorecard(t.Context(), s.Conn, sep, asOf, "PT-A")
	if err != nil {
		t.Fatal(err)
	}
	if a.Peers != 3 || a.Note != "" {
		t.Errorf("PT-A: %d peers, note %q; want 3, none", a.Peers, a.Note)
	}
	check := func(id string, p25, med, p75 float64, q int) {
		t.Helper()
		for _, k := range a.KPIs {
			if k.ID == id && (!near(k.P25, p25) || !near(k.Median, med) || !near(k.P75, p75) || k.Quartile != q) {
				t.Errorf("%s: p25 %v median %v p75 %v quartile %d; want %v %v %v %d", id, k.P25, k.Median, k.P75, k.Quartile, p25, med, p75, q)
			}
		}
	}
	check("reply_sla_rate", 75, 100, 100, 4)
	check("onsite_sla_rate", 0, 0, 50, 1)

	dir := t.TempDir()
	files, err := reports.WriteScorecardFiles(dir, a)
	if err != nil {
		t.Fatal(err)
	}
	noOthers(t, files, "PT-B", "PT-C", "PT-D", "B1", "B2", "C1", "D1")

	// Fewer than 3 peers: August has PT-A alone.
	aug, err := reports.BuildScorecard(t.Context(), s.Conn, mustPeriod(t, "2026-08"), asOf, "PT-A")
	if err != nil {
		t.Fatal(err)
	}
	if aug.Peers != 0 || aug.Note != reports.NoBenchmark {
		t.Errorf("August PT-A: %d peers, note %q; want 0, %q", aug.Peers, aug.Note, reports.NoBenchmark)
	}
	for _, k := range aug.KPIs {
		if k.P25 != nil || k.Median != nil || k.P75 != nil || k.Quartile != 0 {
			t.Errorf("August %s benchmarked without peers: %+v", k.ID, k)
		}
	}
	files, err = reports.WriteScorecardFiles(dir, aug)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(files[0])
	if !strings.Contains(string(html), reports.NoBenchmark) {
		t.Errorf("%s does not say %q", files[0], reports.NoBenchmark)
	}
	if _, err := reports.BuildScorecard(t.Context(), s.Conn, sep, asOf, "PT-X"); err == nil {
		t.Error("scorecard of a partner without requests: no error")
	}
	entries, _ := os.ReadDir(dir)
	var all []string
	for _, e := range entries {
		all = append(all, filepath.Join(dir, e.Name()))
	}
	noOthers(t, all, "PT-B", "PT-C", "PT-D", "B1", "B2", "C1", "D1")

	// Every partner's scorecard, each in its own directory: none names
	// another partner.
	partners := []string{"PT-A", "PT-B", "PT-C", "PT-D"}
	for _, p := range partners {
		sc, err := reports.BuildScorecard(t.Context(), s.Conn, sep, asOf, p)
		if err != nil {
			t.Fatalf("scorecard of %s: %v", p, err)
		}
		files, err := reports.WriteScorecardFiles(t.TempDir(), sc)
		if err != nil {
			t.Fatal(err)
		}
		var others []string
		for _, o := range partners {
			if o != p {
				others = append(others, o)
			}
		}
		noOthers(t, files, others...)
	}
}

// noOthers fails if any file names one of the others.
func noOthers(t *testing.T, files []string, others ...string) {
	t.Helper()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range others {
			if strings.Contains(string(b), o) || strings.Contains(filepath.Base(f), o) {
				t.Errorf("%s mentions %q", filepath.Base(f), o)
			}
		}
	}
}
