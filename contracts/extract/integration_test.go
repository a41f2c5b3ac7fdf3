package extract_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"servicepulse/contracts/extract"
	"servicepulse/internal/pipelinetest"
)

// TestIntegrationRoundTrip: a signed copy's extract, loaded as `contracts
// load` loads it, judges a request sent through the whole pipeline (Kafka,
// ingest, refresh) with the deadlines computed by hand in clocks_test.go;
// --check then finds the loaded version equal and the contract's events.
func TestIntegrationRoundTrip(t *testing.T) {
	res := roundTripTerms(t)
	s := pipelinetest.New(t)
	ctx := context.Background()

	cmp, err := extract.Check(ctx, s.Conn, res)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Loaded || len(cmp.Differences) != 1 || !strings.HasPrefix(cmp.Differences[0], "not loaded") || cmp.Events != 0 ||
		!strings.Contains(strings.Join(cmp.Warnings, "\n"), "no ingested event in service_events names contract "+res.ID) {
		t.Errorf("check before loading: %+v; want not loaded, no events, and a warning about them", cmp)
	}

	s.LoadContracts(t, string(res.YAML))
	opened := openedRT.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)
	s.Send(t, pipelinetest.ParseEvents(t, "roundtrip", fmt.Sprintf(
		`{"schema_version":1,"event_id":"RT1-01","event_type":"request_created","occurred_at":%q,"request_id":"RT1","contract_id":%q,"partner_id":"PT-A","channel":"phone","customer":{"name":"客户 RT1","phone":"13800130001"},"product":{"model":"AC-200","purchase_date":"2026-06-01","serial":"SN-RT1"},"region":"East"}`,
		opened, res.ID)))

	var replyDue, onsiteDueGot time.Time
	if err := s.Conn.QueryRow(ctx, "SELECT reply_due, onsite_due FROM request_state FINAL WHERE request_id = 'RT1'").Scan(&replyDue, &onsiteDueGot); err != nil {
		t.Fatal(err)
	}
	if !replyDue.Equal(replyDueRT) || !onsiteDueGot.Equal(onsiteDue) {
		t.Errorf("request_state: reply due %s, on site due %s; want %s (support window) and %s (repair window)",
			replyDue.UTC(), onsiteDueGot.UTC(), replyDueRT, onsiteDue)
	}

	cmp, err = extract.Check(ctx, s.Conn, res)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Loaded || len(cmp.Differences) != 0 || cmp.Events != 1 {
		t.Errorf("check after loading: %+v; want loaded, no differences, one event", cmp)
	}

	// A contract changed since it was loaded: --check lists the difference.
	changed := *res
	changed.Terms.ResponseHours = 2
	cmp, err = extract.Check(ctx, s.Conn, &changed)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"response_hours: extract 2, loaded 4"}; fmt.Sprint(cmp.Differences) != fmt.Sprint(want) {
		t.Errorf("differences %q, want %q", cmp.Differences, want)
	}
}
