package calendar

import "time"

// Day numbers count local calendar dates, not instants: day 0 is 1970-01-01
// and the numbering ignores time zones. Integer arithmetic on them keeps the
// hot path free of time.Date calls, which are the expensive part of a lookup.

// daysFromCivil returns the day number of y-m-d (proleptic Gregorian).
// m and d must be in range; callers with unnormalised input go through
// normalizeDate first. Algorithm: H. Hinnant, "chrono-compatible low-level
// date algorithms".
func daysFromCivil(y int, m time.Month, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := floorDiv(yy, 400)
	yoe := yy - era*400
	mp := (int64(m) + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y int, m time.Month, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	mm := mp + 3
	if mm > 12 {
		mm -= 12
	}
	yy := yoe + era*400
	if mm <= 2 {
		yy++
	}
	return int(yy), time.Month(mm), d
}

// jan1 holds the day number of Jan 1 for years [slotBase, slotBase+slotCount],
// so the hot path finds a date's year with one multiply and a comparison.
var jan1 = func() (t [slotCount + 1]int64) {
	for k := range t {
		t[k] = daysFromCivil(slotBase+k, time.January, 1)
	}
	return t
}()

// yearOfDay returns the year containing day number z.
func yearOfDay(z int64) int {
	// 400 Gregorian years have 146097 days, so this guess is off by at most one.
	if rel := z - jan1[0]; rel >= 0 {
		k := int(rel * 400 / 146097)
		if k < slotCount {
			if z < jan1[k] {
				k--
			} else if z >= jan1[k+1] {
				k++
			}
			return slotBase + k
		}
	}
	y, _, _ := civilFromDays(z)
	return y
}

// weekdayOfDay returns the weekday of day number z (1970-01-01 was a Thursday).
func weekdayOfDay(z int64) time.Weekday {
	return time.Weekday((floorMod(z, 7) + 4) % 7)
}

// normalizeDate accepts the same out-of-range month and day values as
// time.Date (2025-13-01 is 2026-01-01) so IsWorkday behaves like the stdlib.
func normalizeDate(y int, m time.Month, d int) (int, time.Month, int) {
	if m >= time.January && m <= time.December && d >= 1 && d <= 28 {
		return y, m, d
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Date()
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInYear(y int) int {
	if isLeap(y) {
		return 366
	}
	return 365
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
