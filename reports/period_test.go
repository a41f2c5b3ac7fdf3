package reports

import (
	"strings"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	d := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }
	for _, tt := range []struct {
		name, in string
		want     Period
		wantErr  bool
	}{
		{name: "month", in: "2026-09", want: Period{"2026-09", d(2026, 9), d(2026, 10), Month}},
		{name: "december rolls the year", in: "2026-12", want: Period{"2026-12", d(2026, 12), d(2027, 1), Month}},
		{name: "quarter", in: "2026-Q3", want: Period{"2026-Q3", d(2026, 7), d(2026, 10), Quarter}},
		{name: "lower-case quarter", in: "2026-q4", want: Period{"2026-Q4", d(2026, 10), d(2027, 1), Quarter}},
		{name: "year", in: "2026", want: Period{"2026", d(2026, 1), d(2027, 1), Year}},
		{name: "month 13", in: "2026-13", wantErr: true},
		{name: "month 0", in: "2026-00", wantErr: true},
		{name: "quarter 5", in: "2026-Q5", wantErr: true},
		{name: "short month", in: "2026-9", wantErr: true},
		{name: "signed month", in: "2026-+9", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "words", in: "last", wantErr: true},
		{name: "date", in: "2026-09-01", wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePeriod(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParsePeriod(%q) = %+v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Label != tt.want.Label || !got.From.Equal(tt.want.From) || !got.To.Equal(tt.want.To) || got.Kind != tt.want.Kind {
				t.Errorf("ParsePeriod(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestPrevious(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		n        int
		want     []string
	}{
		{"months across a year", "2026-02", 3, []string{"2025-11", "2025-12", "2026-01"}},
		{"quarters across a year", "2026-Q2", 3, []string{"2025-Q3", "2025-Q4", "2026-Q1"}},
		{"years", "2026", 2, []string{"2024", "2025"}},
		{"none", "2026-09", 0, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePeriod(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Previous(tt.n)
			if len(got) != len(tt.want) {
				t.Fatalf("%s.Previous(%d) = %v, want %v", tt.in, tt.n, got, tt.want)
			}
			for i, g := range got {
				again, _ := ParsePeriod(g.Label)
				if g.Label != tt.want[i] || !g.From.Equal(again.From) || !g.To.Equal(again.To) || g.Kind != again.Kind {
					t.Errorf("%s.Previous(%d)[%d] = %+v, want %s", tt.in, tt.n, i, g, tt.want[i])
				}
			}
			if len(got) > 0 && !got[len(got)-1].To.Equal(p.From) {
				t.Errorf("last previous period ends %v, want %v", got[len(got)-1].To, p.From)
			}
		})
	}
}

// The default range of `kpi`: the quarter to date in the zone asked for,
// Asia/Shanghai by default, so that just after midnight in Shanghai on the
// first of a quarter it is the new quarter's first day, while in UTC it is
// still the whole previous quarter.
func TestQuarterToDate(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tt := range []struct {
		now      string
		tz       string
		label    string
		from, to string // to exclusive
	}{
		{"2026-12-02T00:28:00Z", "", "2026-Q4 to date", "2026-10-01", "2026-12-03"},
		{"2026-09-30T16:30:00Z", "", "2026-Q4 to date", "2026-10-01", "2026-10-02"},
		{"2026-09-30T16:30:00Z", "Asia/Shanghai", "2026-Q4 to date", "2026-10-01", "2026-10-02"},
		{"2026-09-30T16:30:00Z", "UTC", "2026-Q3 to date", "2026-07-01", "2026-10-01"},
		{"2026-01-01T03:00:00Z", "America/New_York", "2025-Q4 to date", "2025-10-01", "2026-01-01"},
	} {
		now, _ := time.Parse(time.RFC3339, tt.now)
		p, err := QuarterToDate(now, tt.tz)
		if err != nil {
			t.Fatal(err)
		}
		if p.Label != tt.label || !p.From.Equal(day(tt.from)) || !p.To.Equal(day(tt.to)) || p.Kind != Quarter {
			t.Errorf("QuarterToDate(%s, %q) = %s %s … %s, want %s %s … %s", tt.now, tt.tz, p.Label,
				p.From.Format(time.DateOnly), p.To.Format(time.DateOnly), tt.label, tt.from, tt.to)
		}
	}
	if _, err := QuarterToDate(time.Now(), "Mars/Olympus"); err == nil || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Errorf("unknown zone: %v, want an error naming it", err)
	}
}
