package transform

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// Redaction: what a reject may show of a message. It runs on rejects only, so
// it is written for correctness, not speed.

const (
	redactedJSON = `"<redacted>"` // the value of a personal-data name
	maskedJSON   = `"***"`        // a value or name that might be personal

	// maxDigitRun is the longest run of digits shown in text that is not
	// known to be a contract value: longer runs may be (parts of) phone or
	// ID numbers.
	maxDigitRun = 4
	// maxCodeDigitRun is the longest run of digits shown in a contract value.
	// Identifiers often hold zero-padded counters (SR-000001); phone numbers
	// have 7 digits at least, ID card numbers 15 or 18.
	maxCodeDigitRun = 6
	maxCodeLen      = 64
)

// piiWords are the names of personal data. A name is personal when one of its
// words (split at non-alphanumerics and lower-to-upper case changes, compared
// case-insensitively) is one of them: "name", "Customer", "contact_phone" and
// "customerEmail" all are. No name of the contract's other fields has such a
// word.
var piiWords = map[string]bool{
	"customer": true, "name": true, "phone": true, "address": true,
	"email": true, "note": true, "comment": true,
}

// contractNames are the names that occur in the contract, each segment of
// each field path ("product", "serial", …).
var contractNames = func() map[string]bool {
	m := make(map[string]bool)
	for _, p := range fieldPath {
		for _, seg := range strings.Split(p, ".") {
			m[seg] = true
		}
	}
	return m
}()

// isPIIName says whether values under the object name n are personal data.
func isPIIName(n string) bool {
	start := 0
	var prev rune
	for i, r := range n {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case !alnum:
			if piiWords[strings.ToLower(n[start:i])] {
				return true
			}
			start = i + utf8.RuneLen(r)
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			if piiWords[strings.ToLower(n[start:i])] {
				return true
			}
			start = i
		}
		prev = r
	}
	return piiWords[strings.ToLower(n[start:])]
}

// isSafeName says whether an object name may be shown: it looks like an
// identifier and holds no long digit run. Other names are masked: a producer
// could use personal data as keys.
func isSafeName(n string) bool {
	if !isID([]byte(n)) {
		return false
	}
	return !hasLongDigitRun([]byte(n))
}

func hasLongDigitRun(b []byte) bool { return digitRunOver(b, maxDigitRun) }

// digitRunOver says whether b has a run of more than max ASCII digits.
func digitRunOver(b []byte, max int) bool {
	run := 0
	for _, c := range b {
		if c >= '0' && c <= '9' {
			run++
			if run > max {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// isCode says whether the content of a string literal under a contract name
// may be shown: a short printable-ASCII code without escapes and without a
// run of digits long enough to be a phone number ("Phone", "SR-000001",
// "2026-09-01T09:15:00+08:00", "North China"). Anything else, such as a name
// in Chinese put into a wrong field, is masked.
func isCode(b []byte) bool {
	if len(b) > maxCodeLen {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return !digitRunOver(b, maxCodeDigitRun)
}

// Redact returns a form of a message that is safe to store and show: every
// piece of personal data masked, at most MaxRedactedBytes long, valid UTF-8.
// It accepts any bytes (valid JSON or not, valid UTF-8 or not).
//
// A message that is a JSON object is re-emitted compactly with:
//   - the value of every personal-data name (see piiWords), at any depth and
//     of any JSON kind, replaced by "<redacted>";
//   - the values of the contract's other field names kept if they look like
//     codes (isCode: "SR-000001", "Phone", 120.5) and masked as "***"
//     otherwise, since a rejected message may carry personal data in a wrong
//     field;
//   - under any other name, string values masked and numbers with a run of
//     5 or more digits masked, since the contract does not say what they
//     hold; such names themselves masked unless they look like an identifier
//     without a long digit run.
//
// Anything else (truncated JSON, garbage, invalid UTF-8, a JSON array) is
// scrubbed textually: JSON punctuation, white space, true/false/null, short
// numbers and the contract's field names before a ':' are kept; the content
// of every other string literal and every other run of text becomes ***.
//
// A longer result is cut on a UTF-8 boundary and ends with
// "…(truncated N bytes)".
func Redact(value []byte) string {
	var out []byte
	if isJSONObject(value) {
		r := redactor{in: value, out: make([]byte, 0, min(len(value), 2*MaxRedactedBytes))}
		r.value(true)
		out = r.out
	} else {
		out = scrubText(value)
	}
	return truncateRedacted(out)
}

// isJSONObject says whether value is what the decoder takes for a JSON
// object. Using its scanner keeps the nesting (and so the redactor's
// recursion) bounded, and a bad_json reject always gets the textual scrub.
func isJSONObject(value []byte) bool {
	var fields [numFields]span
	return utf8.Valid(value) && scan(value, &fields)
}

// truncateRedacted cuts out to MaxRedactedBytes, marker included.
func truncateRedacted(out []byte) string {
	if len(out) <= MaxRedactedBytes {
		return string(out)
	}
	reserve := len(truncationMarker(len(out))) // at least as long as the final marker
	cut := MaxRedactedBytes - reserve
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return string(out[:cut]) + truncationMarker(len(out)-cut)
}

func truncationMarker(n int) string {
	return "…(truncated " + strconv.Itoa(n) + " bytes)"
}

// redactor re-emits a JSON text that json.Valid accepted.
type redactor struct {
	in  []byte
	pos int
	out []byte
}

func (r *redactor) peek() byte {
	if r.pos < len(r.in) {
		return r.in[r.pos]
	}
	return 0
}

func (r *redactor) space() {
	for r.pos < len(r.in) {
		switch r.in[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// str skips the string literal at r.pos and returns its raw bytes, quotes
// included.
func (r *redactor) str() []byte {
	start := r.pos
	for i := r.pos + 1; i < len(r.in); i++ {
		switch r.in[i] {
		case '\\':
			i++
		case '"':
			r.pos = i + 1
			return r.in[start:r.pos]
		}
	}
	r.pos = len(r.in)
	return r.in[start:]
}

// value emits the value at r.pos. keep says whether it is the value of a
// contract field, whose codes are shown, or of an unknown name or an array,
// whose strings are masked.
func (r *redactor) value(keep bool) {
	r.space()
	switch c := r.peek(); {
	case c == '{':
		r.object()
	case c == '[':
		r.array()
	case c == '"':
		raw := r.str()
		if keep && len(raw) >= 2 && isCode(raw[1:len(raw)-1]) {
			r.out = append(r.out, raw...)
		} else {
			r.out = append(r.out, maskedJSON...)
		}
	default: // number or literal
		start := r.pos
		for r.pos < len(r.in) && !isDelimiter(r.in[r.pos]) {
			r.pos++
		}
		raw := r.in[start:r.pos]
		if keep && digitRunOver(raw, maxCodeDigitRun) || !keep && hasLongDigitRun(raw) {
			r.out = append(r.out, maskedJSON...)
		} else {
			r.out = append(r.out, raw...)
		}
	}
}

// skip skips the value at r.pos without emitting it.
func (r *redactor) skip() {
	n := len(r.out)
	r.value(false)
	r.out = r.out[:n]
}

func (r *redactor) object() {
	r.pos++ // '{'
	r.out = append(r.out, '{')
	for first := true; ; first = false {
		r.space()
		if r.peek() != '"' { // '}' or the end
			r.pos++
			break
		}
		raw := r.str()
		name := string(raw[1 : len(raw)-1])
		if strings.IndexByte(name, '\\') >= 0 {
			if json.Unmarshal(raw, &name) != nil {
				name = ""
			}
		}
		r.space()
		r.pos++ // ':'
		if !first {
			r.out = append(r.out, ',')
		}
		if isSafeName(name) {
			r.out = strconv.AppendQuote(r.out, name)
		} else {
			r.out = append(r.out, maskedJSON...)
		}
		r.out = append(r.out, ':')
		switch {
		case isPIIName(name):
			r.skip()
			r.out = append(r.out, redactedJSON...)
		case contractNames[name]:
			r.value(true)
		default:
			r.value(false)
		}
		r.space()
		if r.peek() == ',' {
			r.pos++
		}
	}
	r.out = append(r.out, '}')
}

// array emits an array; the contract has no array fields, so its elements'
// scalars are masked wherever it occurs.
func (r *redactor) array() {
	r.pos++ // '['
	r.out = append(r.out, '[')
	for first := true; ; first = false {
		r.space()
		if c := r.peek(); c == ']' || c == 0 {
			r.pos++
			break
		}
		if !first {
			r.out = append(r.out, ',')
		}
		r.value(false)
		r.space()
		if r.peek() == ',' {
			r.pos++
		}
	}
	r.out = append(r.out, ']')
}

func isDelimiter(c byte) bool {
	switch c {
	case '{', '}', '[', ']', ':', ',', '"', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// scrubText is the conservative redaction of bytes that are not a JSON object.
// Its output is ASCII: it copies only punctuation, white space, contract names
// and number-like tokens, so neither text nor invalid UTF-8 survives.
func scrubText(in []byte) []byte {
	out := make([]byte, 0, min(len(in), 2*MaxRedactedBytes))
	for i := 0; i < len(in); {
		c := in[i]
		switch {
		case c == '"':
			j, closed := i+1, false
			for j < len(in) {
				if in[j] == '\\' {
					j += 2
					continue
				}
				if in[j] == '"' {
					closed = true
					break
				}
				j++
			}
			if !closed {
				out = append(out, `"***`...) // a truncated literal
				i = len(in)
				continue
			}
			content := in[i+1 : j]
			end := j + 1
			if contractNames[string(content)] && colonFollows(in, end) {
				out = append(out, in[i:end]...)
			} else {
				out = append(out, maskedJSON...)
			}
			i = end
		case isDelimiter(c):
			out = append(out, c)
			i++
		default:
			j := i
			for j < len(in) && !isDelimiter(in[j]) {
				j++
			}
			if tok := in[i:j]; isSafeBareToken(tok) {
				out = append(out, tok...)
			} else {
				out = append(out, "***"...)
			}
			i = j
		}
	}
	return out
}

// colonFollows says whether the next non-space byte from i is ':'.
func colonFollows(in []byte, i int) bool {
	for ; i < len(in); i++ {
		switch in[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

// isSafeBareToken says whether a run of text outside string literals may be
// shown: a JSON literal, or a number-like token without a long digit run.
func isSafeBareToken(tok []byte) bool {
	switch string(tok) {
	case "true", "false", "null":
		return true
	}
	for _, c := range tok {
		if !isNumberByte(c) {
			return false
		}
	}
	return !hasLongDigitRun(tok)
}
