package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PeriodKind is the length of a reporting period.
type PeriodKind string

// Period kinds.
const (
	Month   PeriodKind = "month"
	Quarter PeriodKind = "quarter"
	Year    PeriodKind = "year"
)

// Period is a calendar period of request opening dates: From ≤ d < To. The
// dates are calendar days (UTC midnight), read by metrics.Query as local
// dates of each contract.
type Period struct {
	Label string     `json:"label"` // "2026-09", "2026-Q3", "2026"
	From  time.Time  `json:"from"`
	To    time.Time  `json:"to"` // exclusive
	Kind  PeriodKind `json:"kind"`
}

// ParsePeriod reads "2026-09" (a month), "2026-Q3" (a quarter) or "2026" (a
// year).
func ParsePeriod(s string) (Period, error) {
	bad := func() (Period, error) {
		return Period{}, fmt.Errorf("invalid period %q: want YYYY-MM, YYYY-Qn or YYYY", s)
	}
	year := func(y string) (int, bool) {
		n, err := strconv.Atoi(y)
		return n, err == nil && len(y) == 4 && n >= 1970 && n <= 9999
	}
	switch {
	case len(s) == 4:
		y, ok := year(s)
		if !ok {
			return bad()
		}
		return yearOf(y), nil
	case len(s) == 7 && (s[5] == 'Q' || s[5] == 'q') && s[4] == '-':
		y, ok := year(s[:4])
		q := int(s[6] - '0')
		if !ok || q < 1 || q > 4 {
			return bad()
		}
		return quarterOf(y, q), nil
	case len(s) == 7 && s[4] == '-':
		y, ok := year(s[:4])
		m, err := strconv.Atoi(s[5:])
		if !ok || err != nil || m < 1 || m > 12 || strings.ContainsAny(s[5:], "+-") {
			return bad()
		}
		return monthOf(y, time.Month(m)), nil
	}
	return bad()
}

func date(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

func monthOf(y int, m time.Month) Period {
	f := date(y, m)
	return Period{Label: f.Format("2006-01"), From: f, To: f.AddDate(0, 1, 0), Kind: Month}
}

func quarterOf(y, q int) Period {
	f := date(y, time.Month(3*(q-1)+1))
	return Period{Label: fmt.Sprintf("%d-Q%d", y, q), From: f, To: f.AddDate(0, 3, 0), Kind: Quarter}
}

func yearOf(y int) Period {
	f := date(y, 1)
	return Period{Label: strconv.Itoa(y), From: f, To: f.AddDate(1, 0, 0), Kind: Year}
}

// Previous returns the n periods of the same kind before p, oldest first.
func (p Period) Previous(n int) []Period {
	out := make([]Period, 0, max(n, 0))
	for i := n; i >= 1; i-- {
		switch p.Kind {
		case Month:
			f := p.From.AddDate(0, -i, 0)
			out = append(out, monthOf(f.Year(), f.Month()))
		case Quarter:
			f := p.From.AddDate(0, -3*i, 0)
			out = append(out, quarterOf(f.Year(), (int(f.Month())+2)/3))
		case Year:
			out = append(out, yearOf(p.From.Year()-i))
		}
	}
	return out
}
