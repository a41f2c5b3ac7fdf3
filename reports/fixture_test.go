package reports_test

// A small fixture language (the wire format of docs/events.md, built as
// JSON text): times are Asia/Shanghai wall-clock times (+08:00).

import (
	"encoding/json"
	"fmt"
	"maps"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
)

// fixtureContracts: CT-24 is round the clock (24x7, window 24h), reply
// within 2 h and on site within 6 h of the request, so deadlines and
// lateness are wall-clock hours.
const fixtureContracts = `
contracts:
  - id: CT-24
    name: Test 24x7
    versions:
      - effective_from: 2026-01-01
        response_hours: 2
        onsite_hours: 6
        parts_days: 1
        warranty_years: 1
        calendar: 24x7
        window: 24h
        timezone: Asia/Shanghai
        pause_reasons: [waiting_customer]
`

type fixture struct {
	records, feedback [][]byte
	partner           map[string]string
	seq               map[string]int
}

func newFixture() *fixture { return &fixture{partner: map[string]string{}, seq: map[string]int{}} }

func local(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04 -07:00", s+" +08:00")
	if err != nil {
		panic(err)
	}
	return t
}

func (f *fixture) message(req, eventType, when string, extra map[string]any) []byte {
	f.seq[req]++
	m := map[string]any{
		"schema_version": 1, "event_id": fmt.Sprintf("%s-%02d", req, f.seq[req]), "event_type": eventType,
		"occurred_at": local(when).Format(time.RFC3339), "request_id": req,
		"contract_id": "CT-24", "partner_id": f.partner[req],
	}
	maps.Copy(m, extra)
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

func (f *fixture) record(req, eventType, when string, extra map[string]any) []byte {
	b := f.message(req, eventType, when, extra)
	f.records = append(f.records, b)
	return b
}

func (f *fixture) created(req, partner, when string) {
	f.partner[req] = partner
	f.record(req, "request_created", when, map[string]any{
		"channel": "phone", "region": "East",
		"product":  map[string]any{"serial": "SN-" + req, "model": "AC-200", "purchase_date": "2025-06-01"},
		"customer": map[string]any{"name": "客户 " + req, "phone": fmt.Sprintf("138001%05d", len(f.partner))},
	})
}

func (f *fixture) ack(req, when string) []byte { return f.record(req, "acknowledged", when, nil) }

func (f *fixture) visit(req, when string, certified bool) {
	f.record(req, "onsite_arrived", when, map[string]any{
		"technician": map[string]any{"id": "T-" + req, "certified": certified}, "visit_no": 1,
	})
}

func (f *fixture) resolve(req, when, cause, warranty string, partsFee, labourFee any) {
	f.record(req, "resolved", when, map[string]any{
		"technician": map[string]any{"id": "T-" + req}, "visit_no": 1,
		"resolution": map[string]any{"cause": cause, "warranty": warranty, "parts_fee": partsFee, "labour_fee": labourFee},
	})
}

func (f *fixture) survey(req, when string, csat, nps, ces int) {
	b := f.message(req, "survey_submitted", when, map[string]any{
		"survey": map[string]any{"csat": csat, "nps": nps, "ces": ces}, "comment": "评价 " + req,
	})
	f.feedback = append(f.feedback, b)
}

// run sends f through the real pipeline and checks every message arrived.
func run(t *testing.T, f *fixture) *pipelinetest.Stack {
	t.Helper()
	s := pipelinetest.New(t)
	s.Produce(t, f.records, f.feedback)
	tot := s.Ingest(t)
	if tot.Rejected != 0 || tot.Events != int64(len(f.records)) || tot.Feedback != int64(len(f.feedback)) {
		t.Fatalf("ingest: %+v, want %d events, %d feedback, 0 rejected", tot, len(f.records), len(f.feedback))
	}
	s.LoadContracts(t, fixtureContracts)
	if res := s.Refresh(t); res.Requests != len(f.partner) || res.Orphans != 0 || res.Unmatched != 0 {
		t.Fatalf("refresh: %+v, want %d requests, all matched", res, len(f.partner))
	}
	return s
}

// september is the report fixture: one request in August (for the trend),
// four in September, of partners PT-A and PT-B; contract CT-24.
func september() *fixture {
	f := newFixture()
	// August. P1 (A): reply 1 h, on site 2 h (certified), fixed at the first visit.
	f.created("P1", "PT-A", "2026-08-10 10:00")
	f.ack("P1", "2026-08-10 11:00")
	f.visit("P1", "2026-08-10 12:00", true)
	f.resolve("P1", "2026-08-10 13:00", "product_quality", "in_warranty", "0.00", "0.00")
	// September. A1 (A): reply 1 h, on site 4 h, both in time; fixed at the
	// first visit; survey CSAT 5, NPS 10, CES 7.
	f.created("A1", "PT-A", "2026-09-01 10:00")
	f.ack("A1", "2026-09-01 11:00")
	f.visit("A1", "2026-09-01 14:00", true)
	f.resolve("A1", "2026-09-01 15:00", "product_quality", "in_warranty", "0.00", "0.00")
	f.survey("A1", "2026-09-02 09:00", 5, 10, 7)
	// A2 (A): reply after 3 h (due 12:00: 1 h late), on site after 9 h (due
	// 16:00: 3 h late); user misuse, paid 100 + 50.
	f.created("A2", "PT-A", "2026-09-02 10:00")
	f.ack("A2", "2026-09-02 13:00")
	f.visit("A2", "2026-09-02 19:00", true)
	f.resolve("A2", "2026-09-02 20:00", "user_misuse", "out_of_warranty", "100.00", "50.00")
	// B1 (B): reply after 30 min; on site after 10 h (due 16:00: 4 h late) by
	// an uncertified technician; product quality.
	f.created("B1", "PT-B", "2026-09-03 10:00")
	f.ack("B1", "2026-09-03 10:30")
	f.visit("B1", "2026-09-03 20:00", false)
	f.resolve("B1", "2026-09-03 21:00", "product_quality", "in_warranty", "0.00", "0.00")
	// B2 (B): never answered. As of 10-01 00:00 the reply (due 09-04 12:00)
	// is 26 d 12 h = 636 h late, the visit (due 16:00) 632 h.
	f.created("B2", "PT-B", "2026-09-04 10:00")
	return f
}
