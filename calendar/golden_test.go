package calendar

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the calendar data")

// TestGoldenPRC lists, per covered year, every date where the PRC calendar
// differs from Monday–Friday. A reviewer reads testdata/prc-<year>.golden
// side by side with the State Council notice; a change to data/prc.yaml
// shows up here as a diff.
func TestGoldenPRC(t *testing.T) {
	prc := mustNamed(t, PRC)
	for _, y := range prc.CoveredYears() {
		t.Run(fmt.Sprint(y), func(t *testing.T) {
			got := goldenYear(prc, y)
			path := filepath.Join("testdata", fmt.Sprintf("prc-%d.golden", y))
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the calendar (run with -update after checking the notice):\n--- got\n%s", path, got)
			}
		})
	}
}

func goldenYear(c *Calendar, y int) string {
	var b strings.Builder
	var lines []string
	work, weekdays := 0, 0
	for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
		dn := daysFromCivil(d.Date())
		wd := d.Weekday()
		weekday := wd != time.Saturday && wd != time.Sunday
		if weekday {
			weekdays++
		}
		isWork := c.IsWorkday(d.Date())
		if isWork {
			work++
		}
		if isWork == weekday {
			continue
		}
		info, _ := c.special(dn)
		kind := "holiday   "
		if isWork {
			kind = "workday   "
		}
		lines = append(lines, fmt.Sprintf("%s %s %s%s", d.Format(time.DateOnly), wd.String()[:3], kind, info.name))
	}
	fmt.Fprintf(&b, "# Calendar %q, year %d: every date that differs from Monday–Friday.\n", c.Name(), y)
	fmt.Fprintf(&b, "# holiday = a weekday off; workday = a Saturday/Sunday worked (调休上班).\n")
	fmt.Fprintf(&b, "# Source: %s\n", c.years[y])
	fmt.Fprintf(&b, "# Generated from data/%s.yaml by TestGoldenPRC; regenerate: go test ./calendar -run TestGoldenPRC -update\n", c.Name())
	fmt.Fprintf(&b, "# Working days: %d (Monday–Friday alone: %d).\n", work, weekdays)
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}
