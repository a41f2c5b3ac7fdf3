package generator

import "time"

// Times inside the generator are Unix seconds. Asia/Shanghai has had a fixed
// +08:00 offset since 1991, so local civil time is a constant shift and needs
// no time zone database.
const (
	offsetSec = 8 * 3600
	daySec    = 86400
	hourSec   = 3600
	minuteSec = 60

	// The working window of working-hours contracts: 09:00–18:00 local.
	workStart = 9 * hourSec
	workEnd   = 18 * hourSec
)

// shanghai is the +08:00 zone of every time the generator writes.
var shanghai = time.FixedZone("CST", offsetSec)

// localDay returns the local (+08:00) day number since 1970-01-01 and the
// seconds since local midnight.
func localDay(unix int64) (day, sod int64) {
	s := unix + offsetSec
	day = s / daySec
	if s%daySec < 0 {
		day--
	}
	return day, s - day*daySec
}

// civil converts a day number since 1970-01-01 into a proleptic Gregorian date
// (H. Hinnant's days_from_civil inverse).
func civil(day int64) (y, m, d int) {
	z := day + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

// dayNumber is the inverse of civil.
func dayNumber(y, m, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := yy / 400
	if yy < 0 && yy%400 != 0 {
		era--
	}
	yoe := yy - era*400
	mm := int64(m)
	if mm > 2 {
		mm -= 3
	} else {
		mm += 9
	}
	doy := (153*mm+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// weekday of a day number: 0 = Sunday (1970-01-01 was a Thursday).
func weekday(day int64) int {
	w := (day + 4) % 7
	if w < 0 {
		w += 7
	}
	return int(w)
}

// holidays are the PRC statutory holidays of 2025–2026, as a hint for the
// shape of the traffic only: fewer requests, no working-hours service. The
// real calendar, with make-up working days, is data owned by another module.
var holidays = func() map[int64]bool {
	spans := []struct{ y, m, d, n int }{
		{2025, 1, 1, 1}, {2025, 1, 28, 8}, {2025, 4, 4, 3}, {2025, 5, 1, 5}, {2025, 5, 31, 3}, {2025, 10, 1, 8},
		{2026, 1, 1, 3}, {2026, 2, 15, 9}, {2026, 4, 4, 3}, {2026, 5, 1, 5}, {2026, 6, 19, 3},
		{2026, 9, 25, 3}, {2026, 10, 1, 7},
	}
	h := map[int64]bool{}
	for _, s := range spans {
		first := dayNumber(s.y, s.m, s.d)
		for i := range s.n {
			h[first+int64(i)] = true
		}
	}
	return h
}()

// workingDay reports whether a local day is a working day of the hint calendar.
func workingDay(day int64) bool {
	wd := weekday(day)
	return wd != 0 && wd != 6 && !holidays[day]
}

// clock adds contract hours to a time: wall-clock hours for 24×7 contracts,
// otherwise working hours (working days 09:00–18:00), so that SLA outcomes
// come out in the shares the partner parameters intend.
func clock(c *contract, start int64, hours float64) int64 {
	d := int64(hours * hourSec)
	if c.allHours {
		return start + d
	}
	return addWorking(start, d)
}

func addWorking(start, d int64) int64 {
	t := start
	for {
		day, sod := localDay(t)
		switch {
		case !workingDay(day) || sod >= workEnd:
			t += daySec - sod + workStart
			continue
		case sod < workStart:
			t += workStart - sod
			continue
		}
		left := workEnd - sod
		if d <= left {
			return t + d
		}
		d -= left
		t += daySec - sod + workStart
	}
}

// appendTime writes t as RFC 3339 in +08:00: 2026-09-01T09:15:00+08:00.
func appendTime(b []byte, unix int64) []byte {
	day, sod := localDay(unix)
	y, m, d := civil(day)
	h, mi, s := sod/hourSec, sod%hourSec/minuteSec, sod%minuteSec
	b = append4(b, y)
	b = append(b, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+s/10), byte('0'+s%10))
	return append(b, "+08:00"...)
}

// appendDate writes a local day number as YYYY-MM-DD.
func appendDate(b []byte, day int64) []byte {
	y, m, d := civil(day)
	b = append4(b, y)
	return append(b, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

func append4(b []byte, y int) []byte {
	return append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
}
