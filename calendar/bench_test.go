package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

// benchInstants returns n request/response pairs spread over 2024–2026, the
// response within 5 days, so lookups hit all of the table like real traffic.
func benchInstants(n int) (from, to []time.Time) {
	rng := rand.New(rand.NewPCG(1, 2))
	lo := time.Date(2024, 1, 1, 0, 0, 0, 0, shanghai)
	span := int64(3 * 365 * 24 * time.Hour)
	for range n {
		a := lo.Add(time.Duration(rng.Int64N(span))).Truncate(time.Second)
		from = append(from, a)
		to = append(to, a.Add(time.Duration(rng.Int64N(int64(5*24*time.Hour)))))
	}
	return from, to
}

func benchClock(b *testing.B) *Clock {
	c := mustClock(b, PRC, office, shanghai)
	c.Elapsed(time.Date(2023, 12, 1, 0, 0, 0, 0, shanghai), time.Date(2027, 2, 1, 0, 0, 0, 0, shanghai)) // warm the tables
	return c
}

func BenchmarkElapsed(b *testing.B) {
	c := benchClock(b)
	from, to := benchInstants(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Elapsed(from[i&1023], to[i&1023])
	}
}

func BenchmarkDeadline(b *testing.B) {
	c := benchClock(b)
	from, _ := benchInstants(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Deadline(from[i&1023], 4*time.Hour)
	}
}

// Two pauses per request, the usual "waiting for the customer" shape.
func BenchmarkElapsedPauses(b *testing.B) {
	c := benchClock(b)
	from, to := benchInstants(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a := from[i&1023]
		c.Elapsed(a, to[i&1023],
			Interval{a.Add(2 * time.Hour), a.Add(5 * time.Hour)},
			Interval{a.Add(time.Hour), a.Add(3 * time.Hour)})
	}
}

func BenchmarkDeadlinePauses(b *testing.B) {
	c := benchClock(b)
	from, _ := benchInstants(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a := from[i&1023]
		c.Deadline(a, 4*time.Hour,
			Interval{a.Add(2 * time.Hour), a.Add(5 * time.Hour)},
			Interval{a.Add(time.Hour), a.Add(3 * time.Hour)})
	}
}

func BenchmarkElapsedParallel(b *testing.B) {
	c := benchClock(b)
	from, to := benchInstants(1024)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			c.Elapsed(from[i&1023], to[i&1023])
			i++
		}
	})
}

// BenchmarkFirstUse is the one-off cost of a year's table on a new Clock.
func BenchmarkFirstUse(b *testing.B) {
	cal := mustNamed(b, PRC)
	from := time.Date(2025, 6, 2, 10, 0, 0, 0, shanghai)
	b.ReportAllocs()
	for b.Loop() {
		c, _ := NewClock(cal, office, shanghai)
		c.Deadline(from, 4*time.Hour)
	}
}
