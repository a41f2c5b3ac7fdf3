package transform

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	stdjson "encoding/json"
	"strings"
	"testing"
	"time"
)

// testKey is the PII key of the tests.
var testKey = []byte("test-pii-key-0123456789abcdef")

// testNow is the ingesting clock of the tests: a week after the examples.
var testNow = time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC)

func newTestTransformer(tb testing.TB) *Transformer {
	tb.Helper()
	tr, err := New(Config{PIIKey: testKey, Now: func() time.Time { return testNow }})
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return tr
}

var testSource = Source{Topic: "servicepulse.service-records", Partition: 3, Offset: 42}

// The examples of docs/events.md, verbatim (TestDocExamplesVerbatim keeps
// them equal to the page).
const (
	exampleRequestCreated = `{"schema_version":1,"event_id":"e-000001-01","event_type":"request_created",
 "occurred_at":"2026-09-01T09:15:00+08:00","request_id":"SR-000001","contract_id":"CT-GOLD",
 "partner_id":"PT-NORTH","channel":"phone","region":"North China",
 "product":{"serial":"SN-7781-0001","model":"AC-200","purchase_date":"2025-03-01"},
 "customer":{"name":"张伟","phone":"13800138000","address":"北京市朝阳区建国路1号","email":"zw@example.cn"},
 "note":"空调不制冷,请上午来"}`

	exampleResolved = `{"schema_version":1,"event_id":"e-000001-06","event_type":"resolved",
 "occurred_at":"2026-09-02T15:40:00+08:00","request_id":"SR-000001","contract_id":"CT-GOLD",
 "partner_id":"PT-NORTH","technician":{"id":"T-0042","certified":true},"visit_no":1,
 "resolution":{"cause":"product_quality","warranty":"in_warranty","parts_fee":"0.00","labour_fee":"0.00"}}`

	exampleSurvey = `{"schema_version":1,"event_id":"f-000001-01","event_type":"survey_submitted",
 "occurred_at":"2026-09-03T10:00:00+08:00","request_id":"SR-000001","contract_id":"CT-GOLD",
 "partner_id":"PT-NORTH","survey":{"csat":5,"nps":9,"ces":6},
 "comment":"师傅很专业","customer":{"name":"张伟","phone":"13800138000"}}`
)

// Valid messages of each event type, compact, for edits by build.
const (
	baseEnvelope = `"schema_version":1,"event_id":"e-1","occurred_at":"2026-09-01T09:15:00+08:00","request_id":"SR-1","contract_id":"CT-GOLD","partner_id":"PT-NORTH"`

	validRequestCreated = `{` + baseEnvelope + `,"event_type":"request_created","channel":"phone","region":"North China","product":{"serial":"SN-1","model":"AC-200","purchase_date":"2025-03-01"}}`
	validAcknowledged   = `{` + baseEnvelope + `,"event_type":"acknowledged"}`
	validDispatched     = `{` + baseEnvelope + `,"event_type":"dispatched","technician":{"id":"T-1"}}`
	validOnsiteArrived  = `{` + baseEnvelope + `,"event_type":"onsite_arrived","technician":{"id":"T-1","certified":true},"visit_no":1}`
	validRemoteStarted  = `{` + baseEnvelope + `,"event_type":"remote_started","technician":{"id":"T-1","certified":false},"visit_no":2}`
	validPartRequested  = `{` + baseEnvelope + `,"event_type":"part_requested","part":{"line_id":"L-1","part_no":"PN-100"}}`
	validPartDelivered  = `{` + baseEnvelope + `,"event_type":"part_delivered","part":{"line_id":"L-1","part_no":"PN-100","from_stock":true}}`
	validClockPaused    = `{` + baseEnvelope + `,"event_type":"clock_paused","pause_reason":"waiting_customer"}`
	validClockResumed   = `{` + baseEnvelope + `,"event_type":"clock_resumed"}`
	validResolved       = `{` + baseEnvelope + `,"event_type":"resolved","technician":{"id":"T-1"},"visit_no":1,"resolution":{"cause":"user_misuse","warranty":"out_of_warranty","parts_fee":"120.50","labour_fee":80}}`
	validReopened       = `{` + baseEnvelope + `,"event_type":"reopened"}`
	validClosed         = `{` + baseEnvelope + `,"event_type":"closed"}`
	validCancelled      = `{` + baseEnvelope + `,"event_type":"cancelled"}`

	validSurvey            = `{` + baseEnvelope + `,"event_type":"survey_submitted","survey":{"csat":4}}`
	validComplaintOpened   = `{` + baseEnvelope + `,"event_type":"complaint_opened","complaint":{"id":"C-1","category":"delay","severity":"high"}}`
	validComplaintResolved = `{` + baseEnvelope + `,"event_type":"complaint_resolved","complaint":{"id":"C-1"}}`
)

// baseOccurredAt is occurred_at of the base messages, in UTC.
var baseOccurredAt = time.Date(2026, 9, 1, 1, 15, 0, 0, time.UTC)

// edit changes one field of a message: its raw JSON value, or deletes it.
type edit struct {
	path string // "visit_no", "product.serial"
	raw  string // JSON text of the new value; "" deletes the field
}

func set(path, raw string) edit { return edit{path, raw} }
func del(path string) edit      { return edit{path: path} }

// build returns base with edits applied. Names are written in sorted order.
func build(tb testing.TB, base string, edits ...edit) []byte {
	tb.Helper()
	var m map[string]any
	dec := stdjson.NewDecoder(strings.NewReader(base))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		tb.Fatalf("build: base: %v", err)
	}
	for _, e := range edits {
		obj := m
		parts := strings.Split(e.path, ".")
		for _, p := range parts[:len(parts)-1] {
			next, ok := obj[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				obj[p] = next
			}
			obj = next
		}
		last := parts[len(parts)-1]
		if e.raw == "" {
			delete(obj, last)
			continue
		}
		if !stdjson.Valid([]byte(e.raw)) {
			tb.Fatalf("build: %s: invalid JSON %q", e.path, e.raw)
		}
		obj[last] = stdjson.RawMessage(e.raw)
	}
	var buf bytes.Buffer
	enc := stdjson.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		tb.Fatalf("build: %v", err)
	}
	return bytes.TrimSpace(buf.Bytes())
}

// wantRef computes the expected CustomerRef independently of the code.
func wantRef(key []byte, phoneDigits, email, name string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(phoneDigits + "|" + email + "|" + name))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}
