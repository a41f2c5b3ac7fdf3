package generator

import (
	"strconv"

	"servicepulse/transform"
)

// The JSON encoder: events are appended field by field into a reused buffer,
// without reflection. This is an implementation of the wire format of
// docs/events.md independent of transform's decoder, so that tests of one
// check the other.

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// key appends ,"name": (the comma unless the object just opened).
func key(b []byte, name string) []byte {
	if c := b[len(b)-1]; c != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

func strField(b []byte, name, v string) []byte { return appendString(key(b, name), v) }

func intField(b []byte, name string, v int) []byte {
	return strconv.AppendInt(key(b, name), int64(v), 10)
}

func boolField(b []byte, name string, v bool) []byte { return strconv.AppendBool(key(b, name), v) }

// itoa formats n in decimal, zero-padded to at least width digits.
func itoa(n, width int) string {
	return string(appendPadded(nil, n, width))
}

func appendPadded(b []byte, n, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// appendMoney writes an amount in cents either as a JSON string with two
// decimals ("120.50") or as the shortest JSON number (120.5, 80, 0.05).
func appendMoney(b []byte, cents int64, asNumber bool) []byte {
	if !asNumber {
		b = append(b, '"')
	}
	b = strconv.AppendInt(b, cents/100, 10)
	frac := cents % 100
	switch {
	case !asNumber:
		b = append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
	case frac%10 != 0:
		b = append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
	case frac != 0:
		b = append(b, '.', byte('0'+frac/10))
	}
	if !asNumber {
		b = append(b, '"')
	}
	return b
}

// kind is an event type, in the order of transform.RecordTypes followed by
// transform.FeedbackTypes.
type kind uint8

const (
	kRequestCreated kind = iota
	kAcknowledged
	kDispatched
	kOnsiteArrived
	kRemoteStarted
	kPartRequested
	kPartDelivered
	kClockPaused
	kClockResumed
	kResolved
	kReopened
	kClosed
	kCancelled
	kSurvey
	kComplaintOpened
	kComplaintResolved
	numKinds
)

var kindNames = func() [numKinds]string {
	var n [numKinds]string
	for i, s := range append(append([]string{}, transform.RecordTypes...), transform.FeedbackTypes...) {
		n[i] = s
	}
	return n
}()

func (k kind) stream() Stream {
	if k >= kSurvey {
		return Feedback
	}
	return Records
}

// Event flags.
const (
	fCustomer     uint16 = 1 << iota // full customer object (name, phone, address, email if any)
	fContact                         // customer name and phone only
	fPlanned                         // planned_follow_up: true
	fPlannedFalse                    // planned_follow_up: false, spelled out
	fFromStock                       // part.from_stock: true
	fQuantity                        // part.quantity present
	fPartnerRef                      // an extra field the contract does not know (forward compatibility)
	fCurrency                        // resolution.currency present
	fPurchaseDate                    // product.purchase_date present
	fCSAT                            // survey fields present
	fNPS                             //
	fCES                             //
)

// event is one message waiting in the emission queue.
type event struct {
	at     int64 // Unix seconds
	t      *ticket
	seq    uint16 // order within the ticket, for ties
	idNo   uint8  // n of e-<ticket>-<n> / f-<ticket>-<n>
	kind   kind
	visit  uint8
	line   uint8 // part line number
	qty    uint8
	reason uint8 // pause_reason (index into transform.PauseReasons) or reopen_reason (into reopenReasons); noReason for none
	csat   int8
	nps    int8
	ces    int8
	flags  uint16
	part   int16 // part number index within the model
	tech   int16 // index into the partner's roster
	text   string
}

// encoder appends events as JSON and, when collecting, records every personal
// value it writes.
type encoder struct {
	w      *world
	digits int // width of ticket numbers
	pii    map[string]struct{}
}

func (e *encoder) personal(s string) {
	if e.pii != nil && s != "" {
		e.pii[s] = struct{}{}
	}
}

// appendEventID appends the event id of a valid event.
func (e *encoder) appendEventID(b []byte, ev *event) []byte {
	if ev.kind.stream() == Feedback {
		b = append(b, "f-"...)
	} else {
		b = append(b, "e-"...)
	}
	b = append(b, ev.t.num...)
	b = append(b, '-')
	return appendPadded(b, int(ev.idNo), 2)
}

// encode appends ev as a JSON object with event id id.
func (e *encoder) encode(b []byte, ev *event, id []byte) []byte {
	t := ev.t
	p := &partners[t.partner]
	b = append(b, `{"schema_version":1,"event_id":"`...)
	b = append(b, id...)
	b = append(b, `","event_type":"`...)
	b = append(b, kindNames[ev.kind]...)
	b = append(b, `","occurred_at":"`...)
	b = appendTime(b, ev.at)
	b = append(b, `","request_id":"`...)
	b = append(b, t.id...)
	b = append(b, `","contract_id":"`...)
	b = append(b, contracts[t.contract].id...)
	b = append(b, `","partner_id":"`...)
	b = append(b, p.id...)
	b = append(b, '"')

	switch ev.kind {
	case kRequestCreated:
		m := &models[t.model]
		b = strField(b, "channel", t.channel)
		b = strField(b, "region", regions[t.region].name)
		b = append(b, `,"product":{"serial":"`...)
		b = append(b, t.serial...)
		b = append(b, `","model":"`...)
		b = append(b, m.name...)
		b = append(b, '"')
		if ev.flags&fPurchaseDate != 0 {
			b = append(b, `,"purchase_date":"`...)
			b = appendDate(b, t.purchase)
			b = append(b, '"')
		}
		b = append(b, '}')
	case kDispatched:
		b = append(b, `,"technician":{"id":"`...)
		b = append(b, e.w.techs[t.partner][ev.tech].id...)
		b = append(b, `"}`...)
	case kOnsiteArrived, kRemoteStarted:
		b = e.appendTech(b, t, ev.tech)
		b = intField(b, "visit_no", int(ev.visit))
		if ev.flags&(fPlanned|fPlannedFalse) != 0 {
			b = boolField(b, "planned_follow_up", ev.flags&fPlanned != 0)
		}
	case kPartRequested, kPartDelivered:
		b = append(b, `,"part":{"line_id":"PL-`...)
		b = append(b, t.num...)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(ev.line), 10)
		b = append(b, `","part_no":"P-`...)
		b = append(b, models[t.model].code...)
		b = append(b, '-')
		b = appendPadded(b, int(ev.part)+1, 3)
		b = append(b, '"')
		if ev.kind == kPartRequested {
			if ev.flags&fQuantity != 0 {
				b = intField(b, "quantity", int(ev.qty))
			}
		} else {
			b = boolField(b, "from_stock", ev.flags&fFromStock != 0)
		}
		b = append(b, '}')
	case kClockPaused:
		b = strField(b, "pause_reason", transform.PauseReasons[ev.reason])
	case kResolved:
		b = e.appendTech(b, t, ev.tech)
		b = intField(b, "visit_no", int(ev.visit))
		b = append(b, `,"resolution":{"cause":"`...)
		b = append(b, transform.Causes[t.cause]...)
		b = append(b, `","warranty":"`...)
		b = append(b, transform.Warranties[t.warranty]...)
		b = append(b, `","parts_fee":`...)
		b = appendMoney(b, t.partsFee, t.feeNumbers&1 != 0)
		b = append(b, `,"labour_fee":`...)
		b = appendMoney(b, t.labourFee, t.feeNumbers&2 != 0)
		if ev.flags&fCurrency != 0 {
			b = append(b, `,"currency":"CNY"`...)
		}
		b = append(b, '}')
	case kReopened:
		if ev.reason != noReason {
			b = strField(b, "reopen_reason", reopenReasons[ev.reason])
		}
	case kSurvey:
		b = append(b, `,"survey":{`...)
		if ev.flags&fCSAT != 0 {
			b = intField(b, "csat", int(ev.csat))
		}
		if ev.flags&fNPS != 0 {
			b = intField(b, "nps", int(ev.nps))
		}
		if ev.flags&fCES != 0 {
			b = intField(b, "ces", int(ev.ces))
		}
		b = append(b, '}')
	case kComplaintOpened:
		b = append(b, `,"complaint":{"id":"C-`...)
		b = append(b, t.num...)
		b = append(b, `","category":"`...)
		b = append(b, transform.ComplaintClasses[t.complaintClass]...)
		b = append(b, `","severity":"`...)
		b = append(b, transform.Severities[t.severity]...)
		b = append(b, `"}`...)
	case kComplaintResolved:
		b = append(b, `,"complaint":{"id":"C-`...)
		b = append(b, t.num...)
		b = append(b, `"}`...)
	}

	if ev.flags&fPartnerRef != 0 {
		b = append(b, `,"partner_ref":"`...)
		b = append(b, partnerRefPrefix...)
		b = append(b, t.num...)
		b = append(b, '"')
	}
	if ev.flags&(fCustomer|fContact) != 0 {
		c := &t.customer
		b = append(b, `,"customer":{`...)
		b = strField(b, "name", c.name)
		b = strField(b, "phone", c.phone)
		e.personal(c.name)
		e.personal(c.phone)
		if ev.flags&fCustomer != 0 {
			b = strField(b, "address", c.address)
			e.personal(c.address)
			if c.email != "" {
				b = strField(b, "email", c.email)
				e.personal(c.email)
			}
		}
		b = append(b, '}')
	}
	if ev.text != "" {
		if ev.kind.stream() == Feedback {
			b = strField(b, "comment", ev.text)
		} else {
			b = strField(b, "note", ev.text)
		}
		e.personal(ev.text)
	}
	return append(b, '}')
}

func (e *encoder) appendTech(b []byte, t *ticket, tech int16) []byte {
	tc := &e.w.techs[t.partner][tech]
	b = append(b, `,"technician":{"id":"`...)
	b = append(b, tc.id...)
	b = append(b, `","certified":`...)
	b = strconv.AppendBool(b, tc.certified)
	return append(b, '}')
}
