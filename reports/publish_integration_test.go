package reports_test

import (
	"testing"

	"servicepulse/internal/pipelinetest"
	"servicepulse/reports"
)

// A published report keeps its numbers: after a late event restates
// September, the next report shows each KPI as first reported and restated.
func TestIntegrationPublishedThenRestated(t *testing.T) {
	t.Parallel()
	s := septemberCase(t).Ingest(t)
	sep := mustPeriod(t, "2026-09")
	first, err := reports.Build(t.Context(), s.Conn, sep, asOf, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range first.KPIs {
		if k.Reported != nil || k.Restated {
			t.Fatalf("%s: reported %v before any publication", k.ID, k.Reported)
		}
	}
	publishedAt := local("2026-10-02 09:00")
	id, err := reports.Publish(t.Context(), s.Conn, first, publishedAt)
	if err != nil {
		t.Fatal(err)
	}
	if id != "2026-09@20261002T010000Z" {
		t.Errorf("report id %q", id)
	}

	// B2's reply of 09-04 11:00 arrives late: 1 h after opening, in time.
	// Reply SLA: met A1, B1, B2 of 4 → 75 %; late replies 2 → 1.
	s.Send(t, pipelinetest.ParseEvents(t, "late reply", `
{"schema_version":1,"event_id":"B2-02","event_type":"acknowledged","occurred_at":"2026-09-04T11:00:00+08:00","request_id":"B2","contract_id":"CT-24","partner_id":"PT-B"}
`))

	// Published again later: the first publication stays the reference.
	second, err := reports.Build(t.Context(), s.Conn, sep, local("2026-11-01 00:00"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reports.Publish(t.Context(), s.Conn, second, local("2026-11-02 09:00")); err != nil {
		t.Fatal(err)
	}
	third, err := reports.Build(t.Context(), s.Conn, sep, local("2026-11-01 00:00"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id                string
		reported, current float64
	}{{"reply_sla_rate", 50, 75}, {"breaches_late_reply", 2, 1}, {"requests", 4, 4}} {
		for _, k := range third.KPIs {
			if k.ID != tc.id {
				continue
			}
			restated := tc.reported != tc.current
			if !near(k.Reported, tc.reported) || !near(k.Value, tc.current) || k.Restated != restated ||
				k.ReportedAt == nil || !k.ReportedAt.Equal(publishedAt) {
				t.Errorf("%s: reported %v at %v, now %v, restated %v; want %v at %v, now %v, restated %v",
					k.ID, k.Reported, k.ReportedAt, k.Value, k.Restated, tc.reported, publishedAt, tc.current, restated)
			}
		}
	}
}
