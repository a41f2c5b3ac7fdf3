package metrics

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The catalog is dialect-neutral: no file of package metrics writes a
// Grafana plugin macro ($__…) or a dashboard variable (${…}); the Grafana
// dialect is package dashboards'.
func TestNoGrafanaSyntax(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		n++
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"$__", "${"} {
			if strings.Contains(string(b), s) {
				t.Errorf("%s writes %q: Grafana syntax belongs in package dashboards", f, s)
			}
		}
	}
	if n < 5 {
		t.Fatalf("read %d non-test Go files of package metrics, want the whole package", n)
	}
}

// The CLI dialect: literal dates (To exclusive), a literal instant, the
// filters as equalities in the order of the dimensions' names, one line.
func TestQueryScope(t *testing.T) {
	q := Query{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		Filter: map[Dimension]string{ByRegion: "East", ByPartner: "PT-'A"},
		AsOf:   time.Date(2026, 10, 15, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))}
	s := q.Scope()
	if want := "opened_date >= toDate('2026-09-01') AND opened_date < toDate('2026-10-01')"; s.Cohort != want {
		t.Errorf("cohort %q, want %q", s.Cohort, want)
	}
	if want := []string{`partner_id = 'PT-\'A'`, "region = 'East'"}; !slices.Equal(s.Filters, want) {
		t.Errorf("filters %q, want %q", s.Filters, want)
	}
	if want := "toDateTime('2026-10-15 00:00:00', 'UTC')"; s.AsOf != want {
		t.Errorf("as-of %q, want %q", s.AsOf, want)
	}
	if want := s.Cohort + " AND " + s.Filters[0] + " AND " + s.Filters[1]; s.Where() != want {
		t.Errorf("where %q, want %q", s.Where(), want)
	}
	s.Multiline = true
	if want := s.Cohort + "\n  AND " + s.Filters[0] + "\n  AND " + s.Filters[1]; s.Where() != want {
		t.Errorf("multiline where %q, want %q", s.Where(), want)
	}
}

// SelectSQL writes each KPI's catalog expression with the scope's instant,
// skips the derived score, and leaves the order to the dialect.
func TestSelectSQL(t *testing.T) {
	s := Scope{Cohort: "c", Filters: []string{"f"}, AsOf: "X"}
	reply, eval, parts := kpi(t, "reply_sla_rate"), kpi(t, EvaluationID), kpi(t, "breaches_late_parts")
	got := SelectSQL([]KPI{reply, eval, parts}, []Dimension{ByPartner, ByMonth}, s)
	want := "SELECT partner_id AS d_partner,\n  toStartOfMonth(opened_date) AS d_month,\n  " +
		strings.ReplaceAll(reply.Expr, "{asof}", "X") + " AS k_reply_sla_rate,\n  " +
		strings.ReplaceAll(parts.Expr, "{asof}", "X") + " AS k_breaches_late_parts" +
		"\nFROM request_state FINAL\nWHERE c AND f\nGROUP BY d_partner, d_month"
	if got != want {
		t.Errorf("SelectSQL:\n%s\nwant\n%s", got, want)
	}
}

// The listing's conditions are the KPIs' own: the late-part line of
// breaches_late_parts, the milestones of breaches_late_reply and _onsite.
func TestConditionsAreTheCatalogs(t *testing.T) {
	if got, want := LatePart("d", "a", "X"), "((toUInt32(a) > 0 AND a > d) OR (toUInt32(a) = 0 AND d < X))"; got != want {
		t.Errorf("LatePart = %q, want %q", got, want)
	}
	parts := kpi(t, "breaches_late_parts")
	line := LatePart("d", "a", "{asof}")
	if !strings.Contains(parts.Expr, "(d, a) -> "+line[1:len(line)-1]+", part_due") {
		t.Errorf("breaches_late_parts does not count LatePart: %s", parts.Expr)
	}
	for _, m := range Milestones {
		id := map[string]string{"reply": "breaches_late_reply", "on-site": "breaches_late_onsite"}[m.Name]
		if want := "countIf(" + m.PastDue("{asof}") + ")"; kpi(t, id).Expr != want {
			t.Errorf("%s counts %s, not PastDue of %s", id, kpi(t, id).Expr, m.Name)
		}
	}
}

// The CLI splits its reads by the months of its range, whole months, To
// exclusive, one part for a range within one month.
func TestMonthsOf(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"one month", d(2026, 9, 1), d(2026, 10, 1), []string{"toYYYYMM(opened_date) = 202609"}},
		{"part of one month", d(2026, 9, 10), d(2026, 9, 20), []string{"toYYYYMM(opened_date) = 202609"}},
		{"a quarter", d(2026, 7, 1), d(2026, 10, 1), []string{"toYYYYMM(opened_date) = 202607",
			"toYYYYMM(opened_date) = 202608", "toYYYYMM(opened_date) = 202609"}},
		{"mid-month to mid-month, over a new year", d(2026, 12, 15), d(2027, 1, 2), []string{
			"toYYYYMM(opened_date) = 202612", "toYYYYMM(opened_date) = 202701"}},
		{"a date in its own zone", time.Date(2026, 8, 31, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)),
			time.Date(2026, 9, 2, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)), []string{
				"toYYYYMM(opened_date) = 202608", "toYYYYMM(opened_date) = 202609"}},
	} {
		if got := MonthsOf(c.from, c.to); !slices.Equal(got, c.want) {
			t.Errorf("%s: MonthsOf = %q, want %q", c.name, got, c.want)
		}
	}
	q := Query{From: d(2026, 7, 1), To: d(2026, 10, 1), AsOf: d(2026, 10, 15)}
	if got := q.Scope().Split; len(got) != 3 {
		t.Errorf("a quarter's scope splits into %q, want its three months", got)
	}
}

// Dashboards split the dates from lo to hi: n months from lo, each cut at
// hi, then the rest up to hi.
func TestMonthsBetween(t *testing.T) {
	got := MonthsBetween("L", "H", 2)
	want := []string{"opened_date >= L AND opened_date < least(addMonths(L, 1), H)",
		"opened_date >= addMonths(L, 1) AND opened_date < least(addMonths(L, 2), H)",
		"opened_date >= addMonths(L, 2) AND opened_date < H"}
	if !slices.Equal(got, want) {
		t.Errorf("MonthsBetween = %q, want %q", got, want)
	}
}

// Source reads one FINAL without a split, and one per part with it, with
// nothing but the part's months inside: the cohort applies after FINAL.
func TestSource(t *testing.T) {
	if got := (Scope{Cohort: "c"}).Source(); got != "request_state FINAL" {
		t.Errorf("unsplit source %q", got)
	}
	got := Scope{Cohort: "c", Filters: []string{"f"}, Split: []string{"p1", "p2"}}.Source()
	want := "(\n  SELECT * FROM request_state FINAL WHERE p1\n  UNION ALL\n  SELECT * FROM request_state FINAL WHERE p2\n)"
	if got != want {
		t.Errorf("split source:\n%s\nwant\n%s", got, want)
	}
}
