package calendar

import (
	"strings"
	"testing"
	"time"
)

// TestEmbeddedData re-checks every shipped file against the rules a reviewer
// relies on; parseCalendar enforces them, this test proves each file passes
// and spells the rules out once more on the decoded result.
func TestEmbeddedData(t *testing.T) {
	files, err := dataFS.ReadDir("data")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no embedded data files")
	}
	for _, f := range files {
		t.Run(f.Name(), func(t *testing.T) {
			b, err := dataFS.ReadFile("data/" + f.Name())
			if err != nil {
				t.Fatal(err)
			}
			c, err := parseCalendar(f.Name(), b)
			if err != nil {
				t.Fatal(err)
			}
			holidays := map[int]int{}
			for dn, info := range c.days {
				y, _, _ := civilFromDays(dn)
				if !c.Covers(y) {
					t.Errorf("%s lies in %d, which the file does not cover", formatDay(dn), y)
				}
				wd := weekdayOfDay(dn)
				weekend := wd == time.Saturday || wd == time.Sunday
				if info.work && !weekend {
					t.Errorf("workday %s is a %s", formatDay(dn), wd)
				}
				if !info.work {
					holidays[y]++
				}
				if info.name == "" {
					t.Errorf("%s has no name", formatDay(dn))
				}
			}
			for _, y := range c.CoveredYears() {
				if holidays[y] == 0 {
					t.Errorf("year %d lists no holidays", y)
				}
			}
		})
	}
}

func TestParseCalendarRejects(t *testing.T) {
	const head = "name: x\nyears:\n  2025:\n    notice: n\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"empty", "", "empty file"},
		{"name mismatch", "name: y\nyears: {2025: {notice: n, holidays: [{name: a, date: 2025-01-01}]}}", `name "y" must match the file name "x"`},
		{"no years", "name: x\n", "no years"},
		{"no notice", "name: x\nyears: {2025: {holidays: [{name: a, date: 2025-01-01}]}}", "notice is empty"},
		{"no holidays", head, "no holidays listed"},
		{"bad date", head + "    holidays: [{name: a, date: 2025-02-30}]", `date "2025-02-30" is not YYYY-MM-DD`},
		{"wrong year", head + "    holidays: [{name: a, date: 2026-01-01}]", `date "2026-01-01" is not in 2025`},
		{"reversed span", head + "    holidays: [{name: a, from: 2025-10-08, to: 2025-10-01}]", `from "2025-10-08" is after to "2025-10-01"`},
		{"long span", head + "    holidays: [{name: a, from: 2025-10-01, to: 2025-11-01}]", "32 days, more than 14"},
		{"date and span", head + "    holidays: [{name: a, date: 2025-01-01, from: 2025-01-01, to: 2025-01-02}]", "either date, or from and to"},
		{"only from", head + "    holidays: [{name: a, from: 2025-01-01}]", "either date, or from and to"},
		{"no name", head + "    holidays: [{date: 2025-01-01}]", "name is empty"},
		{"workday on weekday", head + "    holidays: [{name: a, date: 2025-01-01}]\n    workdays: [{name: a, date: 2025-01-02}]", "2025-01-02 is a Thursday"},
		{"both", head + "    holidays: [{name: a, from: 2025-09-27, to: 2025-09-28}]\n    workdays: [{name: b, date: 2025-09-28}]", "2025-09-28 is both a holiday and a workday"},
		{"twice", head + "    holidays: [{name: a, date: 2025-01-01}, {name: b, date: 2025-01-01}]", "holiday 2025-01-01 is listed twice"},
		{"unknown field", head + "    holidays: [{name: a, day: 2025-01-01}]", "field day not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCalendar("x.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestNamed(t *testing.T) {
	for _, name := range []string{PRC, MonFri, AllDays} {
		c, err := Named(name)
		if err != nil {
			t.Fatalf("Named(%q): %v", name, err)
		}
		if c.Name() != name {
			t.Errorf("Named(%q).Name() = %q", name, c.Name())
		}
		if again, _ := Named(name); again != c {
			t.Errorf("Named(%q) returned a different instance the second time", name)
		}
	}
	_, err := Named("PRC ")
	if err == nil || !strings.Contains(err.Error(), `unknown calendar "PRC "`) || !strings.Contains(err.Error(), "24x7, mon-fri, prc") {
		t.Fatalf("Named(bad) error = %v, want it to quote the name and list the valid ones", err)
	}
}

func TestCovers(t *testing.T) {
	prc := mustNamed(t, PRC)
	for y, want := range map[int]bool{2023: false, 2024: true, 2025: true, 2026: true, 2027: false} {
		if got := prc.Covers(y); got != want {
			t.Errorf("prc.Covers(%d) = %v, want %v", y, got, want)
		}
	}
	if got := prc.CoveredYears(); len(got) != 3 || got[0] != 2024 || got[2] != 2026 {
		t.Errorf("prc.CoveredYears() = %v", got)
	}
	for _, name := range []string{MonFri, AllDays} {
		if c := mustNamed(t, name); !c.Covers(1999) || !c.Covers(2099) || c.CoveredYears() != nil {
			t.Errorf("%s should cover every year", name)
		}
	}
}

func TestIsWorkday(t *testing.T) {
	prc, monFri, all := mustNamed(t, PRC), mustNamed(t, MonFri), mustNamed(t, AllDays)
	tests := []struct {
		name         string
		y            int
		m            time.Month
		d            int
		prc, mf, all bool
	}{
		{"2025 National Day Wed", 2025, 10, 1, false, true, true},
		{"2025 National Day+Mid-Autumn Wed 10/8", 2025, 10, 8, false, true, true},
		{"2025 make-up Sun 9/28", 2025, 9, 28, true, false, true},
		{"2025 make-up Sat 10/11", 2025, 10, 11, true, false, true},
		{"2025 ordinary Sat", 2025, 11, 22, false, false, true},
		{"2025 ordinary Mon", 2025, 11, 24, true, true, true},
		{"2024 除夕 Fri 2/9 stays a workday", 2024, 2, 9, true, true, true},
		{"2024 make-up Sun 2/18", 2024, 2, 18, true, false, true},
		{"2026 make-up Sun 1/4", 2026, 1, 4, true, false, true},
		{"2026 元旦 Fri 1/2", 2026, 1, 2, false, true, true},
		{"2026 春节 Mon 2/23", 2026, 2, 23, false, true, true},
		{"2027 uncovered: Fri 10/1 falls back to Mon–Fri", 2027, 10, 1, true, true, true},
		{"normalised like time.Date: 2025-09-31 is 10/1", 2025, 9, 31, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				cal  *Calendar
				want bool
			}{{prc, tt.prc}, {monFri, tt.mf}, {all, tt.all}} {
				if got := c.cal.IsWorkday(tt.y, tt.m, tt.d); got != c.want {
					t.Errorf("%s.IsWorkday(%d-%02d-%02d) = %v, want %v", c.cal.Name(), tt.y, tt.m, tt.d, got, c.want)
				}
			}
		})
	}
}

// TestWorkingDayCounts pins the yearly totals, computed by hand:
// weekdays in the year − holidays on weekdays + make-up weekend days.
//
//	2024: 262 − 19 + 8 = 251 (the figure published when the notice came out)
//	2025: 261 − 18 + 5 = 248
//	2026: 261 − 19 + 6 = 248
func TestWorkingDayCounts(t *testing.T) {
	prc := mustNamed(t, PRC)
	for y, want := range map[int]int{2024: 251, 2025: 248, 2026: 248} {
		n := 0
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			if prc.IsWorkday(d.Date()) {
				n++
			}
		}
		if n != want {
			t.Errorf("%d: %d working days, want %d", y, n, want)
		}
	}
}

func mustNamed(t testing.TB, name string) *Calendar {
	t.Helper()
	c, err := Named(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
