package transform

import (
	"encoding/binary"
	"math/bits"

	json "github.com/goccy/go-json"
)

// This file finds the contract's fields in a message. One pass over the bytes
// checks the JSON syntax (RFC 8259) and records, for every field of the
// contract, the JSON kind and the position of its value. It copies and
// converts nothing: the checks in check.go decide, in the contract's order,
// what a value means.
//
// Why not decode into a struct with go-json: a struct decoder reports only the
// first type error, matches names case-insensitively and silently keeps the
// last of two equal names. The contract needs the JSON kind of every field (a
// string rating is bad_field, 4.5 is rating_out_of_range, null money is
// bad_money) and a fixed check order. Measured on a 495-byte record, go-json
// into a struct took 0.5-1.2 µs, json.Valid followed by a separate scan
// 0.75 µs, this single validating pass about 0.35 µs. FuzzScanMatchesStdlib
// checks that it accepts exactly what encoding/json.Valid accepts.

// kind is the JSON kind of a field's value as found in the message.
type kind uint8

const (
	kindAbsent kind = iota // the name does not occur
	kindNull
	kindString
	kindNumber
	kindTrue
	kindFalse
	kindObject
	kindArray
)

// span is where a field's value is in the message.
type span struct {
	start, end int32 // the value's bytes, quotes included for a string
	kind       kind
	escaped    bool // a string holding at least one backslash escape
	dup        bool // the name occurred more than once in its object
}

// field identifies one field of the contract (of either topic).
type field uint8

const (
	fSchemaVersion field = iota
	fEventID
	fEventType
	fOccurredAt
	fRequestID
	fContractID
	fPartnerID
	fCustomer
	fCustomerName
	fCustomerPhone
	fCustomerAddress
	fCustomerEmail
	fNote
	fComment
	fChannel
	fRegion
	fProduct
	fProductSerial
	fProductModel
	fProductPurchaseDate
	fTechnician
	fTechnicianID
	fTechnicianCertified
	fVisitNo
	fPlannedFollowUp
	fPart
	fPartLineID
	fPartNo
	fPartQuantity
	fPartFromStock
	fPauseReason
	fResolution
	fResolutionCause
	fResolutionWarranty
	fResolutionPartsFee
	fResolutionLabourFee
	fResolutionCurrency
	fReopenReason
	fSurvey
	fSurveyCSAT
	fSurveyNPS
	fSurveyCES
	fComplaint
	fComplaintID
	fComplaintCategory
	fComplaintSeverity

	numFields
	noField field = 255
)

// fieldPath is the name of each field as a reject's Detail gives it.
var fieldPath = [numFields]string{
	fSchemaVersion:       "schema_version",
	fEventID:             "event_id",
	fEventType:           "event_type",
	fOccurredAt:          "occurred_at",
	fRequestID:           "request_id",
	fContractID:          "contract_id",
	fPartnerID:           "partner_id",
	fCustomer:            "customer",
	fCustomerName:        "customer.name",
	fCustomerPhone:       "customer.phone",
	fCustomerAddress:     "customer.address",
	fCustomerEmail:       "customer.email",
	fNote:                "note",
	fComment:             "comment",
	fChannel:             "channel",
	fRegion:              "region",
	fProduct:             "product",
	fProductSerial:       "product.serial",
	fProductModel:        "product.model",
	fProductPurchaseDate: "product.purchase_date",
	fTechnician:          "technician",
	fTechnicianID:        "technician.id",
	fTechnicianCertified: "technician.certified",
	fVisitNo:             "visit_no",
	fPlannedFollowUp:     "planned_follow_up",
	fPart:                "part",
	fPartLineID:          "part.line_id",
	fPartNo:              "part.part_no",
	fPartQuantity:        "part.quantity",
	fPartFromStock:       "part.from_stock",
	fPauseReason:         "pause_reason",
	fResolution:          "resolution",
	fResolutionCause:     "resolution.cause",
	fResolutionWarranty:  "resolution.warranty",
	fResolutionPartsFee:  "resolution.parts_fee",
	fResolutionLabourFee: "resolution.labour_fee",
	fResolutionCurrency:  "resolution.currency",
	fReopenReason:        "reopen_reason",
	fSurvey:              "survey",
	fSurveyCSAT:          "survey.csat",
	fSurveyNPS:           "survey.nps",
	fSurveyCES:           "survey.ces",
	fComplaint:           "complaint",
	fComplaintID:         "complaint.id",
	fComplaintCategory:   "complaint.category",
	fComplaintSeverity:   "complaint.severity",
}

// topField maps a name of the message's top-level object to its field. Names
// are matched exactly (case-sensitively): the contract spells them one way.
func topField(name []byte) field {
	switch string(name) { // no allocation: the compiler compares the bytes
	case "schema_version":
		return fSchemaVersion
	case "event_id":
		return fEventID
	case "event_type":
		return fEventType
	case "occurred_at":
		return fOccurredAt
	case "request_id":
		return fRequestID
	case "contract_id":
		return fContractID
	case "partner_id":
		return fPartnerID
	case "customer":
		return fCustomer
	case "note":
		return fNote
	case "comment":
		return fComment
	case "channel":
		return fChannel
	case "region":
		return fRegion
	case "product":
		return fProduct
	case "technician":
		return fTechnician
	case "visit_no":
		return fVisitNo
	case "planned_follow_up":
		return fPlannedFollowUp
	case "part":
		return fPart
	case "pause_reason":
		return fPauseReason
	case "resolution":
		return fResolution
	case "reopen_reason":
		return fReopenReason
	case "survey":
		return fSurvey
	case "complaint":
		return fComplaint
	}
	return noField
}

// memberField maps a name inside one of the contract's nested objects (the
// container) to its field.
func memberField(container field, name []byte) field {
	switch container {
	case fCustomer:
		switch string(name) {
		case "name":
			return fCustomerName
		case "phone":
			return fCustomerPhone
		case "address":
			return fCustomerAddress
		case "email":
			return fCustomerEmail
		}
	case fProduct:
		switch string(name) {
		case "serial":
			return fProductSerial
		case "model":
			return fProductModel
		case "purchase_date":
			return fProductPurchaseDate
		}
	case fTechnician:
		switch string(name) {
		case "id":
			return fTechnicianID
		case "certified":
			return fTechnicianCertified
		}
	case fPart:
		switch string(name) {
		case "line_id":
			return fPartLineID
		case "part_no":
			return fPartNo
		case "quantity":
			return fPartQuantity
		case "from_stock":
			return fPartFromStock
		}
	case fResolution:
		switch string(name) {
		case "cause":
			return fResolutionCause
		case "warranty":
			return fResolutionWarranty
		case "parts_fee":
			return fResolutionPartsFee
		case "labour_fee":
			return fResolutionLabourFee
		case "currency":
			return fResolutionCurrency
		}
	case fSurvey:
		switch string(name) {
		case "csat":
			return fSurveyCSAT
		case "nps":
			return fSurveyNPS
		case "ces":
			return fSurveyCES
		}
	case fComplaint:
		switch string(name) {
		case "id":
			return fComplaintID
		case "category":
			return fComplaintCategory
		case "severity":
			return fComplaintSeverity
		}
	}
	return noField
}

// isContainer says whether a top-level field is one of the contract's nested
// objects, whose members the scanner records too.
func isContainer(f field) bool {
	switch f {
	case fCustomer, fProduct, fTechnician, fPart, fResolution, fSurvey, fComplaint:
		return true
	}
	return false
}

// maxNesting is the deepest nesting of objects and arrays scan accepts. The
// contract nests two levels; deeper unknown values are rejected as bad_json
// rather than walked with an unbounded stack.
const maxNesting = 64

// scanner walks a message. Every step checks its bounds: no input panics.
type scanner struct {
	buf    []byte
	pos    int
	fields *[numFields]span
}

// scan checks that msg is one JSON object (surrounded by white space only)
// and records the contract's fields into fields. The UTF-8 of msg is checked
// elsewhere; scan accepts any byte >= 0x80 inside strings.
//
// The contract nests objects one level deep (product.serial), so scan is a
// loop that is either in the top-level object or in one container, not a
// recursion: that keeps it simple and lets the compiler keep fields on the
// caller's stack.
func scan(msg []byte, fields *[numFields]span) bool {
	s := scanner{buf: msg, fields: fields}
	s.skipSpace()
	if s.peek() != '{' {
		return false
	}
	s.pos++

	const (
		memberOrEnd = iota // after '{'
		member             // after ','
		commaOrEnd         // after a member's value
	)
	state := memberOrEnd
	container := noField // the container whose members are being read
	for {
		s.skipSpace()
		switch c := s.peek(); {
		case c == '}' && state != member:
			s.pos++
			if container == noField {
				s.skipSpace()
				return s.pos == len(s.buf)
			}
			s.fields[container].end = int32(s.pos)
			container = noField
			state = commaOrEnd
			continue
		case c == ',' && state == commaOrEnd:
			s.pos++
			state = member
			continue
		case c == '"' && state != commaOrEnd:
		default:
			return false
		}

		nameStart := s.pos
		escaped, ok := s.str()
		if !ok {
			return false
		}
		name := msg[nameStart+1 : s.pos-1]
		if escaped {
			// A name written with escapes ("\u0065vent_id") is the same
			// name; rare enough to afford an allocation.
			var n string
			if json.Unmarshal(msg[nameStart:s.pos], &n) != nil {
				return false
			}
			name = []byte(n)
		}
		s.skipSpace()
		if s.peek() != ':' {
			return false
		}
		s.pos++
		s.skipSpace()
		state = commaOrEnd

		if container != noField {
			if !s.member(memberField(container, name)) {
				return false
			}
			continue
		}
		f := topField(name)
		if f != noField && isContainer(f) && s.peek() == '{' {
			// Enter the container; its span ends at its '}'.
			s.record(f, s.pos, s.pos, kindObject, false)
			s.pos++
			container = f
			state = memberOrEnd
			continue
		}
		if !s.member(f) {
			return false
		}
	}
}

func (s *scanner) peek() byte {
	if s.pos < len(s.buf) {
		return s.buf[s.pos]
	}
	return 0
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// record stores the span of field f, noting a second occurrence.
func (s *scanner) record(f field, start, end int, k kind, escaped bool) {
	sp := &s.fields[f]
	// Field by field: a struct literal here compiles to a stack temporary
	// whose byte-wise stores stall the copy that follows.
	sp.dup = sp.kind != kindAbsent
	sp.start, sp.end = int32(start), int32(end)
	sp.kind, sp.escaped = k, escaped
}

// member reads the value at s.pos and records it as field f (noField: an
// unknown name, whose value is only checked and skipped). Objects and arrays
// are skipped whole.
func (s *scanner) member(f field) bool {
	start := s.pos
	var k kind
	escaped := false
	ok := false
	switch s.peek() {
	case '{':
		k = kindObject
		ok = s.skipNested()
	case '[':
		k = kindArray
		ok = s.skipNested()
	case '"':
		k = kindString
		escaped, ok = s.str()
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		k = kindNumber
		ok = s.number()
	case 't':
		k, ok = kindTrue, s.literal("true")
	case 'f':
		k, ok = kindFalse, s.literal("false")
	case 'n':
		k, ok = kindNull, s.literal("null")
	}
	if ok && f != noField {
		s.record(f, start, s.pos, k, escaped)
	}
	return ok
}

// scalar reads a string, number or literal at s.pos.
func (s *scanner) scalar() bool {
	return s.member(noField)
}

func (s *scanner) literal(lit string) bool {
	if len(s.buf)-s.pos < len(lit) || string(s.buf[s.pos:s.pos+len(lit)]) != lit {
		return false
	}
	s.pos += len(lit)
	return true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at s.pos. What
// follows it is checked by the caller (a delimiter must).
func (s *scanner) number() bool {
	b, i := s.buf, s.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return false
		}
		i = j
	}
	s.pos = i
	return true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func isNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// str reads the string at s.pos, leaving s.pos after its closing quote. It
// checks the escapes and rejects unescaped control characters.
func (s *scanner) str() (escaped, ok bool) {
	buf := s.buf
	i := s.pos + 1
	for {
		// Find the next '"', '\\' or control character. Strings are most
		// of a message's bytes, so test 8 bytes at a time: the classic
		// tests for a zero byte (of x^'"' and x^'\\') and for a byte < 0x20.
		// The lowest set bit of each test is exact, so the lowest of their
		// union is too.
		for i+8 <= len(buf) {
			x := binary.LittleEndian.Uint64(buf[i:])
			q, e := x^swarQuote, x^swarBackslash
			if m := ((q-swarOnes)&^q | (e-swarOnes)&^e | (x-swarSpace)&^x) & swarHighs; m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		for i < len(buf) && !strSpecial[buf[i]] { // the last < 8 bytes
			i++
		}
		if i >= len(buf) {
			return false, false
		}
		switch buf[i] {
		case '"':
			s.pos = i + 1
			return escaped, true
		case '\\':
			escaped = true
			if i+1 >= len(buf) {
				return false, false
			}
			switch buf[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(buf)-i < 6 || !isHex(buf[i+2]) || !isHex(buf[i+3]) || !isHex(buf[i+4]) || !isHex(buf[i+5]) {
					return false, false
				}
				i += 6
			default:
				return false, false
			}
		default: // a control character
			return false, false
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

const (
	swarOnes      = 0x0101010101010101
	swarHighs     = 0x8080808080808080
	swarQuote     = swarOnes * '"'
	swarBackslash = swarOnes * '\\'
	swarSpace     = swarOnes * 0x20
)

// strSpecial marks the bytes that end a plain run inside a string.
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// skipNested checks and skips the object or array at s.pos.
func (s *scanner) skipNested() bool {
	const (
		value      = iota // after ':' or ',' in an array
		valueOrEnd        // after '['
		name              // after ',' in an object
		nameOrEnd         // after '{'
		commaOrEnd        // after a value
	)
	var open [maxNesting]byte // the open brackets
	depth := 0
	state := value
	for {
		s.skipSpace()
		c := s.peek()
		switch state {
		case value, valueOrEnd:
			switch {
			case c == ']' && state == valueOrEnd:
				// close, below
			case c == '{' || c == '[':
				if depth == maxNesting {
					return false
				}
				open[depth] = c
				depth++
				s.pos++
				state = nameOrEnd
				if c == '[' {
					state = valueOrEnd
				}
				continue
			default:
				if !s.scalar() {
					return false
				}
				state = commaOrEnd
				continue
			}
		case name, nameOrEnd:
			if c != '}' || state != nameOrEnd {
				if c != '"' {
					return false
				}
				if _, ok := s.str(); !ok {
					return false
				}
				s.skipSpace()
				if s.peek() != ':' {
					return false
				}
				s.pos++
				state = value
				continue
			}
		case commaOrEnd:
			top := open[depth-1]
			if c == ',' {
				s.pos++
				state = value
				if top == '{' {
					state = name
				}
				continue
			}
			if !(c == '}' && top == '{' || c == ']' && top == '[') {
				return false
			}
		}
		// c closes the innermost open object or array.
		s.pos++
		depth--
		if depth == 0 {
			return true
		}
		state = commaOrEnd
	}
}
