package transform

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

type rejectCase struct {
	name   string
	value  []byte
	reason Reason
	detail string
}

// oversized returns a valid message of n bytes (padded with white space).
func oversized(n int) []byte {
	v := []byte(validClosed)
	return append(v, strings.Repeat(" ", n-len(v))...)
}

// nested returns a closed event with an unknown field nested depth levels.
func nested(depth int) []byte {
	v := strings.TrimSuffix(validClosed, "}")
	return []byte(v + `,"x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "}")
}

// recordRejects are the reject cases of the service-records topic, one or
// more per rule, with the reason and detail each must give.
func recordRejects(t testing.TB) []rejectCase {
	return []rejectCase{
		// size, UTF-8, JSON
		{"oversize", oversized(MaxMessageBytes + 1), ReasonOversize, "larger than 65536 bytes"},
		{"invalid utf8 in a string", []byte("{\"schema_version\":1,\"note\":\"\xe5\xbc\"}"), ReasonInvalidUTF8, "not valid UTF-8"},
		{"invalid utf8 outside strings", []byte("{\xff}"), ReasonInvalidUTF8, "not valid UTF-8"},
		{"empty", []byte(""), ReasonBadJSON, "not a JSON object"},
		{"array", []byte(`[` + validClosed + `]`), ReasonBadJSON, "not a JSON object"},
		{"null", []byte(`null`), ReasonBadJSON, "not a JSON object"},
		{"string", []byte(`"request_created"`), ReasonBadJSON, "not a JSON object"},
		{"garbage", []byte(`hello`), ReasonBadJSON, "not a JSON object"},
		{"truncated", []byte(validClosed[:len(validClosed)-10]), ReasonBadJSON, "invalid JSON object"},
		{"trailing garbage", []byte(validClosed + ` x`), ReasonBadJSON, "invalid JSON object"},
		{"two objects", []byte(validClosed + validClosed), ReasonBadJSON, "invalid JSON object"},
		{"trailing comma", []byte(strings.TrimSuffix(validClosed, "}") + `,}`), ReasonBadJSON, "invalid JSON object"},
		{"missing comma", []byte(`{"schema_version":1 "event_id":"e-1"}`), ReasonBadJSON, "invalid JSON object"},
		{"number with leading zero", []byte(`{"schema_version":01}`), ReasonBadJSON, "invalid JSON object"},
		{"bad escape", []byte(`{"schema_version":1,"note":"\x"}`), ReasonBadJSON, "invalid JSON object"},
		{"raw control character", []byte("{\"schema_version\":1,\"note\":\"a\tb\"}"), ReasonBadJSON, "invalid JSON object"},
		{"single quotes", []byte(`{'schema_version':1}`), ReasonBadJSON, "invalid JSON object"},
		{"nested too deep", nested(maxNesting + 1), ReasonBadJSON, "invalid JSON object"},

		// schema_version
		{"schema_version absent", build(t, validClosed, del("schema_version")), ReasonUnknownSchemaVersion, "schema_version"},
		{"schema_version string", build(t, validClosed, set("schema_version", `"1"`)), ReasonUnknownSchemaVersion, "schema_version"},
		{"schema_version 2", build(t, validClosed, set("schema_version", `2`)), ReasonUnknownSchemaVersion, "schema_version"},
		{"schema_version 1.0", build(t, validClosed, set("schema_version", `1.0`)), ReasonUnknownSchemaVersion, "schema_version"},
		{"schema_version null", build(t, validClosed, set("schema_version", `null`)), ReasonUnknownSchemaVersion, "schema_version"},
		{"schema_version twice", []byte(strings.Replace(validClosed, `{`, `{"schema_version":2,`, 1)), ReasonUnknownSchemaVersion, "schema_version"},

		// envelope
		{"event_id absent", build(t, validClosed, del("event_id")), ReasonMissingField, "event_id"},
		{"event_id null", build(t, validClosed, set("event_id", `null`)), ReasonMissingField, "event_id"},
		{"event_id empty", build(t, validClosed, set("event_id", `""`)), ReasonMissingField, "event_id"},
		{"event_id number", build(t, validClosed, set("event_id", `17`)), ReasonBadField, "event_id"},
		{"event_id with space", build(t, validClosed, set("event_id", `"e 1"`)), ReasonBadField, "event_id"},
		{"event_id surrounded by space", build(t, validClosed, set("event_id", `" e-1"`)), ReasonBadField, "event_id"},
		{"event_id 65 chars", build(t, validClosed, set("event_id", `"`+strings.Repeat("e", 65)+`"`)), ReasonBadField, "event_id"},
		{"event_id non-ASCII", build(t, validClosed, set("event_id", `"é-1"`)), ReasonBadField, "event_id"},
		{"event_id twice", []byte(strings.Replace(validClosed, `{`, `{"event_id":"e-0",`, 1)), ReasonBadField, "event_id"},
		{"event_type absent", build(t, validClosed, del("event_type")), ReasonMissingField, "event_type"},
		{"event_type number", build(t, validClosed, set("event_type", `3`)), ReasonBadField, "event_type"},
		{"event_type of the other topic", build(t, validClosed, set("event_type", `"survey_submitted"`)), ReasonUnknownEventType, "event_type"},
		{"event_type capitalised", build(t, validClosed, set("event_type", `"Closed"`)), ReasonUnknownEventType, "event_type"},
		{"event_type unknown", build(t, validClosed, set("event_type", `"archived"`)), ReasonUnknownEventType, "event_type"},
		{"occurred_at absent", build(t, validClosed, del("occurred_at")), ReasonMissingField, "occurred_at"},
		{"occurred_at number", build(t, validClosed, set("occurred_at", `1788224100`)), ReasonBadField, "occurred_at"},
		{"occurred_at without offset", build(t, validClosed, set("occurred_at", `"2026-09-01T09:15:00"`)), ReasonBadTimestamp, "occurred_at"},
		{"occurred_at garbage", build(t, validClosed, set("occurred_at", `"yesterday"`)), ReasonBadTimestamp, "occurred_at"},
		{"occurred_at date only", build(t, validClosed, set("occurred_at", `"2026-09-01"`)), ReasonBadTimestamp, "occurred_at"},
		{"occurred_at offset minutes 60", build(t, validClosed, set("occurred_at", `"2026-09-01T09:15:00+08:60"`)), ReasonBadTimestamp, "occurred_at"},
		{"occurred_at one-digit hour", build(t, validClosed, set("occurred_at", `"2026-09-01T9:15:00+08:00"`)), ReasonBadTimestamp, "occurred_at"},
		{"occurred_at space separator", build(t, validClosed, set("occurred_at", `"2026-09-01 09:15:00+08:00"`)), ReasonBadTimestamp, "occurred_at"},
		{"occurred_at February 30", build(t, validClosed, set("occurred_at", `"2026-02-30T09:15:00Z"`)), ReasonBadTimestamp, "occurred_at"},
		{"occurred_at 1999", build(t, validClosed, set("occurred_at", `"1999-12-31T23:59:59Z"`)), ReasonBadTimestamp, "occurred_at"},
		{"occurred_at before 2000 in UTC", build(t, validClosed, set("occurred_at", `"2000-01-01T07:59:59+08:00"`)), ReasonBadTimestamp, "occurred_at"},
		{"occurred_at too far ahead", build(t, validClosed, set("occurred_at", `"2026-09-11T00:00:01Z"`)), ReasonFutureTimestamp, "occurred_at"},
		{"occurred_at year 9999", build(t, validClosed, set("occurred_at", `"9999-12-31T23:59:59Z"`)), ReasonFutureTimestamp, "occurred_at"},
		{"request_id absent", build(t, validClosed, del("request_id")), ReasonMissingField, "request_id"},
		{"request_id bad", build(t, validClosed, set("request_id", `"SR/1"`)), ReasonBadField, "request_id"},
		{"contract_id absent", build(t, validClosed, del("contract_id")), ReasonMissingField, "contract_id"},
		{"contract_id bad", build(t, validClosed, set("contract_id", `["CT"]`)), ReasonBadField, "contract_id"},
		{"partner_id absent", build(t, validClosed, del("partner_id")), ReasonMissingField, "partner_id"},
		{"partner_id bad", build(t, validClosed, set("partner_id", `"PT NORTH"`)), ReasonBadField, "partner_id"},
		{"customer not an object", build(t, validClosed, set("customer", `"张伟"`)), ReasonBadField, "customer"},
		{"customer phone number", build(t, validClosed, set("customer", `{"phone":13800138000}`)), ReasonBadField, "customer.phone"},
		{"customer address object", build(t, validClosed, set("customer", `{"address":{"city":"北京"}}`)), ReasonBadField, "customer.address"},
		{"note number", build(t, validClosed, set("note", `5`)), ReasonBadField, "note"},

		// request_created
		{"channel absent", build(t, validRequestCreated, del("channel")), ReasonMissingField, "channel"},
		{"channel capitalised", build(t, validRequestCreated, set("channel", `"Phone"`)), ReasonBadField, "channel"},
		{"channel padded", build(t, validRequestCreated, set("channel", `" phone"`)), ReasonBadField, "channel"},
		{"channel unknown", build(t, validRequestCreated, set("channel", `"fax"`)), ReasonBadField, "channel"},
		{"region blank", build(t, validRequestCreated, set("region", `"  "`)), ReasonMissingField, "region"},
		{"region number", build(t, validRequestCreated, set("region", `5`)), ReasonBadField, "region"},
		{"product absent", build(t, validRequestCreated, del("product")), ReasonMissingField, "product"},
		{"product string", build(t, validRequestCreated, set("product", `"AC-200"`)), ReasonBadField, "product"},
		{"product.serial absent", build(t, validRequestCreated, del("product.serial")), ReasonMissingField, "product.serial"},
		{"product.serial number", build(t, validRequestCreated, set("product.serial", `7781`)), ReasonBadField, "product.serial"},
		{"product.model empty", build(t, validRequestCreated, set("product.model", `""`)), ReasonMissingField, "product.model"},
		{"purchase_date bad day", build(t, validRequestCreated, set("product.purchase_date", `"2025-02-29"`)), ReasonBadTimestamp, "product.purchase_date"},
		{"purchase_date US format", build(t, validRequestCreated, set("product.purchase_date", `"03/01/2025"`)), ReasonBadTimestamp, "product.purchase_date"},
		{"purchase_date with time", build(t, validRequestCreated, set("product.purchase_date", `"2025-03-01T00:00:00Z"`)), ReasonBadTimestamp, "product.purchase_date"},
		{"purchase_date 1999", build(t, validRequestCreated, set("product.purchase_date", `"1999-12-31"`)), ReasonBadTimestamp, "product.purchase_date"},
		{"purchase_date after the event", build(t, validRequestCreated, set("product.purchase_date", `"2026-09-02"`)), ReasonBadTimestamp, "product.purchase_date"},
		{"purchase_date number", build(t, validRequestCreated, set("product.purchase_date", `20250301`)), ReasonBadField, "product.purchase_date"},

		// technician, visits
		{"dispatched without technician", build(t, validDispatched, del("technician")), ReasonMissingField, "technician"},
		{"dispatched technician.id absent", build(t, validDispatched, set("technician", `{}`)), ReasonMissingField, "technician.id"},
		{"dispatched technician.id bad", build(t, validDispatched, set("technician.id", `"T 1"`)), ReasonBadField, "technician.id"},
		{"dispatched certified yes", build(t, validDispatched, set("technician.certified", `"yes"`)), ReasonBadField, "technician.certified"},
		{"onsite certified absent", build(t, validOnsiteArrived, del("technician.certified")), ReasonMissingField, "technician.certified"},
		{"onsite certified 1", build(t, validOnsiteArrived, set("technician.certified", `1`)), ReasonBadField, "technician.certified"},
		{"onsite visit_no absent", build(t, validOnsiteArrived, del("visit_no")), ReasonMissingField, "visit_no"},
		{"onsite visit_no string", build(t, validOnsiteArrived, set("visit_no", `"1"`)), ReasonBadField, "visit_no"},
		{"onsite visit_no 0", build(t, validOnsiteArrived, set("visit_no", `0`)), ReasonBadField, "visit_no"},
		{"onsite visit_no -1", build(t, validOnsiteArrived, set("visit_no", `-1`)), ReasonBadField, "visit_no"},
		{"onsite visit_no 1.5", build(t, validOnsiteArrived, set("visit_no", `1.5`)), ReasonBadField, "visit_no"},
		{"onsite visit_no 1.0", build(t, validOnsiteArrived, set("visit_no", `1.0`)), ReasonBadField, "visit_no"},
		{"onsite visit_no 1e0", build(t, validOnsiteArrived, set("visit_no", `1e0`)), ReasonBadField, "visit_no"},
		{"onsite visit_no 65536", build(t, validOnsiteArrived, set("visit_no", `65536`)), ReasonBadField, "visit_no"},
		{"onsite visit_no huge", build(t, validOnsiteArrived, set("visit_no", `123456789012345678901234567890`)), ReasonBadField, "visit_no"},
		{"onsite planned_follow_up string", build(t, validOnsiteArrived, set("planned_follow_up", `"true"`)), ReasonBadField, "planned_follow_up"},
		{"remote visit_no absent", build(t, validRemoteStarted, del("visit_no")), ReasonMissingField, "visit_no"},

		// parts
		{"part_requested without part", build(t, validPartRequested, del("part")), ReasonMissingField, "part"},
		{"part.line_id absent", build(t, validPartRequested, del("part.line_id")), ReasonMissingField, "part.line_id"},
		{"part.part_no absent", build(t, validPartRequested, del("part.part_no")), ReasonMissingField, "part.part_no"},
		{"part.quantity 0", build(t, validPartRequested, set("part.quantity", `0`)), ReasonBadField, "part.quantity"},
		{"part.quantity string", build(t, validPartRequested, set("part.quantity", `"2"`)), ReasonBadField, "part.quantity"},
		{"part.from_stock absent", build(t, validPartDelivered, del("part.from_stock")), ReasonMissingField, "part.from_stock"},
		{"part.from_stock string", build(t, validPartDelivered, set("part.from_stock", `"false"`)), ReasonBadField, "part.from_stock"},
		{"part twice", []byte(strings.Replace(validPartDelivered, `{`, `{"part":{"line_id":"L-0"},`, 1)), ReasonBadField, "part"},

		// clock
		{"pause_reason absent", build(t, validClockPaused, del("pause_reason")), ReasonMissingField, "pause_reason"},
		{"pause_reason unknown", build(t, validClockPaused, set("pause_reason", `"lunch"`)), ReasonBadField, "pause_reason"},

		// resolved
		{"resolved technician absent", build(t, validResolved, del("technician")), ReasonMissingField, "technician"},
		{"resolved visit_no absent", build(t, validResolved, del("visit_no")), ReasonMissingField, "visit_no"},
		{"resolution absent", build(t, validResolved, del("resolution")), ReasonMissingField, "resolution"},
		{"resolution array", build(t, validResolved, set("resolution", `[]`)), ReasonBadField, "resolution"},
		{"cause absent", build(t, validResolved, del("resolution.cause")), ReasonMissingField, "resolution.cause"},
		{"cause unknown", build(t, validResolved, set("resolution.cause", `"act_of_god"`)), ReasonBadField, "resolution.cause"},
		{"warranty unknown", build(t, validResolved, set("resolution.warranty", `"lifetime"`)), ReasonBadField, "resolution.warranty"},
		{"parts_fee absent", build(t, validResolved, del("resolution.parts_fee")), ReasonMissingField, "resolution.parts_fee"},
		{"labour_fee absent", build(t, validResolved, del("resolution.labour_fee")), ReasonMissingField, "resolution.labour_fee"},
		{"parts_fee 3 decimals", build(t, validResolved, set("resolution.parts_fee", `"120.505"`)), ReasonBadMoney, "resolution.parts_fee"},
		{"labour_fee null", build(t, validResolved, set("resolution.labour_fee", `null`)), ReasonBadMoney, "resolution.labour_fee"},
		{"currency lower case", build(t, validResolved, set("resolution.currency", `"cny"`)), ReasonBadField, "resolution.currency"},
		{"currency 4 letters", build(t, validResolved, set("resolution.currency", `"EURO"`)), ReasonBadField, "resolution.currency"},
		{"currency number", build(t, validResolved, set("resolution.currency", `156`)), ReasonBadField, "resolution.currency"},

		// reopened
		{"reopen_reason number", build(t, validReopened, set("reopen_reason", `5`)), ReasonBadField, "reopen_reason"},

		// the first broken rule wins
		{"first: oversize before utf8", append(oversized(MaxMessageBytes+1), 0xff), ReasonOversize, "larger than 65536 bytes"},
		{"first: utf8 before json", []byte("{\xff"), ReasonInvalidUTF8, "not valid UTF-8"},
		{"first: json before schema_version", []byte(`{"event_id":"e-1"`), ReasonBadJSON, "invalid JSON object"},
		{"first: schema_version before event_id", build(t, validClosed, set("schema_version", `2`), set("event_id", `"bad id"`)), ReasonUnknownSchemaVersion, "schema_version"},
		{"first: event_id before event_type", build(t, validClosed, del("event_id"), set("event_type", `"x"`)), ReasonMissingField, "event_id"},
		{"first: event_type before occurred_at", build(t, validClosed, set("event_type", `"x"`), del("occurred_at")), ReasonUnknownEventType, "event_type"},
		{"first: occurred_at before request_id", build(t, validClosed, set("occurred_at", `"x"`), del("request_id")), ReasonBadTimestamp, "occurred_at"},
		{"first: partner_id before type fields", build(t, validRequestCreated, set("partner_id", `"x y"`), del("channel")), ReasonBadField, "partner_id"},
		{"first: customer before type fields", build(t, validRequestCreated, set("customer", `1`), del("channel")), ReasonBadField, "customer"},
		{"first: in row order, visit_no before resolution", build(t, validResolved, set("visit_no", `0`), del("resolution")), ReasonBadField, "visit_no"},
		{"first: parts_fee before labour_fee", build(t, validResolved, set("resolution.parts_fee", `"1e3"`), del("resolution.labour_fee")), ReasonBadMoney, "resolution.parts_fee"},
	}
}

func feedbackRejects(t testing.TB) []rejectCase {
	return []rejectCase{
		{"oversize", oversized(MaxMessageBytes + 1), ReasonOversize, "larger than 65536 bytes"},
		{"invalid utf8", []byte("{\"comment\":\"\xe5\xbc\"}"), ReasonInvalidUTF8, "not valid UTF-8"},
		{"truncated", []byte(validSurvey[:40]), ReasonBadJSON, "invalid JSON object"},
		{"schema_version absent", build(t, validSurvey, del("schema_version")), ReasonUnknownSchemaVersion, "schema_version"},
		{"event_id absent", build(t, validSurvey, del("event_id")), ReasonMissingField, "event_id"},
		{"event_type of the other topic", build(t, validSurvey, set("event_type", `"request_created"`)), ReasonUnknownEventType, "event_type"},
		{"occurred_at without offset", build(t, validSurvey, set("occurred_at", `"2026-09-01T09:15:00"`)), ReasonBadTimestamp, "occurred_at"},
		{"occurred_at in the future", build(t, validSurvey, set("occurred_at", `"2027-01-01T00:00:00Z"`)), ReasonFutureTimestamp, "occurred_at"},
		{"partner_id absent", build(t, validSurvey, del("partner_id")), ReasonMissingField, "partner_id"},
		{"customer name number", build(t, validSurvey, set("customer", `{"name":1}`)), ReasonBadField, "customer.name"},
		{"comment object", build(t, validSurvey, set("comment", `{"text":"好"}`)), ReasonBadField, "comment"},

		{"survey absent", build(t, validSurvey, del("survey")), ReasonMissingField, "survey"},
		{"survey null", build(t, validSurvey, set("survey", `null`)), ReasonMissingField, "survey"},
		{"survey empty", build(t, validSurvey, set("survey", `{}`)), ReasonMissingField, "survey"},
		{"survey all null", build(t, validSurvey, set("survey", `{"csat":null,"nps":null,"ces":null}`)), ReasonMissingField, "survey"},
		{"survey number", build(t, validSurvey, set("survey", `5`)), ReasonBadField, "survey"},
		{"csat 0", build(t, validSurvey, set("survey.csat", `0`)), ReasonRatingOutOfRange, "survey.csat"},
		{"csat 6", build(t, validSurvey, set("survey.csat", `6`)), ReasonRatingOutOfRange, "survey.csat"},
		{"csat 4.5", build(t, validSurvey, set("survey.csat", `4.5`)), ReasonRatingOutOfRange, "survey.csat"},
		{"csat 5.0", build(t, validSurvey, set("survey.csat", `5.0`)), ReasonRatingOutOfRange, "survey.csat"},
		{"csat 5e0", build(t, validSurvey, set("survey.csat", `5e0`)), ReasonRatingOutOfRange, "survey.csat"},
		{"csat huge", build(t, validSurvey, set("survey.csat", `99999999999999999999`)), ReasonRatingOutOfRange, "survey.csat"},
		{"csat string", build(t, validSurvey, set("survey.csat", `"5"`)), ReasonBadField, "survey.csat"},
		{"csat bool", build(t, validSurvey, set("survey.csat", `true`)), ReasonBadField, "survey.csat"},
		{"nps -1", build(t, validSurvey, set("survey.nps", `-1`)), ReasonRatingOutOfRange, "survey.nps"},
		{"nps 11", build(t, validSurvey, set("survey.nps", `11`)), ReasonRatingOutOfRange, "survey.nps"},
		{"ces 0", build(t, validSurvey, set("survey.ces", `0`)), ReasonRatingOutOfRange, "survey.ces"},
		{"ces 8", build(t, validSurvey, set("survey.ces", `8`)), ReasonRatingOutOfRange, "survey.ces"},
		{"ces string", build(t, validSurvey, set("survey.ces", `"7"`)), ReasonBadField, "survey.ces"},
		{"csat twice", []byte(strings.Replace(validSurvey, `"csat":4`, `"csat":4,"csat":5`, 1)), ReasonBadField, "survey.csat"},

		{"complaint absent", build(t, validComplaintOpened, del("complaint")), ReasonMissingField, "complaint"},
		{"complaint.id absent", build(t, validComplaintOpened, del("complaint.id")), ReasonMissingField, "complaint.id"},
		{"complaint.id bad", build(t, validComplaintOpened, set("complaint.id", `"C#1"`)), ReasonBadField, "complaint.id"},
		{"category capitalised", build(t, validComplaintOpened, set("complaint.category", `"Delay"`)), ReasonBadField, "complaint.category"},
		{"category absent", build(t, validComplaintOpened, del("complaint.category")), ReasonMissingField, "complaint.category"},
		{"severity unknown", build(t, validComplaintOpened, set("complaint.severity", `"urgent"`)), ReasonBadField, "complaint.severity"},
		{"severity absent", build(t, validComplaintOpened, del("complaint.severity")), ReasonMissingField, "complaint.severity"},
		{"complaint_resolved id absent", build(t, validComplaintResolved, set("complaint", `{}`)), ReasonMissingField, "complaint.id"},

		{"first: csat before nps", build(t, validSurvey, set("survey", `{"csat":"5","nps":11}`)), ReasonBadField, "survey.csat"},
		{"first: id before category", build(t, validComplaintOpened, del("complaint.id"), set("complaint.category", `"x"`)), ReasonMissingField, "complaint.id"},
	}
}

func checkReject(t *testing.T, tt rejectCase, src Source, rej *Reject, accepted any) {
	t.Helper()
	if rej == nil {
		t.Fatalf("accepted %+v, want %s %s\n%s", accepted, tt.reason, tt.detail, tt.value)
	}
	if rej.Reason != tt.reason || rej.Detail != tt.detail {
		t.Errorf("reject %s %q, want %s %q\n%s", rej.Reason, rej.Detail, tt.reason, tt.detail, tt.value)
	}
	sum := sha256.Sum256(tt.value)
	if rej.PayloadSize != len(tt.value) || rej.PayloadSHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("PayloadSize %d, PayloadSHA256 %s: not the original's", rej.PayloadSize, rej.PayloadSHA256)
	}
	if rej.Payload != Redact(tt.value) {
		t.Errorf("Payload is not Redact(value)")
	}
	if rej.Source != src {
		t.Errorf("Source = %+v, want %+v", rej.Source, src)
	}
}

func TestDecodeRecordRejects(t *testing.T) {
	tr := newTestTransformer(t)
	for _, tt := range recordRejects(t) {
		t.Run(tt.name, func(t *testing.T) {
			ev, rej := tr.DecodeRecord(testSource, tt.value)
			checkReject(t, tt, testSource, rej, ev)
			if rej != nil && (ev != ServiceEvent{}) {
				t.Errorf("rejected, but the row is not zero: %+v", ev)
			}
		})
	}
}

func TestDecodeFeedbackRejects(t *testing.T) {
	tr := newTestTransformer(t)
	src := Source{Topic: "servicepulse.feedback", Partition: 0, Offset: 7}
	for _, tt := range feedbackRejects(t) {
		t.Run(tt.name, func(t *testing.T) {
			ev, rej := tr.DecodeFeedback(src, tt.value)
			checkReject(t, tt, src, rej, ev)
			if rej != nil && (ev != FeedbackEvent{}) {
				t.Errorf("rejected, but the row is not zero: %+v", ev)
			}
		})
	}
}

// TestEveryReasonTested makes sure each reason has a case in each topic's table
// (oversize to bad_money; bad_money of feedback does not exist).
func TestEveryReasonTested(t *testing.T) {
	seen := map[Reason]bool{}
	for _, c := range recordRejects(t) {
		seen[c.reason] = true
	}
	for _, c := range feedbackRejects(t) {
		seen[c.reason] = true
	}
	for _, r := range Reasons {
		if !seen[r] {
			t.Errorf("no reject case for %s", r)
		}
	}
}

func TestMaxMessageBytesIsAccepted(t *testing.T) {
	tr := newTestTransformer(t)
	if _, rej := tr.DecodeRecord(testSource, oversized(MaxMessageBytes)); rej != nil {
		t.Errorf("a message of exactly MaxMessageBytes: %s %s", rej.Reason, rej.Detail)
	}
	if _, rej := tr.DecodeRecord(testSource, nested(maxNesting)); rej != nil {
		t.Errorf("nesting of exactly maxNesting: %s %s", rej.Reason, rej.Detail)
	}
}
