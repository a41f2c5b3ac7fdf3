package transform

import (
	"bytes"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"github.com/shopspring/decimal"
)

// failure is the first rule a message broke.
type failure struct {
	reason Reason
	detail string
}

// checker applies the contract's rules to the fields of one message. Its
// failure is sticky: once a rule is broken every later check is a no-op, so
// the decode functions read as the plain list of checks in contract order and
// the first broken rule is the one reported.
type checker struct {
	msg    []byte
	fields [numFields]span
	fail   failure
	kept   strings.Builder // the bytes of all strings of the row
}

const keptBytesHint = 160

// keep returns b as a string of the row. All strings of a row share one
// allocation (a row keeps about 8 of them): a strings.Builder only appends, so
// a string it returned never changes, even after it grows.
func (c *checker) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if c.kept.Cap() == 0 {
		// Enough for a typical row's ids, texts and CustomerRef (~100 bytes);
		// a larger row grows it, which leaves earlier strings valid.
		c.kept.Grow(keptBytesHint)
	}
	start := c.kept.Len()
	c.kept.Write(b)
	return c.kept.String()[start:]
}

func (c *checker) failed() bool { return c.fail.reason != "" }

// reject records that the message broke a rule, unless an earlier one already
// did.
func (c *checker) reject(r Reason, detail string) {
	if c.fail.reason == "" {
		c.fail = failure{reason: r, detail: detail}
	}
}

func (c *checker) rejectField(r Reason, f field) { c.reject(r, fieldPath[f]) }

// Presence of an optional or required field.
type presence bool

const (
	required presence = true
	optional presence = false
)

// value returns the span of f, or ok false (having recorded bad_field) when
// the name occurred twice: which of two values the producer meant is unknown.
func (c *checker) value(f field) (*span, bool) {
	sp := &c.fields[f]
	if sp.dup {
		c.rejectField(ReasonBadField, f)
		return nil, false
	}
	return sp, true
}

// str returns the text of the string field f. given is false when the field is
// absent or null, and on any failure: a value of another JSON kind records
// bad_field. A required field that is not given records missing_field.
func (c *checker) str(f field, p presence) (b []byte, given bool) {
	if c.failed() {
		return nil, false
	}
	sp, ok := c.value(f)
	if !ok {
		return nil, false
	}
	switch sp.kind {
	case kindAbsent, kindNull:
		if p == required {
			c.rejectField(ReasonMissingField, f)
		}
		return nil, false
	case kindString:
	default:
		c.rejectField(ReasonBadField, f)
		return nil, false
	}
	raw := c.msg[sp.start:sp.end]
	if !sp.escaped {
		return raw[1 : len(raw)-1], true
	}
	// Escapes are rare: let the JSON library decode them.
	var s string
	if json.Unmarshal(raw, &s) != nil {
		c.rejectField(ReasonBadField, f)
		return nil, false
	}
	return []byte(s), true
}

// requiredStr is str for a required field that must also be non-empty.
func (c *checker) requiredStr(f field) ([]byte, bool) {
	b, ok := c.str(f, required)
	if ok && len(b) == 0 {
		c.rejectField(ReasonMissingField, f)
		return nil, false
	}
	return b, ok
}

// id checks a required identifier (idPattern), exactly as written.
func (c *checker) id(f field) string {
	b, ok := c.requiredStr(f)
	if !ok {
		return ""
	}
	if !isID(b) {
		c.rejectField(ReasonBadField, f)
		return ""
	}
	return c.keep(b)
}

// enum checks a required value of an enumeration, exactly as written: "Phone"
// and " phone" are not "phone".
func (c *checker) enum(f field, set enumSet) string {
	b, ok := c.requiredStr(f)
	if !ok {
		return ""
	}
	v, ok := set.lookup(b)
	if !ok {
		c.rejectField(ReasonBadField, f)
		return ""
	}
	return v
}

// text checks a descriptive string (region, serial, model, part number,
// reason): surrounding white space is trimmed, and a required text that is
// empty after trimming is missing.
func (c *checker) text(f field, p presence) string {
	b, ok := c.str(f, p)
	if !ok {
		return ""
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		if p == required {
			c.rejectField(ReasonMissingField, f)
		}
		return ""
	}
	return c.keep(b)
}

// freeText checks an optional free-text field (note, comment), which is
// personal data: it reports only whether non-blank text was given.
func (c *checker) freeText(f field) bool {
	b, ok := c.str(f, optional)
	return ok && !isBlank(b)
}

// isBlank says whether b holds only white space. Unlike bytes.TrimSpace, it
// stops at the first other rune: free text is often long and rarely blank.
func isBlank(b []byte) bool {
	for i := 0; i < len(b); {
		r, n := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(b[i:])
		}
		if !unicode.IsSpace(r) {
			return false
		}
		i += n
	}
	return true
}

// object checks a nested object of the contract (product, part, …). Its
// members are checked by the calls that follow.
func (c *checker) object(f field, p presence) (given bool) {
	if c.failed() {
		return false
	}
	sp, ok := c.value(f)
	if !ok {
		return false
	}
	switch sp.kind {
	case kindObject:
		return true
	case kindAbsent, kindNull:
		if p == required {
			c.rejectField(ReasonMissingField, f)
		}
	default:
		c.rejectField(ReasonBadField, f)
	}
	return false
}

// boolean checks a JSON true/false field; not given is false.
func (c *checker) boolean(f field, p presence) bool {
	if c.failed() {
		return false
	}
	sp, ok := c.value(f)
	if !ok {
		return false
	}
	switch sp.kind {
	case kindTrue:
		return true
	case kindFalse:
		return false
	case kindAbsent, kindNull:
		if p == required {
			c.rejectField(ReasonMissingField, f)
		}
	default:
		c.rejectField(ReasonBadField, f)
	}
	return false
}

// count checks a number of at least 1 written as a JSON integer (visit_no,
// part.quantity): "1", 0, 1.5 and 1e2 are bad_field. Not given is 0.
func (c *checker) count(f field, p presence) uint16 {
	if c.failed() {
		return 0
	}
	sp, ok := c.value(f)
	if !ok {
		return 0
	}
	switch sp.kind {
	case kindNumber:
		n, ok := integerLiteral(c.msg[sp.start:sp.end])
		if !ok || n < 1 || n > 65535 {
			c.rejectField(ReasonBadField, f)
			return 0
		}
		return uint16(n)
	case kindAbsent, kindNull:
		if p == required {
			c.rejectField(ReasonMissingField, f)
		}
	default:
		c.rejectField(ReasonBadField, f)
	}
	return 0
}

// rating checks an optional survey score in [lo, hi]. A JSON number that is not
// an integer, or is out of the scale, is rating_out_of_range; a value of
// another JSON kind ("5") is bad_field. Not given is -1.
func (c *checker) rating(f field, lo, hi int64) int8 {
	if c.failed() {
		return -1
	}
	sp, ok := c.value(f)
	if !ok {
		return -1
	}
	switch sp.kind {
	case kindNumber:
		n, ok := integerLiteral(c.msg[sp.start:sp.end])
		if !ok || n < lo || n > hi {
			c.rejectField(ReasonRatingOutOfRange, f)
			return -1
		}
		return int8(n)
	case kindAbsent, kindNull:
	default:
		c.rejectField(ReasonBadField, f)
	}
	return -1
}

// money checks a required fee. It is a JSON string or number whose literal
// text is an exact amount (see parseMoney). Unlike other fields, null and ""
// are bad_money, not missing_field: the contract lists null among the amounts
// that are never stored as 0. Only an absent fee is missing_field.
func (c *checker) money(f field) decimal.Decimal {
	if c.failed() {
		return decimal.Decimal{}
	}
	sp, ok := c.value(f)
	if !ok {
		return decimal.Decimal{}
	}
	var lit []byte
	switch sp.kind {
	case kindAbsent:
		c.rejectField(ReasonMissingField, f)
		return decimal.Decimal{}
	case kindNumber:
		lit = c.msg[sp.start:sp.end]
	case kindString:
		if lit, ok = c.str(f, required); !ok {
			return decimal.Decimal{}
		}
	default:
		c.rejectField(ReasonBadMoney, f)
		return decimal.Decimal{}
	}
	d, ok := parseMoney(lit)
	if !ok {
		c.rejectField(ReasonBadMoney, f)
		return decimal.Decimal{}
	}
	return d
}

// currency checks the optional currency of a resolution: three capital letters,
// DefaultCurrency when not given (absent, null or "").
func (c *checker) currency(f field) string {
	b, ok := c.str(f, optional)
	if !ok || len(b) == 0 {
		return DefaultCurrency
	}
	if !isCurrency(b) {
		c.rejectField(ReasonBadField, f)
		return ""
	}
	if string(b) == DefaultCurrency {
		return DefaultCurrency
	}
	return c.keep(b)
}

// schemaVersion checks that schema_version is the JSON integer 1. Anything
// else, absent, null, "1", 1.0 or two schema_version names included, is
// unknown_schema_version.
func (c *checker) schemaVersion() uint8 {
	if c.failed() {
		return 0
	}
	sp := c.fields[fSchemaVersion]
	if sp.dup || sp.kind != kindNumber || string(c.msg[sp.start:sp.end]) != "1" {
		c.rejectField(ReasonUnknownSchemaVersion, fSchemaVersion)
		return 0
	}
	return SchemaVersion
}

// eventType checks event_type: missing or of the wrong JSON kind as any string,
// then unknown_event_type when it is not one of the topic's types.
func (c *checker) eventType(types enumSet) string {
	b, ok := c.requiredStr(fEventType)
	if !ok {
		return ""
	}
	v, ok := types.lookup(b)
	if !ok {
		c.rejectField(ReasonUnknownEventType, fEventType)
		return ""
	}
	return v
}

// occurredAt checks occurred_at: an RFC 3339 time with offset, not before
// 2000, not more than MaxFutureSkew after now. It returns the instant in UTC
// and the calendar day in the message's own offset.
func (c *checker) occurredAt(now time.Time) (time.Time, civilDate) {
	b, ok := c.requiredStr(fOccurredAt)
	if !ok {
		return time.Time{}, civilDate{}
	}
	t, day, ok := parseTimestamp(b)
	switch {
	case !ok || t.Before(minTime):
		c.rejectField(ReasonBadTimestamp, fOccurredAt)
	case t.Sub(now) > MaxFutureSkew:
		c.rejectField(ReasonFutureTimestamp, fOccurredAt)
	default:
		return t, day
	}
	return time.Time{}, civilDate{}
}

// purchaseDate checks the optional product.purchase_date: YYYY-MM-DD, a day
// from 2000-01-01 to the day the event occurred (in the event's own offset).
// Absent, null and "" are not given (zero time).
func (c *checker) purchaseDate(occurred civilDate) time.Time {
	b, ok := c.str(fProductPurchaseDate, optional)
	if !ok || len(b) == 0 {
		return time.Time{}
	}
	d, ok := parseCivil(b)
	if !ok || d.before(civilDate{2000, 1, 1}) || occurred.before(d) {
		c.rejectField(ReasonBadTimestamp, fProductPurchaseDate)
		return time.Time{}
	}
	return time.Date(d.year, time.Month(d.month), d.day, 0, 0, 0, 0, time.UTC)
}
