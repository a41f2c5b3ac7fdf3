package metrics_test

// A small language for KPI fixtures: each helper emits one wire message of
// docs/events.md as JSON text (built here, not by package transform, so the
// fixtures also exercise decoding), with readable local times.
//
//	f := newFixture()
//	f.created("R01", "CT-T", "PT-A", "2026-09-01 10:00", "SN-01", "AC-200", "East", "phone")
//	f.ack("R01", "2026-09-01 11:30")
//
// Times are wall-clock times in Asia/Shanghai (+08:00, no daylight saving),
// the zone of every fixture contract, so business hours can be counted on
// the wall clock. Every message gets a unique event_id: <request>-<nn>.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
)

// fixtureContracts are the terms of the fixtures (format: contracts/README.md).
//
// CT-T is the business-hours contract: reply within 4 and on site within 8
// business hours of the PRC working calendar, 09:00–18:00 Asia/Shanghai;
// parts within 2 calendar days (48 elapsed hours); only waiting_customer
// pauses the clock. September–October 2026 on the PRC calendar
// (calendar/data/prc.yaml): Sat 09-19 off, Sun 09-20 a make-up working day,
// Fri 09-25 … Sun 09-27 Mid-Autumn off, Thu 10-01 … Wed 10-07 National Day
// off, Sat 10-10 a make-up working day.
//
// CT-24 is round the clock (calendar 24x7, window 24h): reply within 2 h, on
// site within 6 h, parts within 1 day; holidays do not matter.
const fixtureContracts = `
contracts:
  - id: CT-T
    name: Test business hours
    versions:
      - effective_from: 2026-01-01
        response_hours: 4
        onsite_hours: 8
        parts_days: 2
        warranty_years: 2
        calendar: prc
        window: "09:00-18:00"
        timezone: Asia/Shanghai
        pause_reasons: [waiting_customer]
        fees: {call_out: "80.00", hourly: "100.00", parts_markup_percent: "10"}
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
        pause_reasons: [waiting_customer, customer_unreachable]
`

// fixture collects the messages of a scenario.
type fixture struct {
	records, feedback [][]byte
	// recordsOf and feedbackOf hold each request's messages, to send a copy.
	recordsOf, feedbackOf map[string][][]byte
	reqs                  map[string]fixtureRequest
	seq                   map[string]int
}

type fixtureRequest struct{ contract, partner string }

func newFixture() *fixture {
	return &fixture{
		recordsOf: map[string][][]byte{}, feedbackOf: map[string][][]byte{},
		reqs: map[string]fixtureRequest{}, seq: map[string]int{},
	}
}

// requests is the number of requests created.
func (f *fixture) requests() int { return len(f.reqs) }

// recordOf returns the nth (from 1) record of the given type of request req.
func (f *fixture) recordOf(req, eventType string, nth int) []byte {
	for _, b := range f.recordsOf[req] {
		var m struct {
			EventType string `json:"event_type"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(err)
		}
		if m.EventType == eventType {
			if nth--; nth == 0 {
				return b
			}
		}
	}
	panic(fmt.Sprintf("fixture: %s has no %s", req, eventType))
}

// local parses "2006-01-02 15:04" as +08:00 wall time.
func local(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04 -07:00", s+" +08:00")
	if err != nil {
		panic(fmt.Sprintf("fixture time %q: %v", s, err))
	}
	return t
}

// message builds the common fields of a request's message and adds extra.
func (f *fixture) message(req, eventType, when string, extra map[string]any) []byte {
	r, ok := f.reqs[req]
	if !ok {
		panic(fmt.Sprintf("fixture: %s used before created()", req))
	}
	f.seq[req]++
	m := map[string]any{
		"schema_version": 1,
		"event_id":       fmt.Sprintf("%s-%02d", req, f.seq[req]),
		"event_type":     eventType,
		"occurred_at":    local(when).Format(time.RFC3339),
		"request_id":     req,
		"contract_id":    r.contract,
		"partner_id":     r.partner,
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
	f.recordsOf[req] = append(f.recordsOf[req], b)
	return b
}

func (f *fixture) feedbackMsg(req, eventType, when string, extra map[string]any) []byte {
	b := f.message(req, eventType, when, extra)
	f.feedback = append(f.feedback, b)
	f.feedbackOf[req] = append(f.feedbackOf[req], b)
	return b
}

// created opens request req (request_created).
func (f *fixture) created(req, contract, partner, when, serial, model, region, channel string) []byte {
	f.reqs[req] = fixtureRequest{contract: contract, partner: partner}
	return f.record(req, "request_created", when, map[string]any{
		"channel": channel, "region": region,
		"product":  map[string]any{"serial": serial, "model": model, "purchase_date": "2025-06-01"},
		"customer": map[string]any{"name": "客户 " + req, "phone": "1380013" + fmt.Sprintf("%04d", len(f.reqs))},
	})
}

// ack is the first reply to the customer (acknowledged).
func (f *fixture) ack(req, when string) []byte { return f.record(req, "acknowledged", when, nil) }

// visit is a technician on site (onsite_arrived).
func (f *fixture) visit(req, when string, visitNo int, certified, plannedFollowUp bool) []byte {
	return f.record(req, "onsite_arrived", when, map[string]any{
		"technician": map[string]any{"id": "T-" + req, "certified": certified},
		"visit_no":   visitNo, "planned_follow_up": plannedFollowUp,
	})
}

// remote is remote service started (remote_started), which counts as on site.
func (f *fixture) remote(req, when string, visitNo int, certified bool) []byte {
	return f.record(req, "remote_started", when, map[string]any{
		"technician": map[string]any{"id": "T-" + req, "certified": certified}, "visit_no": visitNo,
	})
}

// partReq orders part line `line` (part_requested).
func (f *fixture) partReq(req, when, line string) []byte {
	return f.record(req, "part_requested", when, map[string]any{
		"part": map[string]any{"line_id": line, "part_no": "P-" + line, "quantity": 1},
	})
}

// partDel delivers part line `line` (part_delivered).
func (f *fixture) partDel(req, when, line string, fromStock bool) []byte {
	return f.record(req, "part_delivered", when, map[string]any{
		"part": map[string]any{"line_id": line, "part_no": "P-" + line, "from_stock": fromStock},
	})
}

// pause pauses the SLA clock (clock_paused) for reason.
func (f *fixture) pause(req, when, reason string) []byte {
	return f.record(req, "clock_paused", when, map[string]any{"pause_reason": reason})
}

// resume restarts the SLA clock (clock_resumed).
func (f *fixture) resume(req, when string) []byte { return f.record(req, "clock_resumed", when, nil) }

// resolve fixes the fault (resolved). Fees are money as on the wire: a string
// such as "120.50" or a JSON number such as 80.
func (f *fixture) resolve(req, when string, visitNo int, cause, warranty string, partsFee, labourFee any) []byte {
	return f.record(req, "resolved", when, map[string]any{
		"technician": map[string]any{"id": "T-" + req},
		"visit_no":   visitNo,
		"resolution": map[string]any{"cause": cause, "warranty": warranty, "parts_fee": partsFee, "labour_fee": labourFee},
	})
}

// reopen says the fault is not fixed (reopened).
func (f *fixture) reopen(req, when string) []byte {
	return f.record(req, "reopened", when, map[string]any{"reopen_reason": "still broken"})
}

// closeReq closes the request (closed).
func (f *fixture) closeReq(req, when string) []byte { return f.record(req, "closed", when, nil) }

// cancel withdraws the request (cancelled).
func (f *fixture) cancel(req, when string) []byte { return f.record(req, "cancelled", when, nil) }

// survey answers a survey (survey_submitted); a negative rating is not given.
func (f *fixture) survey(req, when string, csat, nps, ces int) []byte {
	s := map[string]any{}
	for k, v := range map[string]int{"csat": csat, "nps": nps, "ces": ces} {
		if v >= 0 {
			s[k] = v
		}
	}
	return f.feedbackMsg(req, "survey_submitted", when, map[string]any{"survey": s, "comment": "评价 " + req})
}

// complaintOpened files complaint id (complaint_opened).
func (f *fixture) complaintOpened(req, when, id, category, severity string) []byte {
	return f.feedbackMsg(req, "complaint_opened", when, map[string]any{
		"complaint": map[string]any{"id": id, "category": category, "severity": severity},
	})
}

// complaintResolved closes complaint id (complaint_resolved).
func (f *fixture) complaintResolved(req, when, id string) []byte {
	return f.feedbackMsg(req, "complaint_resolved", when, map[string]any{"complaint": map[string]any{"id": id}})
}

// runPipeline sends f through the real pipeline: produce to Kafka, ingest into
// a fresh ClickHouse database, load the fixture contracts, refresh the
// request states. Every message must be ingested (none rejected) and every
// request must get a state under its contract.
func runPipeline(t *testing.T, f *fixture) *pipelinetest.Stack {
	t.Helper()
	s := pipelinetest.New(t)
	s.Produce(t, f.records, f.feedback)
	tot := s.Ingest(t)
	if tot.Rejected != 0 || tot.Events != int64(len(f.records)) || tot.Feedback != int64(len(f.feedback)) {
		t.Fatalf("ingest: %+v, want %d events, %d feedback, 0 rejected", tot, len(f.records), len(f.feedback))
	}
	s.LoadContracts(t, fixtureContracts)
	res := s.Refresh(t)
	if res.Requests != f.requests() || res.Orphans != 0 || res.Unmatched != 0 {
		t.Fatalf("refresh: %+v, want %d requests, no orphans, all matched", res, f.requests())
	}
	return s
}

// resend produces messages again and brings the states up to date.
func resend(t *testing.T, s *pipelinetest.Stack, records, feedback [][]byte) {
	t.Helper()
	s.Produce(t, records, feedback)
	tot := s.Ingest(t)
	if tot.Rejected != 0 || tot.Events != int64(len(records)) || tot.Feedback != int64(len(feedback)) {
		t.Fatalf("ingest: %+v, want %d events, %d feedback, 0 rejected", tot, len(records), len(feedback))
	}
	s.Refresh(t)
}

// runKPIs computes the whole catalog (evaluation score included, with the
// catalog's default targets) for q.
func runKPIs(t *testing.T, s *pipelinetest.Stack, q metrics.Query) []metrics.Group {
	t.Helper()
	gs, err := metrics.Run(context.Background(), s.Conn, q, metrics.All(), nil)
	if err != nil {
		t.Fatalf("metrics.Run: %v", err)
	}
	return gs
}

// same reports whether got equals want within 1e-9 relative (exactly, for
// 0); NaN (no data) equals NaN.
func same(got, want float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	if want == 0 {
		return math.Abs(got) < 1e-12
	}
	return math.Abs(got-want) <= 1e-9*math.Abs(want)
}

// checkValues compares every catalog KPI of got with want, reporting each
// difference, a KPI of the catalog missing from want and an id of want the
// catalog does not know.
func checkValues(t *testing.T, label string, got, want map[string]float64) {
	t.Helper()
	for _, k := range metrics.All() {
		w, ok := want[k.ID]
		if !ok {
			t.Errorf("%s: catalog KPI %q has no expected value: add it to the fixture's table", label, k.ID)
			continue
		}
		g, ok := got[k.ID]
		if !ok {
			t.Errorf("%s: %s was not computed", label, k.ID)
			continue
		}
		if !same(g, w) {
			t.Errorf("%s: %s = %.12g, want %.12g", label, k.ID, g, w)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(want)) {
		if !metrics.Known(id) {
			t.Errorf("%s: expected value for %q, which is not in the catalog", label, id)
		}
	}
}

// evaluation is the evaluation score of values under the catalog's defaults.
func evaluation(values map[string]float64) float64 {
	score, _ := metrics.Evaluate(values, metrics.Override{})
	return score
}
