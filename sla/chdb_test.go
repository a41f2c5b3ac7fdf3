//go:build chdb

package sla_test

import (
	"strings"
	"testing"

	"servicepulse/internal/chdbtest"
	"servicepulse/sla"
)

// The refresher's lookups run on current ClickHouse too, through the
// tables the materialized views of 0010 fill: only S2 changed after the
// watermark, and S1, on the same serial, comes with it.
func TestIntegrationChangedRequestsOnCurrentClickHouse(t *testing.T) {
	s := chdbtest.Session(t)
	chdbtest.Query(t, s, `INSERT INTO service_events (event_id, event_type, occurred_at, request_id, product_serial, ingested_at) VALUES
		('e1', 'request_created', '2026-09-01 09:00:00', 'S1', 'SN-1', '2026-09-01 10:00:00'),
		('e2', 'request_created', '2026-09-10 09:00:00', 'S2', 'SN-1', '2026-09-10 10:00:00'),
		('e3', 'request_created', '2026-09-01 09:00:00', 'S3', 'SN-3', '2026-09-01 10:00:00')`)
	list := func(q string) string {
		return chdbtest.Query(t, s, "SELECT arrayStringConcat(arraySort(groupUniqArray(x)), ',') FROM ("+q+") AS t(x)")
	}
	changed := list(strings.ReplaceAll(sla.ChangedRequests, "?", "toDateTime('2026-09-05 00:00:00', 'UTC')"))
	if changed != "S2" {
		t.Fatalf("changed requests = %q, want S2", changed)
	}
	// The lookups name an external table, which a chdb session cannot
	// send: the same values as literals instead.
	naming := func(q, values string) string {
		named := strings.Replace(q, "IN "+sla.ListTable, "IN ("+values+")", 1)
		if named == q {
			t.Fatalf("lookup names no external table %s: %s", sla.ListTable, q)
		}
		return named
	}
	serials := list(naming(sla.SerialsOfRequests, "'S2'"))
	if serials != "SN-1" {
		t.Fatalf("serials of S2 = %q, want SN-1", serials)
	}
	if got := list(naming(sla.RequestsOnSerials, "'SN-1'")); got != "S1,S2" {
		t.Errorf("requests on SN-1 = %q, want S1,S2", got)
	}
}
