package calendar

import (
	"testing"
	"time"
)

// The day-number helpers against the stdlib, over every date the slots cover
// and a margin either side where yearOfDay takes its slow path.
func TestCivilDays(t *testing.T) {
	for d := time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2350; d = d.AddDate(0, 0, 1) {
		dn := d.Unix() / 86400
		y, m, dd := d.Date()
		if got := daysFromCivil(y, m, dd); got != dn {
			t.Fatalf("daysFromCivil(%s) = %d, want %d", d.Format(time.DateOnly), got, dn)
		}
		if gy, gm, gd := civilFromDays(dn); gy != y || gm != m || gd != dd {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %s", dn, gy, gm, gd, d.Format(time.DateOnly))
		}
		if got := yearOfDay(dn); got != y {
			t.Fatalf("yearOfDay(%s) = %d", d.Format(time.DateOnly), got)
		}
		if got := weekdayOfDay(dn); got != d.Weekday() {
			t.Fatalf("weekdayOfDay(%s) = %s", d.Format(time.DateOnly), got)
		}
	}
	for _, y := range []int{-1, 0, 1, 1969, 1970} {
		if got, _, _ := civilFromDays(daysFromCivil(y, 3, 1)); got != y {
			t.Errorf("round trip of year %d gave %d", y, got)
		}
	}
}
