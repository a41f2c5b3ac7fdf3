package calendar

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Names of the built-in calendars accepted by Named.
const (
	// PRC is the PRC working calendar: Monday–Friday minus statutory holidays,
	// plus make-up working days (调休), from data/prc.yaml. It is the default
	// calendar of a contract (DESIGN.md, "Business hours").
	PRC = "prc"
	// MonFri is every Monday–Friday, no holidays.
	MonFri = "mon-fri"
	// AllDays is every day of the week, no holidays (a 24×7 contract uses it
	// with the AllDay window).
	AllDays = "24x7"
)

// Calendar says which local dates are working days. A Calendar is immutable
// and safe for concurrent use; Named hands out shared instances.
type Calendar struct {
	name        string
	description string
	everyDay    bool              // 24x7: every date is a working day
	days        map[int64]dayInfo // data calendars: dates that differ from Mon–Fri
	years       map[int]string    // data calendars: covered year -> notice it follows
}

// dayInfo is one date listed in a data file.
type dayInfo struct {
	work bool   // true: make-up working day; false: holiday
	name string // holiday name as written in the data file
}

// Named returns the built-in calendar called name: "prc", "mon-fri" or
// "24x7" (or any other calendar shipped under data/). The result is shared,
// immutable and safe for concurrent use.
func Named(name string) (*Calendar, error) {
	reg, err := registry()
	if err != nil {
		return nil, err
	}
	if c, ok := reg[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("calendar: unknown calendar %q (valid: %s)", name, strings.Join(Names(), ", "))
}

// Names lists the names Named accepts, sorted.
func Names() []string {
	reg, _ := registry()
	names := make([]string, 0, len(reg))
	for n := range reg {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// registry parses the embedded data files once. A parse error is kept and
// returned by every Named call rather than panicking at init, so a bad data
// file fails the loader test with a readable message instead of every
// importing binary.
var registry = sync.OnceValues(func() (map[string]*Calendar, error) {
	reg := map[string]*Calendar{
		MonFri:  {name: MonFri, description: "Monday–Friday, no holidays"},
		AllDays: {name: AllDays, description: "every day, no holidays", everyDay: true},
	}
	loaded, err := loadEmbedded()
	if err != nil {
		return reg, err
	}
	for _, c := range loaded {
		if _, dup := reg[c.name]; dup {
			return reg, fmt.Errorf("calendar: data file defines calendar %q, which already exists", c.name)
		}
		reg[c.name] = c
	}
	return reg, nil
})

// Name returns the name Named knows the calendar by.
func (c *Calendar) Name() string { return c.name }

// Description is a one-line human description of the calendar.
func (c *Calendar) Description() string { return c.description }

// IsWorkday reports whether the local date year-month-day is a working day.
// Out-of-range month and day values are normalised like time.Date does.
func (c *Calendar) IsWorkday(year int, month time.Month, day int) bool {
	y, m, d := normalizeDate(year, month, day)
	return c.workday(daysFromCivil(y, m, d))
}

// Covers reports whether the calendar is complete for year. Rule calendars
// (mon-fri, 24x7) cover every year. A data calendar covers the years its file
// lists; for other years it silently behaves like mon-fri, so callers measuring
// such a year should warn that holidays are not accounted for.
func (c *Calendar) Covers(year int) bool {
	if c.years == nil {
		return true
	}
	_, ok := c.years[year]
	return ok
}

// CoveredYears lists the years a data calendar covers, sorted; nil for rule
// calendars, which cover every year.
func (c *Calendar) CoveredYears() []int {
	if c.years == nil {
		return nil
	}
	ys := make([]int, 0, len(c.years))
	for y := range c.years {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	return ys
}

func (c *Calendar) String() string { return c.name }

// workday is IsWorkday on a day number; the table builder calls it per date.
func (c *Calendar) workday(dn int64) bool {
	if c.everyDay {
		return true
	}
	if info, ok := c.days[dn]; ok {
		return info.work
	}
	wd := weekdayOfDay(dn)
	return wd != time.Saturday && wd != time.Sunday
}

// special returns the data-file entry for a date, if any.
func (c *Calendar) special(dn int64) (dayInfo, bool) {
	info, ok := c.days[dn]
	return info, ok
}
