package calendar

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Calendars are data, not code (DESIGN.md): one YAML file per calendar.
//
//go:embed data/*.yaml
var dataFS embed.FS

// maxHolidaySpan bounds one holiday entry. The longest official span so far
// is 9 days (春节 2026); a longer one is almost certainly a typo in a date.
const maxHolidaySpan = 14

type fileSpec struct {
	Name        string           `yaml:"name"`
	Description string           `yaml:"description"`
	Years       map[int]yearSpec `yaml:"years"`
}

type yearSpec struct {
	Notice   string    `yaml:"notice"`
	Holidays []daySpec `yaml:"holidays"`
	Workdays []daySpec `yaml:"workdays"`
}

// daySpec is one entry: a single date, or an inclusive from–to span.
type daySpec struct {
	Name string    `yaml:"name"`
	Date civilDate `yaml:"date"`
	From civilDate `yaml:"from"`
	To   civilDate `yaml:"to"`
}

// civilDate is a YYYY-MM-DD date. It decodes from the node text itself so
// YAML's timestamp resolution cannot shift it through a time zone.
type civilDate struct {
	set  bool
	text string
	day  int64
	year int
}

func (d *civilDate) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(time.DateOnly, n.Value)
	if err != nil {
		return fmt.Errorf("line %d: date %q is not YYYY-MM-DD", n.Line, n.Value)
	}
	*d = civilDate{set: true, text: n.Value, day: daysFromCivil(t.Date()), year: t.Year()}
	return nil
}

func loadEmbedded() ([]*Calendar, error) {
	files, err := dataFS.ReadDir("data")
	if err != nil {
		return nil, fmt.Errorf("calendar: read embedded data: %w", err)
	}
	var out []*Calendar
	for _, f := range files {
		b, err := dataFS.ReadFile("data/" + f.Name())
		if err != nil {
			return nil, fmt.Errorf("calendar: read embedded data: %w", err)
		}
		c, err := parseCalendar(f.Name(), b)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// parseCalendar decodes and validates one data file. Every rule a reviewer
// would otherwise check by eye is checked here, and errors quote the value.
func parseCalendar(file string, data []byte) (*Calendar, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("calendar data %q: %s", file, fmt.Sprintf(format, args...))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var spec fileSpec
	if err := dec.Decode(&spec); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fail("empty file")
		}
		return nil, fail("%v", err)
	}
	stem := strings.TrimSuffix(path.Base(file), path.Ext(file))
	if spec.Name != stem {
		return nil, fail("name %q must match the file name %q", spec.Name, stem)
	}
	if len(spec.Years) == 0 {
		return nil, fail("no years")
	}
	c := &Calendar{
		name:        spec.Name,
		description: spec.Description,
		days:        map[int64]dayInfo{},
		years:       map[int]string{},
	}
	for year, ys := range spec.Years {
		if ys.Notice == "" {
			return nil, fail("year %d: notice is empty (cite the official source)", year)
		}
		if len(ys.Holidays) == 0 {
			return nil, fail("year %d: no holidays listed", year)
		}
		c.years[year] = ys.Notice
		for _, kind := range []struct {
			work    bool
			label   string
			entries []daySpec
		}{{false, "holiday", ys.Holidays}, {true, "workday", ys.Workdays}} {
			for _, e := range kind.entries {
				days, err := e.days(year)
				if err != nil {
					return nil, fail("year %d: %s %q: %v", year, kind.label, e.Name, err)
				}
				for _, dn := range days {
					ds := formatDay(dn)
					if kind.work {
						if wd := weekdayOfDay(dn); wd != time.Saturday && wd != time.Sunday {
							return nil, fail("year %d: workday %q: %s is a %s; make-up workdays are Saturdays or Sundays", year, e.Name, ds, wd)
						}
					}
					if prev, dup := c.days[dn]; dup {
						if prev.work != kind.work {
							return nil, fail("year %d: %s is both a holiday and a workday (%q, %q)", year, ds, prev.name, e.Name)
						}
						return nil, fail("year %d: %s %s is listed twice (%q, %q)", year, kind.label, ds, prev.name, e.Name)
					}
					c.days[dn] = dayInfo{work: kind.work, name: e.Name}
				}
			}
		}
	}
	return c, nil
}

// days expands an entry into day numbers, checking it against its year.
func (e daySpec) days(year int) ([]int64, error) {
	if e.Name == "" {
		return nil, errors.New("name is empty")
	}
	var from, to civilDate
	switch {
	case e.Date.set && !e.From.set && !e.To.set:
		from, to = e.Date, e.Date
	case !e.Date.set && e.From.set && e.To.set:
		from, to = e.From, e.To
	default:
		return nil, errors.New("give either date, or from and to")
	}
	for _, d := range []civilDate{from, to} {
		if d.year != year {
			return nil, fmt.Errorf("date %q is not in %d", d.text, year)
		}
	}
	if to.day < from.day {
		return nil, fmt.Errorf("from %q is after to %q", from.text, to.text)
	}
	if n := to.day - from.day + 1; n > maxHolidaySpan {
		return nil, fmt.Errorf("span %q to %q is %d days, more than %d", from.text, to.text, n, maxHolidaySpan)
	}
	var out []int64
	for dn := from.day; dn <= to.day; dn++ {
		out = append(out, dn)
	}
	return out, nil
}

func formatDay(dn int64) string {
	y, m, d := civilFromDays(dn)
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), d)
}
