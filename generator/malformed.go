package generator

import (
	"strconv"
	"unicode/utf8"

	"servicepulse/transform"
)

// Malformed messages. Each is a valid event of the current request, with the
// customer object a real one carries, and a fresh event id x-<n>, changed in
// exactly one way so that the reject reason is unambiguous whatever the order
// of the checks. The k-th malformed message has reason Reasons[k mod 11]; a
// reason that applies to both topics alternates between them.

// variant is one way of breaking an event of kind base.
type variant struct {
	base  kind
	apply func(g *gen, b []byte, ev *event) []byte
}

// set replaces (or adds) the member at path with raw JSON.
func set(path, raw string) func(*gen, []byte, *event) []byte {
	return func(_ *gen, b []byte, _ *event) []byte { return setMember(b, path, raw) }
}

// del removes the member at path.
func del(path string) func(*gen, []byte, *event) []byte {
	return func(_ *gen, b []byte, _ *event) []byte { return delMember(b, path) }
}

// setTime replaces occurred_at with a string computed from the event time.
func setTime(f func(g *gen, at int64) string) func(*gen, []byte, *event) []byte {
	return func(g *gen, b []byte, ev *event) []byte {
		return setMember(b, "occurred_at", strconv.Quote(f(g, ev.at)))
	}
}

func localTime(at int64) string { return string(appendTime(nil, at)) }

// Records and feedback variants of every reason.
var variants = map[transform.Reason][2][]variant{
	transform.ReasonOversize: {
		{{kRequestCreated, oversize("note")}, {kResolved, oversize("note")}},
		{{kSurvey, oversize("comment")}, {kComplaintOpened, oversize("comment")}},
	},
	transform.ReasonInvalidUTF8: {
		{{kRequestCreated, badUTF8("customer.name")}, {kRequestCreated, badUTF8("customer.address")},
			{kClockPaused, badUTF8("customer.name")}, {kCancelled, badUTF8("customer.address")}},
		{{kSurvey, badUTF8("customer.name")}, {kComplaintOpened, badUTF8("customer.address")}},
	},
	transform.ReasonBadJSON: {
		{{kRequestCreated, truncate}, {kResolved, truncate}, {kAcknowledged, trailing},
			{kOnsiteArrived, asArray}, {kDispatched, dropComma}},
		{{kSurvey, truncate}, {kComplaintOpened, trailing}, {kSurvey, asArray}, {kComplaintResolved, dropComma}},
	},
	transform.ReasonUnknownSchemaVersion: {
		{{kRequestCreated, set("schema_version", "2")}, {kAcknowledged, set("schema_version", `"1"`)},
			{kResolved, set("schema_version", "1.5")}, {kDispatched, del("schema_version")},
			{kClosed, set("schema_version", "0")}, {kOnsiteArrived, set("schema_version", "-1")}},
		{{kSurvey, set("schema_version", "2")}, {kComplaintOpened, set("schema_version", `"1"`)},
			{kSurvey, del("schema_version")}, {kComplaintResolved, set("schema_version", "99")}},
	},
	transform.ReasonMissingField: {
		{{kAcknowledged, del("event_id")}, {kAcknowledged, del("event_type")}, {kDispatched, del("occurred_at")},
			{kClosed, del("request_id")}, {kResolved, set("contract_id", `""`)}, {kAcknowledged, set("partner_id", "null")},
			{kRequestCreated, del("channel")}, {kRequestCreated, del("region")}, {kRequestCreated, del("product.serial")},
			{kRequestCreated, set("product.model", `""`)}, {kDispatched, del("technician.id")},
			{kOnsiteArrived, del("visit_no")}, {kRemoteStarted, del("technician.certified")},
			{kPartRequested, del("part.part_no")}, {kPartDelivered, del("part.from_stock")},
			{kPartDelivered, del("part.line_id")}, {kClockPaused, del("pause_reason")},
			{kResolved, del("resolution.cause")}, {kResolved, del("resolution.warranty")},
			{kResolved, del("resolution.parts_fee")}, {kResolved, del("resolution.labour_fee")},
			{kResolved, set("visit_no", "null")}},
		{{kSurvey, del("event_id")}, {kSurvey, del("occurred_at")}, {kComplaintOpened, set("request_id", `""`)},
			{kSurvey, del("partner_id")}, {kSurvey, del("survey")}, {kComplaintOpened, del("complaint.category")},
			{kComplaintOpened, del("complaint.severity")}, {kComplaintOpened, del("complaint.id")},
			{kComplaintResolved, set("complaint.id", `""`)}},
	},
	transform.ReasonUnknownEventType: {
		{{kAcknowledged, set("event_type", `"request_updated"`)}, {kAcknowledged, set("event_type", `"survey_submitted"`)},
			{kResolved, set("event_type", `"Resolved"`)}, {kDispatched, set("event_type", `"escalated"`)}},
		{{kSurvey, set("event_type", `"resolved"`)}, {kSurvey, set("event_type", `"survey"`)},
			{kComplaintOpened, set("event_type", `"complaint_escalated"`)}},
	},
	transform.ReasonBadField: {
		{{kRequestCreated, set("channel", `"fax"`)}, {kRequestCreated, set("product.model", "7781")},
			{kRequestCreated, set("region", "42")}, {kAcknowledged, badID("request_id", " ")},
			{kAcknowledged, badID("event_id", "#")}, {kClosed, badID("contract_id", "/")}, {kDispatched, longID},
			{kOnsiteArrived, set("technician.certified", `"yes"`)}, {kOnsiteArrived, set("visit_no", `"1"`)},
			{kRemoteStarted, set("visit_no", "0")}, {kOnsiteArrived, set("planned_follow_up", `"no"`)},
			{kPartRequested, set("part.quantity", "0")}, {kPartDelivered, set("part.from_stock", `"true"`)},
			{kClockPaused, set("pause_reason", `"lunch_break"`)}, {kResolved, set("resolution.cause", `"act_of_god"`)},
			{kResolved, set("resolution.warranty", `"lifetime"`)}, {kAcknowledged, customerAsString},
			{kRequestCreated, phoneAsNumber}, {kCancelled, set("note", "12345")}},
		{{kComplaintOpened, set("complaint.category", `"rude"`)}, {kComplaintOpened, set("complaint.severity", `"urgent"`)},
			{kSurvey, set("survey", "[4,8,5]")}, {kSurvey, set("comment", "true")},
			{kComplaintResolved, set("complaint.id", "42")}, {kSurvey, badID("partner_id", "?")},
			{kSurvey, customerAsString}},
	},
	transform.ReasonBadTimestamp: {
		{{kAcknowledged, setTime(noOffset)}, {kDispatched, setTime(hour25)}, {kResolved, setTime(feb30)},
			{kClosed, setTime(dateOnly)}, {kOnsiteArrived, setTime(unixDigits)}, {kAcknowledged, setTime(before2000)},
			{kClockResumed, setTime(notATime)}, {kRequestCreated, set("product.purchase_date", `"2025/03/01"`)},
			{kRequestCreated, set("product.purchase_date", `"1999-06-01"`)},
			{kRequestCreated, set("product.purchase_date", `"2025-02-29"`)}},
		{{kSurvey, setTime(noOffset)}, {kComplaintOpened, setTime(feb30)}, {kSurvey, setTime(before2000)},
			{kComplaintResolved, setTime(dateOnly)}, {kSurvey, setTime(notATime)}},
	},
	transform.ReasonFutureTimestamp: {
		{{kAcknowledged, setTime(nextMonth)}, {kResolved, setTime(nextMonth)}, {kRequestCreated, setTime(nextMonth)}},
		{{kSurvey, setTime(nextMonth)}, {kComplaintOpened, setTime(nextMonth)}},
	},
	transform.ReasonRatingOutOfRange: {
		nil,
		{{kSurvey, set("survey.csat", "0")}, {kSurvey, set("survey.csat", "6")}, {kSurvey, set("survey.csat", "4.5")},
			{kSurvey, set("survey.nps", "11")}, {kSurvey, set("survey.nps", "-1")}, {kSurvey, set("survey.nps", "7.5")},
			{kSurvey, set("survey.ces", "0")}, {kSurvey, set("survey.ces", "8")}, {kSurvey, set("survey.csat", "10")}},
	},
	transform.ReasonBadMoney: {
		{{kResolved, set("resolution.parts_fee", `"12,50"`)}, {kResolved, set("resolution.labour_fee", `"120.505"`)},
			{kResolved, set("resolution.parts_fee", `"1e3"`)}, {kResolved, set("resolution.labour_fee", "-1")},
			{kResolved, set("resolution.parts_fee", `"-5.00"`)}, {kResolved, set("resolution.labour_fee", "120.505")},
			{kResolved, set("resolution.parts_fee", `"abc"`)}, {kResolved, set("resolution.labour_fee", `"¥80.00"`)},
			{kResolved, set("resolution.parts_fee", `"12345678901234567.00"`)}},
		nil,
	},
}

// Broken occurred_at values.
func noOffset(_ *gen, at int64) string   { s := localTime(at); return s[:19] }
func hour25(_ *gen, at int64) string     { s := localTime(at); return s[:11] + "25" + s[13:] }
func feb30(_ *gen, at int64) string      { s := localTime(at); return s[:5] + "02-30" + s[10:] }
func dateOnly(_ *gen, at int64) string   { return localTime(at)[:10] }
func unixDigits(_ *gen, at int64) string { return strconv.FormatInt(at, 10) }
func before2000(g *gen, at int64) string { return "1999-12-31T" + localTime(at)[11:] }
func notATime(_ *gen, _ int64) string    { return "yesterday afternoon" }

// nextMonth is 30 days (and a few hours) after Now: far beyond the 24 h of
// clock skew the contract tolerates.
func nextMonth(g *gen, _ int64) string {
	return localTime(g.now + 30*daySec + int64(g.br.IntN(6*hourSec)))
}

// oversize pads the free-text field to just over 64 KiB by repeating a
// personal value (the fault and the customer's name).
func oversize(field string) func(*gen, []byte, *event) []byte {
	return func(g *gen, b []byte, ev *event) []byte {
		t := ev.t
		unit := models[t.model].faults[0] + ",联系人" + t.customer.name + "。"
		g.enc.personal(unit)
		b = setMember(b, field, `""`)
		_, vs, _, _ := member(b, field)
		target := transform.MaxMessageBytes + 1 + g.br.IntN(2048)
		out := append(g.big[:0], b[:vs+1]...)
		for len(out)+len(b)-(vs+1) < target {
			out = append(out, unit...)
		}
		g.big = append(out, b[vs+1:]...)
		return g.big
	}
}

// Byte sequences that are not UTF-8: a stray continuation byte, a truncated
// sequence, an overlong encoding, a UTF-16 surrogate, bytes never used.
var notUTF8 = []string{"\x80", "\xe4\xb8", "\xc0\xaf", "\xed\xa0\x80", "\xff", "\xfe\xfe"}

// badUTF8 appends invalid bytes to the string at path.
func badUTF8(path string) func(*gen, []byte, *event) []byte {
	return func(g *gen, b []byte, _ *event) []byte {
		_, _, ve, ok := member(b, path)
		if !ok {
			panic("generator: no " + path + " to break")
		}
		return splice(b, ve-1, ve-1, notUTF8[g.br.IntN(len(notUTF8))])
	}
}

// truncate cuts the message at a character boundary after the customer's
// name, so that the broken message still carries personal data.
func truncate(g *gen, b []byte, _ *event) []byte {
	_, _, from, _ := member(b, "customer.name")
	n := from + g.br.IntN(len(b)-1-from)
	for !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n]
}

var trailers = []string{"}", " x", ",", `{"schema_version":1}`, "]"}

// trailing appends data after the object.
func trailing(g *gen, b []byte, _ *event) []byte {
	return append(b, trailers[g.br.IntN(len(trailers))]...)
}

// asArray wraps the object in an array.
func asArray(_ *gen, b []byte, _ *event) []byte {
	return append(append([]byte{'['}, b...), ']')
}

// dropComma removes the comma before occurred_at.
func dropComma(_ *gen, b []byte, _ *event) []byte {
	ks, _, _, _ := member(b, "occurred_at")
	return splice(b, ks-1, ks, " ")
}

// badID puts a character outside [A-Za-z0-9._:-] into an identifier.
func badID(path, c string) func(*gen, []byte, *event) []byte {
	return func(_ *gen, b []byte, _ *event) []byte {
		_, vs, ve, _ := member(b, path)
		at := vs + 1 + (ve-vs-2)/2
		return splice(b, at, at, c)
	}
}

// longID makes the event id 65 characters long.
func longID(_ *gen, b []byte, _ *event) []byte {
	_, vs, ve, _ := member(b, "event_id")
	id := string(b[vs+1 : ve-1])
	for len(id) < 65 {
		id += "0"
	}
	return splice(b, vs+1, ve-1, id[:65])
}

// customerAsString sends the customer as a string instead of an object.
func customerAsString(_ *gen, b []byte, ev *event) []byte {
	c := &ev.t.customer
	return setMember(b, "customer", string(appendString(nil, c.name+" "+c.phone)))
}

// phoneAsNumber sends the customer's phone as a JSON number.
func phoneAsNumber(_ *gen, b []byte, ev *event) []byte {
	return setMember(b, "customer.phone", ev.t.customer.phone)
}

// malformed builds the next malformed message from the request of ev.
func (g *gen) malformed(ev *event) Message {
	k := g.sum.Malformed
	reason := transform.Reasons[k%len(transform.Reasons)]
	both := variants[reason]
	side := (k / len(transform.Reasons)) % 2
	if both[side] == nil {
		side = 1 - side
	}
	topic := Records
	if side == 1 {
		topic = Feedback
	}
	vs := both[side]
	v := vs[g.br.IntN(len(vs))]

	base := g.baseEvent(ev, v.base)
	g.idBuf = appendPadded(append(g.idBuf[:0], "x-"...), k+1, 7)
	g.scratch = g.enc.encode(g.scratch[:0], &base, g.idBuf)
	b := v.apply(g, g.scratch, &base)
	return Message{Topic: topic, Key: g.keepString(ev.t.id), Value: g.keep(b), Malformed: reason}
}

// baseEvent is a valid event of kind k for the request of ev, at ev's time,
// with every optional field a variant may break and the customer object.
func (g *gen) baseEvent(ev *event, k kind) event {
	r := g.br
	t := ev.t
	b := event{at: ev.at, t: t, kind: k, visit: 1, line: 1, part: t.part, tech: t.tech, qty: 1, reason: noReason,
		flags: fCustomer}
	switch k {
	case kRequestCreated:
		b.flags |= fPurchaseDate
		if t.purchase == 0 {
			b.flags &^= fPurchaseDate
		}
	case kOnsiteArrived, kRemoteStarted:
		b.flags |= fPlannedFalse
	case kPartRequested:
		b.flags |= fQuantity
	case kClockPaused:
		b.reason = uint8(r.IntN(len(transform.PauseReasons)))
	case kSurvey:
		b.flags |= fCSAT | fNPS | fCES
		b.csat, b.nps, b.ces = int8(1+r.IntN(5)), int8(r.IntN(11)), int8(1+r.IntN(7))
		b.text = badComments[r.IntN(len(badComments))]
	case kComplaintOpened:
		b.text = badComments[r.IntN(len(badComments))]
	}
	return b
}

// JSON surgery on the encoder's own compact output.

// member finds the member at path ("a" or "a.b") of the object b: the offset
// of its key's opening quote and the value's extent [vs, ve).
func member(b []byte, path string) (ks, vs, ve int, ok bool) {
	obj := 0
	for {
		seg, rest, nested := cut(path)
		ks, vs, ve, ok = find(b, obj, seg)
		if !ok || !nested {
			return ks, vs, ve, ok
		}
		obj, path = vs, rest
	}
}

func cut(path string) (seg, rest string, nested bool) {
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			return path[:i], path[i+1:], true
		}
	}
	return path, "", false
}

// find looks for key among the members of the object starting at b[obj].
func find(b []byte, obj int, key string) (ks, vs, ve int, ok bool) {
	if obj >= len(b) || b[obj] != '{' {
		return 0, 0, 0, false
	}
	i := obj + 1
	for i < len(b) && b[i] != '}' {
		ks = i
		ke := skip(b, ks)
		vs = ke + 1 // past ':'
		ve = skip(b, vs)
		if string(b[ks+1:ke-1]) == key {
			return ks, vs, ve, true
		}
		i = ve
		if i < len(b) && b[i] == ',' {
			i++
		}
	}
	return 0, 0, 0, false
}

// skip returns the offset just past the JSON value starting at b[i].
func skip(b []byte, i int) int {
	switch b[i] {
	case '"':
		for i++; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return i
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skip(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']':
			return i
		}
	}
	return i
}

// splice replaces b[from:to] with s.
func splice(b []byte, from, to int, s string) []byte {
	out := make([]byte, 0, len(b)-(to-from)+len(s))
	out = append(out, b[:from]...)
	out = append(out, s...)
	return append(out, b[to:]...)
}

// setMember replaces the value at path with raw, or adds the member to its
// parent object when it is absent.
func setMember(b []byte, path, raw string) []byte {
	if _, vs, ve, ok := member(b, path); ok {
		return splice(b, vs, ve, raw)
	}
	parent, name := 0, path
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '.' {
			_, vs, _, ok := member(b, path[:i])
			if !ok {
				panic("generator: no object " + path[:i])
			}
			parent, name = vs, path[i+1:]
			break
		}
	}
	end := skip(b, parent) - 1 // the closing brace
	sep := ","
	if b[end-1] == '{' {
		sep = ""
	}
	return splice(b, end, end, sep+`"`+name+`":`+raw)
}

// delMember removes the member at path with its comma.
func delMember(b []byte, path string) []byte {
	ks, _, ve, ok := member(b, path)
	if !ok {
		panic("generator: no " + path + " to delete")
	}
	switch {
	case b[ks-1] == ',':
		return splice(b, ks-1, ve, "")
	case b[ve] == ',':
		return splice(b, ks, ve+1, "")
	}
	return splice(b, ks, ve, "")
}
