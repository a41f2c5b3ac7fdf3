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
