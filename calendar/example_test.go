package calendar_test

import (
	"fmt"
	"time"

	"servicepulse/calendar"
)

// A request opened on Friday at 23:00 under a "reply within 4 business
// hours" clause, PRC calendar, 09:00–18:00 Beijing time.
func ExampleClock_Deadline() {
	clock, err := calendar.ClockFor("prc", "09:00-18:00", "Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	opened := time.Date(2025, 11, 21, 23, 0, 0, 0, clock.Location()) // Friday
	due := clock.Deadline(opened, 4*time.Hour)
	fmt.Println(due.Format("Mon 2006-01-02 15:04"))

	answered := time.Date(2025, 11, 24, 12, 30, 0, 0, clock.Location())
	fmt.Println(clock.Elapsed(opened, answered), !answered.After(due))
	// Output:
	// Mon 2025-11-24 13:00
	// 3h30m0s true
}

// The SLA clock stops while the request waits for the customer.
func ExampleClock_Elapsed_pauses() {
	clock, _ := calendar.ClockFor("prc", "09:00-18:00", "")
	day := func(hour int) time.Time { return time.Date(2025, 11, 24, hour, 0, 0, 0, clock.Location()) }
	waiting := calendar.Interval{From: day(10), To: day(14)}
	fmt.Println(clock.Elapsed(day(9), day(15), waiting))
	fmt.Println(clock.Deadline(day(9), 4*time.Hour, waiting).Format("15:04"))
	// Output:
	// 2h0m0s
	// 17:00
}

func ExampleCalendar_IsWorkday() {
	prc, _ := calendar.Named("prc")
	fmt.Println(prc.IsWorkday(2025, time.October, 1))    // National Day
	fmt.Println(prc.IsWorkday(2025, time.September, 28)) // make-up working Sunday
	fmt.Println(prc.Covers(2027))
	// Output:
	// false
	// true
	// false
}
