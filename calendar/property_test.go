package calendar

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// refElapsed is a deliberately naive model of Elapsed, independent of the
// tables: it lists every window interval around [from, to), cuts the time
// line at every boundary (window, pause, from, to) and adds up the pieces
// that are inside a window and outside every pause. Membership is constant
// on each piece, so testing its first instant is exact.
func refElapsed(cal *Calendar, w Window, loc *time.Location, from, to time.Time, pauses []Interval) time.Duration {
	if !to.After(from) {
		return 0
	}
	var open []Interval
	y, mo, d := from.In(loc).Date()
	for day := time.Date(y, mo, d-1, 12, 0, 0, 0, loc); ; {
		dy, dm, dd := day.Date()
		if cal.IsWorkday(dy, dm, dd) {
			open = append(open, Interval{
				time.Date(dy, dm, dd, 0, 0, int(w.Start/time.Second), 0, loc),
				time.Date(dy, dm, dd, 0, 0, int(w.End/time.Second), 0, loc),
			})
		}
		if day.After(to.Add(48 * time.Hour)) {
			break
		}
		day = time.Date(dy, dm, dd+1, 12, 0, 0, 0, loc)
	}
	cuts := []time.Time{from, to}
	for _, iv := range append(slices.Clone(open), pauses...) {
		for _, t := range []time.Time{iv.From, iv.To} {
			if t.After(from) && t.Before(to) {
				cuts = append(cuts, t)
			}
		}
	}
	slices.SortFunc(cuts, time.Time.Compare)
	in := func(t time.Time, ivs []Interval) bool {
		for _, iv := range ivs {
			if !t.Before(iv.From) && t.Before(iv.To) {
				return true
			}
		}
		return false
	}
	var sum time.Duration
	for i := 0; i+1 < len(cuts); i++ {
		p, q := cuts[i], cuts[i+1]
		if q.After(p) && in(p, open) && !in(p, pauses) {
			sum += q.Sub(p)
		}
	}
	return sum
}

type propCase struct {
	cal  string
	win  Window
	zone string
	// hot lists local dates where bugs would hide (holidays, DST, New Year);
	// a quarter of the random instants start there.
	hot []string
}

func TestProperties(t *testing.T) {
	cases := []propCase{
		{PRC, office, "Asia/Shanghai", []string{"2024-09-29", "2024-09-30", "2025-09-27", "2025-09-30", "2025-12-31", "2026-01-01", "2025-01-27", "2024-02-09", "2026-02-13"}},
		{AllDays, AllDay, "Asia/Shanghai", []string{"2025-09-30", "2025-12-31"}},
		{MonFri, Window{8*h + 30*m, 17*h + 15*m}, "Europe/Berlin", []string{"2025-03-28", "2025-10-24", "2024-12-31"}},
		{AllDays, Window{1 * h, 4 * h}, "Europe/Berlin", []string{"2025-03-29", "2025-03-30", "2025-10-25", "2025-10-26"}},
		{AllDays, AllDay, "America/Santiago", []string{"2024-09-07", "2025-04-05", "2025-09-06"}}, // DST at midnight
		{PRC, Window{22 * h, 24 * h}, "America/New_York", []string{"2025-03-08", "2025-11-01"}},   // PRC days, other zone
	}
	for _, pc := range cases {
		t.Run(fmt.Sprintf("%s %s %s", pc.cal, pc.win, pc.zone), func(t *testing.T) {
			loc := mustLoc(pc.zone)
			c := mustClock(t, pc.cal, pc.win, loc)
			cal := c.Calendar()
			rng := rand.New(rand.NewPCG(20251124, uint64(len(pc.hot))))
			lo := time.Date(2024, 1, 1, 0, 0, 0, 0, loc)
			span := time.Date(2027, 1, 1, 0, 0, 0, 0, loc).Sub(lo)
			snap := func(t time.Time) time.Time {
				switch rng.IntN(4) {
				case 0:
					return t.Truncate(time.Hour) // window edges, midnights
				case 1:
					return t.Truncate(time.Second)
				case 2:
					return t.Truncate(15 * time.Minute)
				}
				return t
			}
			instant := func() time.Time {
				if rng.IntN(4) == 0 {
					d := at(loc, pc.hot[rng.IntN(len(pc.hot))]+" 00:00")
					return snap(d.Add(time.Duration(rng.Int64N(int64(72 * h)))))
				}
				return snap(lo.Add(time.Duration(rng.Int64N(int64(span)))))
			}
			dur := func(max time.Duration) time.Duration {
				d := time.Duration(rng.Int64N(int64(max)))
				switch rng.IntN(3) {
				case 0:
					return d.Truncate(time.Hour)
				case 1:
					return d.Truncate(time.Second)
				}
				return d
			}
			n := 2000
			if testing.Short() {
				n = 200
			}
			for i := range n {
				a := instant()
				b := a.Add(dur(10 * 24 * h))
				cc := b.Add(dur(5 * 24 * h))
				var pauses []Interval
				if i%2 == 1 {
					for range rng.IntN(4) {
						from := snap(a.Add(dur(8*24*h) - 2*24*h))
						pauses = append(pauses, Interval{from, from.Add(dur(3 * 24 * h))})
					}
				}
				ctx := fmt.Sprintf("case %d: a=%s b=%s c=%s pauses=%v", i, a.In(loc), b.In(loc), cc.In(loc), pauses)

				// Agrees with the naive model.
				eab := c.Elapsed(a, b, pauses...)
				if want := refElapsed(cal, pc.win, loc, a, b, pauses); eab != want {
					t.Fatalf("%s: Elapsed(a,b) = %v, model says %v", ctx, eab, want)
				}
				// Additive.
				ebc, eac := c.Elapsed(b, cc, pauses...), c.Elapsed(a, cc, pauses...)
				if eab+ebc != eac {
					t.Fatalf("%s: Elapsed(a,b)+Elapsed(b,c) = %v+%v != Elapsed(a,c) = %v", ctx, eab, ebc, eac)
				}
				// Never more than real time.
				if eab > b.Sub(a) || eab < 0 {
					t.Fatalf("%s: Elapsed(a,b) = %v outside [0, %v]", ctx, eab, b.Sub(a))
				}
				// Deadline inverts Elapsed and is the earliest such instant.
				d := dur(60 * h)
				if i%10 == 0 {
					d = 0
				}
				dl := c.Deadline(a, d, pauses...)
				if dl.Before(a) {
					t.Fatalf("%s: Deadline(a, %v) = %s is before a", ctx, d, dl)
				}
				if e := c.Elapsed(a, dl, pauses...); e != d {
					t.Fatalf("%s: Elapsed(a, Deadline(a, %v) = %s) = %v", ctx, d, dl.In(loc), e)
				}
				if e := refElapsed(cal, pc.win, loc, a, dl, pauses); e != d {
					t.Fatalf("%s: model Elapsed(a, Deadline(a, %v) = %s) = %v", ctx, d, dl.In(loc), e)
				}
				if d > 0 {
					if e := c.Elapsed(a, dl.Add(-1), pauses...); e >= d {
						t.Fatalf("%s: Deadline(a, %v) = %s is not the earliest: 1ns before, %v elapsed", ctx, d, dl.In(loc), e)
					}
				} else if e := refElapsed(cal, pc.win, loc, dl, dl.Add(1), pauses); e != 1 {
					t.Fatalf("%s: Deadline(a, 0) = %s is not a running instant", ctx, dl.In(loc))
				}
			}
		})
	}
}

// TestConcurrentUse races many goroutines on a fresh clock so year tables
// are built concurrently; run with -race.
func TestConcurrentUse(t *testing.T) {
	c := mustClock(t, PRC, office, shanghai)
	ref := mustClock(t, PRC, office, shanghai)
	from := at(shanghai, "2024-01-01 00:00")
	want := make([]time.Time, 64)
	for i := range want {
		want[i] = ref.Deadline(from.Add(time.Duration(i)*17*24*h), 100*h)
	}
	done := make(chan error)
	for g := range 8 {
		go func() {
			for i := range want {
				j := (i + g*8) % len(want)
				if got := c.Deadline(from.Add(time.Duration(j)*17*24*h), 100*h); !got.Equal(want[j]) {
					done <- fmt.Errorf("goroutine %d case %d: %v != %v", g, j, got, want[j])
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
