package calendar

import (
	"strings"
	"testing"
	"time"
)

// Expected values below are computed by hand; the comment next to each case
// shows the arithmetic. Unless a case says otherwise: PRC calendar, window
// 09:00–18:00, Asia/Shanghai.

var (
	shanghai = mustLoc("Asia/Shanghai")
	berlin   = mustLoc("Europe/Berlin")
	h        = time.Hour
	m        = time.Minute
)

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at parses "2006-01-02 15:04" or "2006-01-02 15:04:05.999" in loc.
func at(loc *time.Location, s string) time.Time {
	layout := "2006-01-02 15:04"
	if len(s) > len(layout) {
		layout = "2006-01-02 15:04:05.999999999"
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func mustClock(t testing.TB, cal string, w Window, loc *time.Location) *Clock {
	t.Helper()
	c, err := NewClock(mustNamed(t, cal), w, loc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var office = Window{9 * h, 18 * h}

func TestDeadline(t *testing.T) {
	type tc struct {
		name string
		from string
		d    time.Duration
		want string
	}
	run := func(t *testing.T, c *Clock, loc *time.Location, tests []tc) {
		t.Helper()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				from := at(loc, tt.from)
				got := c.Deadline(from, tt.d)
				if want := at(loc, tt.want); !got.Equal(want) {
					t.Fatalf("Deadline(%s, %v) = %s, want %s", tt.from, tt.d, got.In(loc).Format(time.DateTime), tt.want)
				}
				// Deadline is the inverse of Elapsed.
				if e := c.Elapsed(from, got); e != max(tt.d, 0) {
					t.Fatalf("Elapsed(%s, %s) = %v, want %v", tt.from, tt.want, e, max(tt.d, 0))
				}
			})
		}
	}

	t.Run("prc", func(t *testing.T) {
		run(t, mustClock(t, PRC, office, shanghai), shanghai, []tc{
			// Eve of National Day 2025: Tue 9/30 16–18 = 2h; 10/1–10/8 off
			// (国庆+中秋); Thu 10/9 09:00 + 2h.
			{"eve of National Day 2025", "2025-09-30 16:00", 4 * h, "2025-10-09 11:00"},
			// Eve of National Day 2024: Mon 9/30 16–18 = 2h; 10/1–10/7 off;
			// Tue 10/8 09:00 + 2h.
			{"eve of National Day 2024", "2024-09-30 16:00", 4 * h, "2024-10-08 11:00"},
			// Make-up Sunday 2025-09-28: Sat 9/27 is off, Sun 9/28 works:
			// 09:00 + 4h.
			{"make-up Sunday 2025-09-28", "2025-09-27 10:00", 4 * h, "2025-09-28 13:00"},
			// Make-up Sunday 2024-09-29, same shape one year earlier.
			{"make-up Sunday 2024-09-29", "2024-09-28 10:00", 4 * h, "2024-09-29 13:00"},
			// 2026 New Year: 1/1–1/3 off, Sun 1/4 works: 09:00 + 4h.
			{"make-up Sunday 2026-01-04", "2026-01-01 10:00", 4 * h, "2026-01-04 13:00"},
			// Across New Year: Wed 2025-12-31 17–18 = 1h; 1/1–1/3 off;
			// Sun 2026-01-04 09:00 + 3h.
			{"across the year boundary", "2025-12-31 17:00", 4 * h, "2026-01-04 12:00"},
			// Friday 23:00: the rest of Friday and the weekend are outside
			// the window; Mon 11/24 09:00 + 4h.
			{"Friday 23:00", "2025-11-21 23:00", 4 * h, "2025-11-24 13:00"},
			// Opened before the window: the clock starts at 09:00.
			{"opened at 07:00", "2025-11-24 07:00", 4 * h, "2025-11-24 13:00"},
			// Opened after the window: Tue 09:00 + 4h.
			{"opened at 20:00", "2025-11-24 20:00", 4 * h, "2025-11-25 13:00"},
			// Across a night: Mon 16–18 = 2h, Tue 09:00 + 2h.
			{"across a night", "2025-11-24 16:00", 4 * h, "2025-11-25 11:00"},
			// Ends exactly at closing time: 14:00 + 4h = 18:00, not Tue 09:00.
			{"ends at closing time", "2025-11-24 14:00", 4 * h, "2025-11-24 18:00"},
			// A full week: Mon–Fri × 9h = 45h, Mon 09:00 → Fri 18:00.
			{"45h is one working week", "2025-11-24 09:00", 45 * h, "2025-11-28 18:00"},
			// Spring Festival 2025: Mon 1/27 17–18 = 1h; 1/28–2/4 off;
			// Wed 2/5 09:00 + 1h.
			{"Spring Festival 2025", "2025-01-27 17:00", 2 * h, "2025-02-05 10:00"},
			// Spring Festival 2024: Fri 2/9 (除夕, a workday) 17–18 = 1h;
			// 2/10–2/17 off; Sun 2/18 is a make-up workday: 09:00 + 3h.
			{"Spring Festival 2024 make-up Sunday", "2024-02-09 17:00", 4 * h, "2024-02-18 12:00"},
			// 2027 is not covered: Mon–Fri fallback, so Fri 2027-10-01 works.
			// Thu 9/30 16–18 = 2h, Fri 10/1 09:00 + 2h.
			{"uncovered year falls back to Mon–Fri", "2027-09-30 16:00", 4 * h, "2027-10-01 11:00"},
			// Minutes and seconds are exact: 17:59:30 + 1m = 30s today,
			// 30s from Tue 09:00.
			{"seconds across the night", "2025-11-24 17:59:30", m, "2025-11-25 09:00:30"},
			{"nanoseconds", "2025-11-24 10:00:00.000000001", 1, "2025-11-24 10:00:00.000000002"},
			// d = 0: from itself inside the window, else the next opening.
			{"zero inside the window", "2025-11-24 10:30", 0, "2025-11-24 10:30"},
			{"zero at opening", "2025-11-24 09:00", 0, "2025-11-24 09:00"},
			{"zero at closing", "2025-11-21 18:00", 0, "2025-11-24 09:00"},
			{"zero on a Saturday", "2025-11-22 10:00", 0, "2025-11-24 09:00"},
			{"zero on National Day", "2025-10-01 10:00", 0, "2025-10-09 09:00"},
			{"negative is zero", "2025-11-22 10:00", -h, "2025-11-24 09:00"},
		})
	})

	t.Run("24x7", func(t *testing.T) {
		run(t, mustClock(t, AllDays, AllDay, shanghai), shanghai, []tc{
			// Every instant counts: Fri 23:00 + 4h.
			{"Friday 23:00", "2025-11-21 23:00", 4 * h, "2025-11-22 03:00"},
			// National Day does not matter.
			{"eve of National Day", "2025-09-30 16:00", 4 * h, "2025-09-30 20:00"},
			{"zero at midnight", "2025-10-01 00:00", 0, "2025-10-01 00:00"},
			// 100h = 4 days 4h.
			{"100h", "2025-09-30 16:00", 100 * h, "2025-10-04 20:00"},
		})
	})

	t.Run("mon-fri", func(t *testing.T) {
		run(t, mustClock(t, MonFri, office, shanghai), shanghai, []tc{
			// National Day is an ordinary Wednesday here: Tue 16–18 = 2h,
			// Wed 10/1 09:00 + 2h.
			{"National Day is a workday", "2025-09-30 16:00", 4 * h, "2025-10-01 11:00"},
			// The PRC make-up Sunday is a Sunday here: Mon 9/29 09:00 + 4h.
			{"make-up Sunday is off", "2025-09-27 10:00", 4 * h, "2025-09-29 13:00"},
		})
	})

	t.Run("berlin", func(t *testing.T) {
		// Window hours are local: 09:00–18:00 CET before 2025-03-30 and
		// CEST after it. Fri 3/28 17–18 = 1h; Mon 3/31 09:00 CEST + 3h.
		run(t, mustClock(t, MonFri, office, berlin), berlin, []tc{
			{"over the spring DST weekend", "2025-03-28 17:00", 4 * h, "2025-03-31 12:00"},
		})
		// 24×7 counts real time, not wall time: Sat 23:00 CET (22:00 UTC)
		// + 4h = 02:00 UTC = Sun 04:00 CEST (02:00–03:00 never happens).
		run(t, mustClock(t, AllDays, AllDay, berlin), berlin, []tc{
			{"24x7 across spring forward", "2025-03-29 23:00", 4 * h, "2025-03-30 04:00"},
		})
		// Window 01:00–04:00 on spring-forward day lasts 2 real hours:
		// 01:00 CET = 00:00 UTC, 04:00 CEST = 02:00 UTC.
		run(t, mustClock(t, AllDays, Window{1 * h, 4 * h}, berlin), berlin, []tc{
			{"short window on spring-forward day", "2025-03-30 00:00", 2 * h, "2025-03-30 04:00"},
			// 3h needs the next day: 2h on 3/30, 3/31 01:00 + 1h.
			{"spring-forward day has only 2h", "2025-03-30 00:00", 3 * h, "2025-03-31 02:00"},
		})
	})
}

func TestDeadlineKeepsLocation(t *testing.T) {
	c := mustClock(t, PRC, office, shanghai)
	// Fri 2025-11-21 23:00 Shanghai is 15:00 UTC; due Mon 13:00 Shanghai =
	// 05:00 UTC, reported in UTC like the input.
	got := c.Deadline(time.Date(2025, 11, 21, 15, 0, 0, 0, time.UTC), 4*h)
	if want := time.Date(2025, 11, 24, 5, 0, 0, 0, time.UTC); got != want {
		t.Fatalf("Deadline = %v, want %v (same instant and location)", got, want)
	}
}

func TestElapsed(t *testing.T) {
	type tc struct {
		name     string
		from, to string
		want     time.Duration
	}
	run := func(t *testing.T, c *Clock, loc *time.Location, tests []tc) {
		t.Helper()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := c.Elapsed(at(loc, tt.from), at(loc, tt.to)); got != tt.want {
					t.Fatalf("Elapsed(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
				}
			})
		}
	}
	t.Run("prc", func(t *testing.T) {
		run(t, mustClock(t, PRC, office, shanghai), shanghai, []tc{
			// Fri 23:00 → Mon 13:00: only Mon 09–13 counts.
			{"Friday night to Monday", "2025-11-21 23:00", "2025-11-24 13:00", 4 * h},
			// 9/30 16–18 + 10/9 09–11.
			{"over National Day 2025", "2025-09-30 16:00", "2025-10-09 11:00", 4 * h},
			// 2024-09-30 16–18 + 10/8 09–11.
			{"over National Day 2024", "2024-09-30 16:00", "2024-10-08 11:00", 4 * h},
			// Mon 9/29, Tue 9/30, Thu 10/9, Fri 10/10, Sat 10/11 (make-up)
			// work; 10/1–10/8 off: 5 × 9h.
			{"National Day fortnight", "2025-09-29 00:00", "2025-10-13 00:00", 45 * h},
			// Mon–Fri × 9h.
			{"ordinary week", "2025-11-24 00:00", "2025-12-01 00:00", 45 * h},
			// 248 working days × 9h (see TestWorkingDayCounts).
			{"year 2025", "2025-01-01 00:00", "2026-01-01 00:00", 248 * 9 * h},
			// 2024 + 2025 + 2026: (251 + 248 + 248) × 9h.
			{"three years", "2024-01-01 00:00", "2027-01-01 00:00", 747 * 9 * h},
			{"within a day", "2025-11-24 10:30", "2025-11-24 11:15", 45 * m},
			{"sub-second", "2025-11-24 10:00:00.5", "2025-11-24 10:00:01.25", 750 * time.Millisecond},
			{"night only", "2025-11-24 18:00", "2025-11-25 09:00", 0},
			{"whole holiday", "2025-10-01 00:00", "2025-10-09 00:00", 0},
			{"make-up Sunday counts", "2025-09-28 00:00", "2025-09-29 00:00", 9 * h},
			{"to before from", "2025-11-24 13:00", "2025-11-24 10:00", 0},
			{"empty", "2025-11-24 13:00", "2025-11-24 13:00", 0},
		})
	})
	t.Run("24x7", func(t *testing.T) {
		run(t, mustClock(t, AllDays, AllDay, shanghai), shanghai, []tc{
			// 9/30 16:00 → 10/9 16:00 is 9 days = 216h, minus 5h.
			{"over National Day", "2025-09-30 16:00", "2025-10-09 11:00", 211 * h},
			{"year 2025", "2025-01-01 00:00", "2026-01-01 00:00", 365 * 24 * h},
		})
	})
	t.Run("mon-fri", func(t *testing.T) {
		run(t, mustClock(t, MonFri, office, shanghai), shanghai, []tc{
			// National Day week: Mon 9/29–Fri 10/3 all count.
			{"National Day week", "2025-09-29 00:00", "2025-10-06 00:00", 45 * h},
		})
	})
	t.Run("berlin", func(t *testing.T) {
		run(t, mustClock(t, AllDays, AllDay, berlin), berlin, []tc{
			// Spring forward: the local day has 23 hours; autumn: 25.
			{"spring-forward day", "2025-03-30 00:00", "2025-03-31 00:00", 23 * h},
			{"fall-back day", "2025-10-26 00:00", "2025-10-27 00:00", 25 * h},
		})
		run(t, mustClock(t, AllDays, office, berlin), berlin, []tc{
			// 09:00–18:00 is after the 02:00 jump: still 9h each day.
			{"office hours over DST weekend", "2025-03-29 00:00", "2025-03-31 00:00", 18 * h},
		})
		run(t, mustClock(t, AllDays, Window{1 * h, 4 * h}, berlin), berlin, []tc{
			// 01:00 CET (00:00 UTC) to 04:00 CEST (02:00 UTC).
			{"01-04 on spring-forward day", "2025-03-30 00:00", "2025-03-31 00:00", 2 * h},
			// 01:00 CEST (23:00 UTC) to 04:00 CET (03:00 UTC).
			{"01-04 on fall-back day", "2025-10-26 00:00", "2025-10-27 00:00", 4 * h},
		})
		run(t, mustClock(t, MonFri, office, berlin), berlin, []tc{
			// Fri 3/28 17–18 CET + Mon 3/31 09–12 CEST; 66 real hours apart.
			{"office hours over DST weekend", "2025-03-28 17:00", "2025-03-31 12:00", 4 * h},
		})
	})
}

// Pauses stop the SLA clock, e.g. while waiting for the customer.
func TestPauses(t *testing.T) {
	c := mustClock(t, PRC, office, shanghai)
	at := func(s string) time.Time { return at(shanghai, s) }
	iv := func(from, to string) Interval { return Interval{at(from), at(to)} }
	tests := []struct {
		name     string
		from     string
		d        time.Duration
		pauses   []Interval
		deadline string
		// Elapsed(from, to, pauses) is checked too.
		to      string
		elapsed time.Duration
	}{
		{
			// 09–10 = 1h, paused 10–14, 14:00 + 3h. At 15:00 only
			// 09–10 and 14–15 have counted.
			name: "waiting for the customer", from: "2025-11-24 09:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-24 10:00", "2025-11-24 14:00")},
			deadline: "2025-11-24 17:00", to: "2025-11-24 15:00", elapsed: 2 * h,
		},
		{
			// Union of 10–12 and 11–14 is 10–14: same as above; given out of order.
			name: "overlapping pauses", from: "2025-11-24 09:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-24 11:00", "2025-11-24 14:00"), iv("2025-11-24 10:00", "2025-11-24 12:00")},
			deadline: "2025-11-24 17:00", to: "2025-11-24 15:00", elapsed: 2 * h,
		},
		{
			// 11–12 lies inside 10–14 and must not be subtracted twice.
			name: "nested pauses", from: "2025-11-24 09:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-24 10:00", "2025-11-24 14:00"), iv("2025-11-24 11:00", "2025-11-24 12:00")},
			deadline: "2025-11-24 17:00", to: "2025-11-24 17:00", elapsed: 4 * h,
		},
		{
			name: "touching pauses", from: "2025-11-24 09:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-24 10:00", "2025-11-24 12:00"), iv("2025-11-24 12:00", "2025-11-24 14:00")},
			deadline: "2025-11-24 17:00", to: "2025-11-24 18:00", elapsed: 5 * h,
		},
		{
			// Mon 16–17 = 1h, paused Mon 17:00 → Tue 10:00, Tue 10:00 + 3h.
			// Elapsed to Tue 13:00 without the pause would be 2h + 4h = 6h.
			name: "pause over a night", from: "2025-11-24 16:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-24 17:00", "2025-11-25 10:00")},
			deadline: "2025-11-25 13:00", to: "2025-11-25 13:00", elapsed: 4 * h,
		},
		{
			// 19:00 → 08:00 is outside the window: Mon 16–18 + Tue 09–11.
			name: "pause outside the window", from: "2025-11-24 16:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-24 19:00", "2025-11-25 08:00")},
			deadline: "2025-11-25 11:00", to: "2025-11-25 11:00", elapsed: 4 * h,
		},
		{
			// A pause over National Day changes nothing.
			name: "pause over a holiday", from: "2025-09-30 16:00", d: 4 * h,
			pauses:   []Interval{iv("2025-10-01 08:00", "2025-10-08 20:00")},
			deadline: "2025-10-09 11:00", to: "2025-10-09 11:00", elapsed: 4 * h,
		},
		{
			// Already paused when opened: counting starts at 10:00.
			name: "pause started before the request", from: "2025-11-24 09:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-24 08:00", "2025-11-24 10:00")},
			deadline: "2025-11-24 14:00", to: "2025-11-24 14:00", elapsed: 4 * h,
		},
		{
			// 1h is reached at 10:00 exactly, when the pause begins.
			name: "deadline at the start of a pause", from: "2025-11-24 09:00", d: h,
			pauses:   []Interval{iv("2025-11-24 10:00", "2025-11-24 11:00")},
			deadline: "2025-11-24 10:00", to: "2025-11-24 10:00", elapsed: h,
		},
		{
			// Pause runs past `to`: 09–11 counts, 11–12 is paused.
			name: "pause beyond to", from: "2025-11-24 09:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-24 11:00", "2025-11-24 15:00")},
			deadline: "2025-11-24 17:00", to: "2025-11-24 12:00", elapsed: 2 * h,
		},
		{
			// Mon 09–10 = 1h; paused until Wed 12:00; Wed 12:00 + 3h.
			name: "pause over several days", from: "2025-11-24 09:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-24 10:00", "2025-11-26 12:00")},
			deadline: "2025-11-26 15:00", to: "2025-11-26 15:00", elapsed: 4 * h,
		},
		{
			// Two separate pauses: 09–10, 11–12, 13–15 = 4h.
			name: "two pauses", from: "2025-11-24 09:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-24 12:00", "2025-11-24 13:00"), iv("2025-11-24 10:00", "2025-11-24 11:00")},
			deadline: "2025-11-24 15:00", to: "2025-11-24 15:00", elapsed: 4 * h,
		},
		{
			// Empty and reversed intervals are ignored.
			name: "empty pauses", from: "2025-11-24 09:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-24 10:00", "2025-11-24 10:00"), iv("2025-11-24 12:00", "2025-11-24 11:00")},
			deadline: "2025-11-24 13:00", to: "2025-11-24 13:00", elapsed: 4 * h,
		},
		{
			// A pause entirely before the request is irrelevant.
			name: "pause before the request", from: "2025-11-24 09:00", d: 4 * h,
			pauses:   []Interval{iv("2025-11-21 10:00", "2025-11-21 17:00")},
			deadline: "2025-11-24 13:00", to: "2025-11-24 13:00", elapsed: 4 * h,
		},
		{
			// d = 0 inside a pause: the clock next runs at 14:00.
			name: "zero inside a pause", from: "2025-11-24 10:30", d: 0,
			pauses:   []Interval{iv("2025-11-24 10:00", "2025-11-24 14:00")},
			deadline: "2025-11-24 14:00", to: "2025-11-24 14:00", elapsed: 0,
		},
		{
			// d = 0 when a pause starts at from: from itself is paused.
			name: "zero at the start of a pause", from: "2025-11-24 10:00", d: 0,
			pauses:   []Interval{iv("2025-11-24 10:00", "2025-11-24 14:00")},
			deadline: "2025-11-24 14:00", to: "2025-11-24 14:00", elapsed: 0,
		},
		{
			// d = 0 on Saturday, paused Mon 09–10: Mon 10:00.
			name: "zero before a pause at the opening", from: "2025-11-22 10:00", d: 0,
			pauses:   []Interval{iv("2025-11-24 09:00", "2025-11-24 10:00")},
			deadline: "2025-11-24 10:00", to: "2025-11-24 10:00", elapsed: 0,
		},
		{
			// A pause ending at closing time: the clock resumes Tue 09:00.
			name: "pause until closing", from: "2025-11-24 09:00", d: 2 * h,
			pauses:   []Interval{iv("2025-11-24 10:00", "2025-11-24 18:00")},
			deadline: "2025-11-25 10:00", to: "2025-11-25 10:00", elapsed: 2 * h,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := at(tt.from)
			if got := c.Deadline(from, tt.d, tt.pauses...); !got.Equal(at(tt.deadline)) {
				t.Errorf("Deadline = %s, want %s", got.Format(time.DateTime), tt.deadline)
			}
			if got := c.Elapsed(from, at(tt.to), tt.pauses...); got != tt.elapsed {
				t.Errorf("Elapsed(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.elapsed)
			}
			if got := c.Elapsed(from, at(tt.deadline), tt.pauses...); got != tt.d {
				t.Errorf("Elapsed(from, deadline) = %v, want %v", got, tt.d)
			}
		})
	}
}

func TestNewClock(t *testing.T) {
	prc := mustNamed(t, PRC)
	c, err := NewClock(prc, office, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Location().String() != DefaultZone {
		t.Errorf("nil location = %v, want %s", c.Location(), DefaultZone)
	}
	if c.Calendar() != prc || c.Window() != office {
		t.Errorf("accessors: %v %v", c.Calendar(), c.Window())
	}
	if _, err := NewClock(nil, office, shanghai); err == nil || !strings.Contains(err.Error(), "calendar is nil") {
		t.Errorf("nil calendar: %v", err)
	}
	if _, err := NewClock(prc, Window{18 * h, 9 * h}, shanghai); err == nil || !strings.Contains(err.Error(), "start 18:00 is not before end 09:00") {
		t.Errorf("bad window: %v", err)
	}
}

func TestClockFor(t *testing.T) {
	a, err := ClockFor("", "09:00-18:00", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Calendar().Name() != PRC || a.Location().String() != DefaultZone || a.Window() != office {
		t.Fatalf("defaults: %s %s %s", a.Calendar().Name(), a.Location(), a.Window())
	}
	b, err := ClockFor(PRC, " 09:00 - 18:00 ", DefaultZone)
	if err != nil || b != a {
		t.Fatalf("same configuration should share the clock: %p %p %v", a, b, err)
	}
	for _, tt := range []struct{ cal, win, zone, want string }{
		{"nope", "24h", "", `unknown calendar "nope"`},
		{"", "9-18", "", `window "9-18"`},
		{"", "24h", "Mars/Olympus", `time zone "Mars/Olympus"`},
	} {
		if _, err := ClockFor(tt.cal, tt.win, tt.zone); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ClockFor(%q, %q, %q) = %v, want %q", tt.cal, tt.win, tt.zone, err, tt.want)
		}
	}
}

// Years far outside the slot range go through the locked map.
func TestFarYears(t *testing.T) {
	c := mustClock(t, MonFri, office, shanghai)
	// 2400-01-03 is a Monday; Fri 2399-12-31 17–18 = 1h, Mon 09:00 + 1h.
	from := at(shanghai, "2399-12-31 17:00")
	if from.Weekday() != time.Friday {
		t.Fatalf("2399-12-31 is a %s", from.Weekday())
	}
	got := c.Deadline(from, 2*h)
	if want := at(shanghai, "2400-01-03 10:00"); !got.Equal(want) {
		t.Fatalf("Deadline = %v, want %v", got, want)
	}
	if e := c.Elapsed(at(shanghai, "1850-01-01 00:00"), at(shanghai, "1850-01-08 00:00")); e != 45*h {
		t.Fatalf("Elapsed over a week in 1850 = %v, want 45h", e)
	}
}

func TestClockCovers(t *testing.T) {
	c := mustClock(t, PRC, office, shanghai)
	// 2026-12-31 16:30 UTC is already 2027-01-01 00:30 in Shanghai.
	for _, tt := range []struct {
		t    time.Time
		want bool
	}{
		{time.Date(2026, 12, 31, 15, 30, 0, 0, time.UTC), true},
		{time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC), false},
		{time.Date(2023, 12, 31, 16, 30, 0, 0, time.UTC), true},
	} {
		if got := c.Covers(tt.t); got != tt.want {
			t.Errorf("Covers(%s) = %v, want %v", tt.t, got, tt.want)
		}
	}
}
