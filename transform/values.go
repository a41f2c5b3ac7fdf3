package transform

import (
	"time"

	"github.com/shopspring/decimal"
)

// Parsers of the contract's value formats. Each takes the raw bytes of one
// value and says whether they have the format; none allocates.

// idPattern is the contract's pattern of identifiers, as a regular expression
// (documentation and tests; the code uses idByte).
const idPattern = `^[A-Za-z0-9._:-]{1,64}$`

const maxIDLen = 64

// idByte[c] says whether c may occur in an identifier.
var idByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "._:-" {
		t[c] = true
	}
	return t
}()

// isID says whether b matches idPattern.
func isID(b []byte) bool {
	if len(b) == 0 || len(b) > maxIDLen {
		return false
	}
	for _, c := range b {
		if !idByte[c] {
			return false
		}
	}
	return true
}

// enumSet maps each allowed value to itself, so that a row gets the shared
// constant string rather than a copy of the message's bytes.
type enumSet map[string]string

func newEnumSet(values []string) enumSet {
	m := make(enumSet, len(values))
	for _, v := range values {
		m[v] = v
	}
	return m
}

// lookup returns the canonical value equal to b, exactly (no case folding,
// no trimming): the contract spells each value one way.
func (e enumSet) lookup(b []byte) (string, bool) {
	v, ok := e[string(b)] // no allocation for a map index
	return v, ok
}

// The enumerations, built from the lists in facts.go so that there is one
// source of truth.
var (
	recordTypeSet   = newEnumSet(RecordTypes)
	feedbackTypeSet = newEnumSet(FeedbackTypes)
	channelSet      = newEnumSet(Channels)
	causeSet        = newEnumSet(Causes)
	warrantySet     = newEnumSet(Warranties)
	pauseReasonSet  = newEnumSet(PauseReasons)
	complaintSet    = newEnumSet(ComplaintClasses)
	severitySet     = newEnumSet(Severities)
)

// DefaultCurrency is the currency of a resolution that names none.
const DefaultCurrency = "CNY"

// isCurrency says whether b has the shape of an ISO 4217 code: three capital
// ASCII letters.
func isCurrency(b []byte) bool {
	if len(b) != 3 {
		return false
	}
	for _, c := range b {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// minTime is the earliest instant the contract accepts (occurred_at) and the
// earliest day (purchase_date).
var minTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// civilDate is a calendar day without a time zone.
type civilDate struct{ year, month, day int }

func (d civilDate) before(e civilDate) bool {
	if d.year != e.year {
		return d.year < e.year
	}
	if d.month != e.month {
		return d.month < e.month
	}
	return d.day < e.day
}

// parseTimestamp parses an RFC 3339 date-time with an explicit offset:
// YYYY-MM-DDTHH:MM:SS[.F{1,9}](Z|+HH:MM|-HH:MM), T and Z in capitals. It is
// stricter than time.Parse(time.RFC3339, …), which accepts a one-digit hour,
// a comma before the fraction and offsets such as +08:60. It returns the
// instant in UTC and the calendar day in the message's own offset.
func parseTimestamp(b []byte) (time.Time, civilDate, bool) {
	if len(b) < len("2006-01-02T15:04:05Z") ||
		b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, civilDate{}, false
	}
	d, ok := parseCivil(b[:10])
	hour, ok1 := digits(b[11:13])
	minute, ok2 := digits(b[14:16])
	sec, ok3 := digits(b[17:19])
	if !ok || !ok1 || !ok2 || !ok3 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, civilDate{}, false
	}
	rest := b[19:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		frac := n - 1
		if frac == 0 || frac > 9 {
			return time.Time{}, civilDate{}, false
		}
		nsec, _ = digits(rest[1:n])
		for i := frac; i < 9; i++ {
			nsec *= 10
		}
		rest = rest[n:]
	}
	offset := 0
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, civilDate{}, false
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, civilDate{}, false
	}
	t := time.Date(d.year, time.Month(d.month), d.day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), d, true
}

// parseCivil parses YYYY-MM-DD, a day that exists in the calendar.
func parseCivil(b []byte) (civilDate, bool) {
	if len(b) != len("2006-01-02") || b[4] != '-' || b[7] != '-' {
		return civilDate{}, false
	}
	y, ok1 := digits(b[0:4])
	m, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return civilDate{}, false
	}
	return civilDate{y, m, d}, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// digits parses a non-empty run of at most 9 ASCII digits.
func digits(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// maxMoneyIntDigits is the number of digits a Decimal(18,2) holds before the
// decimal point.
const maxMoneyIntDigits = 16

// parseMoney parses an amount written (0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?: no
// sign, no exponent, no separators, no spaces, at most 2 decimals. It reads
// the digits as an integer number of cents, so the result is exact: the text
// never goes through a float. The result always has exponent -2, the scale of
// the Decimal(18,2) column.
func parseMoney(b []byte) (decimal.Decimal, bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	intDigits := i
	if intDigits == 0 || intDigits > maxMoneyIntDigits || (b[0] == '0' && intDigits > 1) {
		return decimal.Decimal{}, false
	}
	var cents int64
	for _, c := range b[:intDigits] {
		cents = cents*10 + int64(c-'0')
	}
	frac := 0
	if i < len(b) {
		if b[i] != '.' {
			return decimal.Decimal{}, false
		}
		fracBytes := b[i+1:]
		if len(fracBytes) == 0 || len(fracBytes) > 2 {
			return decimal.Decimal{}, false
		}
		for _, c := range fracBytes {
			if c < '0' || c > '9' {
				return decimal.Decimal{}, false
			}
			cents = cents*10 + int64(c-'0')
			frac++
		}
	}
	for ; frac < 2; frac++ {
		cents *= 10
	}
	// At most 18 digits: below 2^63, no overflow.
	return decimal.New(cents, -2), true
}

// integerLiteral parses a JSON number that is written as an integer (no
// fraction, no exponent); ok is false for any other number. Integers beyond
// every range of the contract saturate at ±2^40 instead of overflowing.
func integerLiteral(b []byte) (n int64, ok bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	if len(b) > 9 {
		n = 1 << 40
	} else {
		v, _ := digits(b)
		n = int64(v)
	}
	if neg {
		n = -n
	}
	return n, true
}
