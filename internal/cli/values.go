package cli

import (
	"errors"
	"slices"
	"strings"
	"time"

	"servicepulse/metrics"
)

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// OneOf is a check accepting only the given values: "want table or json".
func OneOf(want ...string) func(string) error {
	return func(v string) error {
		if slices.Contains(want, v) {
			return nil
		}
		return errors.New("want " + choices(want))
	}
}

// choices lists values as a sentence: "table, json or csv".
func choices(values []string) string {
	if n := len(values); n > 1 {
		return strings.Join(values[:n-1], ", ") + " or " + values[n-1]
	}
	return strings.Join(values, "")
}

// ParseDate reads the date s of flag name, YYYY-MM-DD, in loc.
func ParseDate(name, s string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, Usagef("--%s %q: want a date YYYY-MM-DD", name, s)
	}
	return d, nil
}

// ParseInstant reads the RFC 3339 instant s of flag name; "" is now.
func ParseInstant(name, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, Usagef("--%s %q: want an RFC 3339 time like 2026-10-01T00:00:00+08:00", name, s)
	}
	return t, nil
}

// CohortFlags select the requests opened in a range, judged at an instant:
// --from and --to (both required, --to inclusive) and --as-of (default: now).
type CohortFlags struct {
	From, To, AsOf string
	// Of, set before Register, qualifies the dates in the help: " of the cohort".
	Of string
}

// Register adds --from, --to and --as-of.
func (c *CohortFlags) Register(fs *FlagSet) {
	fs.StringVar(&c.From, "from", "", "first opening date"+c.Of+", YYYY-MM-DD (required)")
	fs.StringVar(&c.To, "to", "", "last opening date"+c.Of+", YYYY-MM-DD, inclusive (required)")
	fs.StringVar(&c.AsOf, "as-of", "", "judge deadlines as of this RFC 3339 instant (default: now)")
}

// Query reads the flags, grouped by the dimensions of by (--by), as Cohort does.
func (c *CohortFlags) Query(cmd, by string) (metrics.Query, error) {
	return Cohort(cmd, c.From, c.To, by, c.AsOf)
}

// Cohort reads the query of command cmd's --from, --to (both required, the
// last day inclusive), --by and --as-of (default: now) flags.
func Cohort(cmd, from, to, by, asOf string) (metrics.Query, error) {
	var q metrics.Query
	if from == "" || to == "" {
		return q, Usagef("%s: --from and --to are required, e.g. --from 2026-07-01 --to 2026-09-30", cmd)
	}
	f, err := ParseDate("from", from, time.UTC)
	if err != nil {
		return q, err
	}
	t, err := ParseDate("to", to, time.UTC)
	if err != nil {
		return q, err
	}
	if t.Before(f) {
		return q, Usagef("--to %s is before --from %s", to, from)
	}
	q.From, q.To = f, t.AddDate(0, 0, 1)
	if q.By, err = metrics.ParseDimensions(by); err != nil {
		return q, Usagef("--by: %v", err)
	}
	q.AsOf, err = ParseInstant("as-of", asOf, time.Now().UTC())
	return q, err
}
