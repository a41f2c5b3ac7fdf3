//go:build chdb

package sla_test

import (
	"strings"
	"testing"

	"servicepulse/internal/chdbtest"
	"servicepulse/sla"
)

// The refresher's lookup (GLOBAL IN, for clusters) runs on current
// ClickHouse too, and finds a request through its serial: only S2 changed
// after the watermark, and S1, on the same serial, comes with it.
func TestIntegrationChangedRequestsOnCurrentClickHouse(t *testing.T) {
	s := chdbtest.Session(t)
	chdbtest.Query(t, s, `INSERT INTO service_events (event_id, event_type, occurred_at, request_id, product_serial, ingested_at) VALUES
		('e1', 'request_created', '2026-09-01 09:00:00', 'S1', 'SN-1', '2026-09-01 10:00:00'),
		('e2', 'request_created', '2026-09-10 09:00:00', 'S2', 'SN-1', '2026-09-10 10:00:00'),
		('e3', 'request_created', '2026-09-01 09:00:00', 'S3', 'SN-3', '2026-09-01 10:00:00')`)
	q := strings.ReplaceAll(sla.ChangedRequests, "?", "toDateTime('2026-09-05 00:00:00', 'UTC')")
	got := chdbtest.Query(t, s, "SELECT arrayStringConcat(arraySort(groupUniqArray(request_id)), ',') FROM ("+q+")")
	if got != "S1,S2" {
		t.Errorf("changed requests and siblings = %q, want S1,S2", got)
	}
}
