package calendar

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultZone is the time zone of a contract that names none.
const DefaultZone = "Asia/Shanghai"

// Interval is a half-open [From, To) span of real time, e.g. a pause of the
// SLA clock while waiting for the customer. An interval with To <= From is empty.
type Interval struct{ From, To time.Time }

// Clock measures business time: the time inside the window on working days
// of the calendar, with window bounds read on the wall clock of loc.
// A Clock is safe for concurrent use. Build one per contract configuration and
// reuse it (or use ClockFor, which caches): it fills a per-year table the
// first time a year is touched (~20 µs per year), after which Elapsed and
// Deadline cost a zone lookup and a binary search.
type Clock struct {
	cal      *Calendar
	win      Window
	loc      *time.Location
	startSec int
	endSec   int

	// Year tables, filled on first use. Years in [slotBase, slotBase+slotCount)
	// live in lock-free slots (the hot path); others behind mu.
	slots [slotCount]atomic.Pointer[yearTable]
	mu    sync.Mutex
	far   map[int]*yearTable
}

const (
	slotBase  = 1900
	slotCount = 400
)

// yearTable is the cumulative business time of one local calendar year.
// Day i (0 = Jan 1) contributes the interval [open[i], open[i]+cum[i+1]-cum[i])
// in Unix seconds, and cum[i] business seconds fall before it. Storing whole
// seconds is exact because window bounds are whole seconds.
//
// lo[i] and next[i] bracket day i: every earlier interval has closed by lo[i]
// and every later one opens at or after next[i]. An instant in [lo[i], next[i])
// is therefore measured by day i alone, which is what makes pos O(1).
type yearTable struct {
	first int64   // day number of Jan 1
	open  []int64 // Unix seconds of the window opening (lo[i] on days off)
	lo    []int64 // close of the previous working day
	next  []int64 // opening of the next working day, possibly next year
	cum   []int64 // len(open)+1; cum[len(open)] is the year's total
}

// NewClock returns a Clock for the calendar, window and location. A nil loc
// means DefaultZone (Asia/Shanghai).
func NewClock(cal *Calendar, w Window, loc *time.Location) (*Clock, error) {
	if cal == nil {
		return nil, errors.New("calendar: new clock: calendar is nil")
	}
	if err := w.Validate(); err != nil {
		return nil, fmt.Errorf("calendar: new clock: window: %w", err)
	}
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(DefaultZone); err != nil {
			return nil, fmt.Errorf("calendar: new clock: load default zone %q: %w", DefaultZone, err)
		}
	}
	return &Clock{
		cal:      cal,
		win:      w,
		loc:      loc,
		startSec: int(w.Start / time.Second),
		endSec:   int(w.End / time.Second),
	}, nil
}

// Calendar returns the clock's calendar.
func (c *Clock) Calendar() *Calendar { return c.cal }

// Window returns the clock's daily window.
func (c *Clock) Window() Window { return c.win }

// Location returns the time zone the window is read in.
func (c *Clock) Location() *time.Location { return c.loc }

// Covers reports whether the calendar is complete for t's local year; when
// it is not (a PRC date after 2026, say), holidays are not accounted for and
// callers should warn. It is Calendar().Covers of the year in the clock's zone.
func (c *Clock) Covers(t time.Time) bool { return c.cal.Covers(t.In(c.loc).Year()) }

// Elapsed is the business time in [from, to) minus the business time inside
// the pauses. Pauses may overlap each other and extend beyond [from, to);
// time paused twice is subtracted once. Elapsed is 0 if to <= from.
// It is exact to the nanosecond.
func (c *Clock) Elapsed(from, to time.Time, pauses ...Interval) time.Duration {
	if !to.After(from) {
		return 0
	}
	e := c.span(from, to)
	if len(pauses) == 0 {
		return e
	}
	var buf [8]Interval
	for _, p := range mergePauses(buf[:0], pauses, from, to, true) {
		e -= c.span(p.From, p.To)
	}
	return e
}

// Deadline is the earliest instant t >= from with Elapsed(from, t, pauses...)
// == d: the due time of a reply promised within d business time.
//
// A request opened outside the window (at night, on a holiday, during a
// pause) starts counting at the next opening, so the deadline of 4 business
// hours for a Friday 23:00 request is Monday 13:00 with a 09:00–18:00 window.
// When the deadline falls exactly on a window close it is that close
// (18:00), not the next opening.
//
// d <= 0 returns from moved forward to the next business instant — the first
// instant >= from at which the clock runs (inside the window on a working day,
// not paused) — rather than from itself: "due immediately" on a Saturday
// means due when the office opens. The result is in from's location.
func (c *Clock) Deadline(from time.Time, d time.Duration, pauses ...Interval) time.Time {
	if d < 0 {
		d = 0
	}
	if len(pauses) == 0 {
		return c.deadline(from, d).In(from.Location())
	}
	var buf [8]Interval
	cur, rem := from, d
	for _, p := range mergePauses(buf[:0], pauses, from, time.Time{}, false) {
		// Pauses are sorted, disjoint and end after from; cur only grows.
		if p.From.After(cur) {
			cand := c.deadline(cur, rem)
			if rem > 0 && !cand.After(p.From) {
				// Reached by the time the pause starts; To is exclusive in
				// Elapsed, so reaching it exactly at p.From counts.
				return cand.In(from.Location())
			}
			if rem == 0 && cand.Before(p.From) {
				// p.From itself is paused, so d=0 must land strictly before.
				return cand.In(from.Location())
			}
			rem -= c.span(cur, p.From) // < rem, since cand is after p.From
		}
		if p.To.After(cur) {
			cur = p.To
		}
	}
	return c.deadline(cur, rem).In(from.Location())
}

// span is Elapsed without pauses.
func (c *Clock) span(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	ya, oa := c.pos(from)
	yb, ob := c.pos(to)
	if ya == yb {
		return time.Duration(ob - oa)
	}
	if ya > yb {
		// Only in a zone whose clock jumps back across New Year: the later
		// instant has the earlier local year. B(to) >= B(from) still holds.
		d := ob - oa
		for y := yb; y < ya; y++ {
			d -= c.year(y).totalNanos()
		}
		return time.Duration(max(d, 0))
	}
	total := c.year(ya).totalNanos() - oa
	for y := ya + 1; y < yb; y++ {
		total = satAdd(total, c.year(y).totalNanos())
	}
	return time.Duration(satAdd(total, ob))
}

// pos locates t as (local year, business nanoseconds since that year began).
// t's local date names the day that measures it, except in zones where
// time.Date puts a window bound on a neighbouring date (a DST jump at
// midnight: America/Santiago's 00:00 that never happens resolves to 23:00 the
// day before); then the loop steps to the neighbour, at most a day or two.
func (c *Clock) pos(t time.Time) (int, int64) {
	sec := t.Unix()
	_, off := t.In(c.loc).Zone()
	dn := floorDiv(sec+int64(off), 86400)
	y := yearOfDay(dn)
	yt := c.year(y)
	i := int(dn - yt.first)
adjust:
	for range 8 {
		switch {
		case sec < yt.lo[i]: // an earlier day's window is still open
			if i--; i < 0 {
				y--
				yt = c.year(y)
				i = len(yt.open) - 1
			}
			continue
		case sec >= yt.next[i]: // a later day's window has opened
			if i++; i == len(yt.open) {
				y++
				yt = c.year(y)
				i = 0
			}
			continue
		}
		break adjust
	}
	base := yt.cum[i]
	dur := yt.cum[i+1] - base
	if dur == 0 {
		return y, base * 1e9
	}
	o := yt.open[i]
	switch {
	case sec < o:
		return y, base * 1e9
	case sec-o >= dur:
		return y, (base + dur) * 1e9
	default:
		return y, (base+sec-o)*1e9 + int64(t.Nanosecond())
	}
}

// deadline is Deadline without pauses; d >= 0. It inverts pos: walk whole
// years by their totals, then binary-search the day and add the remainder.
func (c *Clock) deadline(from time.Time, d time.Duration) time.Time {
	y, o := c.pos(from)
	rem := int64(d)
	strict := rem == 0 // d=0 wants the next instant where time accrues
	for empty := 0; ; y++ {
		yt := c.year(y)
		avail := yt.totalNanos() - o
		if rem < avail || (!strict && rem == avail && rem > 0) {
			return yt.at(o+rem, strict)
		}
		rem -= avail
		o = 0
		// Every calendar has working days and every window has positive
		// length, so years without business time cannot repeat; this guard
		// only keeps a broken zone database from looping forever.
		if avail == 0 && yt.totalNanos() == 0 {
			if empty++; empty > 100 {
				return time.Unix(math.MaxInt64/4, 0)
			}
		} else {
			empty = 0
		}
	}
}

// at returns the instant at business offset target within the year: the
// first day whose cumulative total reaches target (passes it, if strict).
func (yt *yearTable) at(target int64, strict bool) time.Time {
	lo, hi := 1, len(yt.cum)-1 // search j in cum[1:]
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		v := yt.cum[mid] * 1e9
		if v > target || (!strict && v == target) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	i := lo - 1
	within := target - yt.cum[i]*1e9
	return time.Unix(yt.open[i]+within/1e9, within%1e9)
}

func (yt *yearTable) totalNanos() int64 { return yt.cum[len(yt.cum)-1] * 1e9 }

// year returns the table of local year y, building it on first use.
// Concurrent builders of the same year produce identical tables; the first
// stored wins.
func (c *Clock) year(y int) *yearTable {
	if i := y - slotBase; uint(i) < slotCount {
		if yt := c.slots[i].Load(); yt != nil {
			return yt
		}
		yt := c.build(y)
		if c.slots[i].CompareAndSwap(nil, yt) {
			return yt
		}
		return c.slots[i].Load()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if yt, ok := c.far[y]; ok {
		return yt
	}
	if c.far == nil {
		c.far = map[int]*yearTable{}
	}
	yt := c.build(y)
	c.far[y] = yt
	return yt
}

func (c *Clock) build(y int) *yearTable {
	n := daysInYear(y)
	first := daysFromCivil(y, time.January, 1)
	yt := &yearTable{
		first: first,
		open:  make([]int64, n),
		lo:    make([]int64, n),
		next:  make([]int64, n),
		cum:   make([]int64, n+1),
	}
	// Intervals are clamped to open no earlier than the previous one closed,
	// so they never overlap, even where a zone's clock jumps back across
	// midnight. The neighbouring years are probed through bounds directly
	// (not their tables) so building one year never builds another.
	prevClose := int64(math.MinInt64)
	if dn, ok := c.nearestWorkday(first-1, -1); ok {
		_, prevClose = c.bounds(dn)
	}
	for i := range n {
		dn := first + int64(i)
		yt.lo[i] = prevClose
		yt.open[i] = prevClose
		yt.cum[i+1] = yt.cum[i]
		if !c.cal.workday(dn) {
			continue
		}
		o, e := c.bounds(dn)
		o = max(o, prevClose)
		e = max(e, o)
		yt.open[i] = o
		yt.cum[i+1] += e - o
		prevClose = e
	}
	nextOpen := int64(math.MaxInt64)
	if dn, ok := c.nearestWorkday(first+int64(n), +1); ok {
		o, _ := c.bounds(dn)
		nextOpen = max(o, prevClose)
	}
	for i := n - 1; i >= 0; i-- {
		yt.next[i] = nextOpen
		if yt.cum[i+1] > yt.cum[i] {
			nextOpen = yt.open[i]
		}
	}
	return yt
}

// nearestWorkday walks from day dn in direction step to the first working
// day, giving up after a year (no built-in calendar has such a gap).
func (c *Clock) nearestWorkday(dn, step int64) (int64, bool) {
	for range 366 {
		if c.cal.workday(dn) {
			return dn, true
		}
		dn += step
	}
	return 0, false
}

// bounds returns the window of local day dn in Unix seconds. time.Date with
// the offset in seconds reads the wall clock of that very date, so DST days
// get their true length (never "midnight + 24h").
func (c *Clock) bounds(dn int64) (open, close int64) {
	y, m, d := civilFromDays(dn)
	return time.Date(y, m, d, 0, 0, c.startSec, 0, c.loc).Unix(),
		time.Date(y, m, d, 0, 0, c.endSec, 0, c.loc).Unix()
}

// mergePauses clips the pauses to start at lo (and end at hi, if clipHi),
// drops empty ones, sorts them and merges overlapping or touching ones, so
// no instant is subtracted twice. It appends to buf to stay off the heap for
// the usual handful of pauses.
func mergePauses(buf, pauses []Interval, lo, hi time.Time, clipHi bool) []Interval {
	for _, p := range pauses {
		if p.From.Before(lo) {
			p.From = lo
		}
		if clipHi && p.To.After(hi) {
			p.To = hi
		}
		if p.To.After(p.From) {
			buf = append(buf, p)
		}
	}
	if len(buf) < 2 {
		return buf
	}
	slices.SortFunc(buf, func(a, b Interval) int { return a.From.Compare(b.From) })
	out := buf[:1]
	for _, p := range buf[1:] {
		last := &out[len(out)-1]
		if !p.From.After(last.To) {
			if p.To.After(last.To) {
				last.To = p.To
			}
			continue
		}
		out = append(out, p)
	}
	return out
}

func satAdd(a, b int64) int64 {
	if s := a + b; (s > a) == (b > 0) {
		return s
	}
	if b > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// clockKey identifies a cached clock by its canonical configuration.
type clockKey struct{ calendar, window, zone string }

var clocks sync.Map // clockKey -> *Clock

// ClockFor returns a shared Clock for a contract's configuration strings:
// calendar name ("" means PRC), window as ParseWindow reads it, and IANA zone
// ("" means DefaultZone). Clocks are cached for the life of the process, so
// their year tables are built once however many requests use them.
func ClockFor(calendar, window, zone string) (*Clock, error) {
	if calendar == "" {
		calendar = PRC
	}
	if zone == "" {
		zone = DefaultZone
	}
	w, err := ParseWindow(window)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	key := clockKey{calendar, w.String(), zone}
	if c, ok := clocks.Load(key); ok {
		return c.(*Clock), nil
	}
	cal, err := Named(calendar)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("calendar: time zone %q: %w", zone, err)
	}
	c, err := NewClock(cal, w, loc)
	if err != nil {
		return nil, err
	}
	actual, _ := clocks.LoadOrStore(key, c)
	return actual.(*Clock), nil
}
