package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Window is the daily support window in local wall-clock time, as offsets
// from local midnight: 0 <= Start < End <= 24h, whole seconds. 09:00–18:00 is
// Window{9 * time.Hour, 18 * time.Hour}. The offsets are wall-clock readings,
// not elapsed time: on a DST day 00:00–24:00 lasts 23 or 25 hours.
type Window struct{ Start, End time.Duration }

// AllDay is the window of a 24×7 contract: 00:00–24:00.
var AllDay = Window{0, 24 * time.Hour}

// ParseWindow parses "HH:MM-HH:MM" (seconds optional: "HH:MM:SS"), e.g.
// "09:00-18:00"; "24h" and "00:00-24:00" both mean AllDay. Spaces around the
// parts are ignored. Errors quote s.
func ParseWindow(s string) (Window, error) {
	t := strings.TrimSpace(s)
	if t == "24h" {
		return AllDay, nil
	}
	a, b, ok := strings.Cut(t, "-")
	if !ok {
		return Window{}, fmt.Errorf("window %q: want \"HH:MM-HH:MM\" or \"24h\"", s)
	}
	start, err := parseClock(strings.TrimSpace(a))
	if err != nil {
		return Window{}, fmt.Errorf("window %q: start: %w", s, err)
	}
	end, err := parseClock(strings.TrimSpace(b))
	if err != nil {
		return Window{}, fmt.Errorf("window %q: end: %w", s, err)
	}
	w := Window{start, end}
	if err := w.Validate(); err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	return w, nil
}

// parseClock parses "HH:MM" or "HH:MM:SS" with 00 <= HH <= 24; 24 only as 24:00.
func parseClock(s string) (time.Duration, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	limits := []int{24, 59, 59}
	var v [3]int
	for i, p := range parts {
		if len(p) != 2 {
			return 0, fmt.Errorf("%q is not HH:MM (two digits each)", s)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > limits[i] {
			return 0, fmt.Errorf("%q is not a valid time of day", s)
		}
		v[i] = n
	}
	if v[0] == 24 && (v[1] != 0 || v[2] != 0) {
		return 0, fmt.Errorf("%q is after 24:00", s)
	}
	return time.Duration(v[0])*time.Hour + time.Duration(v[1])*time.Minute + time.Duration(v[2])*time.Second, nil
}

// Validate reports whether 0 <= Start < End <= 24h and both are whole seconds.
func (w Window) Validate() error {
	switch {
	case w.Start < 0:
		return fmt.Errorf("start %s is before 00:00", w.Start)
	case w.End > 24*time.Hour:
		return fmt.Errorf("end %s is after 24:00", w.End)
	case w.Start >= w.End:
		return fmt.Errorf("start %s is not before end %s", formatClock(w.Start), formatClock(w.End))
	case w.Start%time.Second != 0 || w.End%time.Second != 0:
		return fmt.Errorf("window %s–%s is not in whole seconds", w.Start, w.End)
	}
	return nil
}

// IsAllDay reports whether w is 00:00–24:00.
func (w Window) IsAllDay() bool { return w == AllDay }

// String formats w the way ParseWindow reads it: "09:00-18:00", "00:00-24:00".
func (w Window) String() string { return formatClock(w.Start) + "-" + formatClock(w.End) }

// MarshalText makes Window a plain string in YAML/JSON contract files.
func (w Window) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// UnmarshalText accepts what ParseWindow accepts.
func (w *Window) UnmarshalText(b []byte) error {
	v, err := ParseWindow(string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

func formatClock(d time.Duration) string {
	if d < 0 || d > 24*time.Hour {
		return d.String()
	}
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if s != 0 || d%time.Second != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}
