package metrics

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"servicepulse/transform"
)

func TestSplitAdditive(t *testing.T) {
	cases := []struct {
		expr    string
		ok      bool
		combine string
		terms   []string
	}{
		{"100 * countIf(a = 1) / countIf(b)", true, "100 * {0} / {1}", []string{"countIf(a = 1)", "countIf(b)"}},
		{"count()", true, "{0}", []string{"count()"}},
		{"100 * sum(x) / count()", true, "100 * {0} / {1}", []string{"sum(x)", "count()"}},
		// The same sum twice is one term.
		{"(countIf(a) - countIf(b)) / countIf(a)", true, "({0} - {1}) / {0}", []string{"countIf(a)", "countIf(b)"}},
		{"avgIf(x, c > 0)", true, "({0} / {1})", []string{"sumIf(x, c > 0)", "countIf(c > 0)"}},
		// Parentheses and names inside a string literal are text.
		{"countIf(s = 'count(') + sum(arrayCount(x -> x > 0, a))", true, "{0} + {1}", []string{"countIf(s = 'count(')", "sum(arrayCount(x -> x > 0, a))"}},
		// arrayCount and countEqual are not sums of rows.
		{"sum(countEqual(c, 'x'))", true, "{0}", []string{"sum(countEqual(c, 'x'))"}},
		{"quantileExactIf(0.5)(x, c)", false, "", nil},
		{"100 * countIf(a) / quantileExact(0.9)(x)", false, "", nil},
		{"max(x)", false, "", nil},
		{"countIf(a", false, "", nil},
	}
	for _, c := range cases {
		a, ok := splitAdditive(c.expr)
		if ok != c.ok || a.Combine != c.combine || strings.Join(a.Terms, "|") != strings.Join(c.terms, "|") {
			t.Errorf("splitAdditive(%q) = %q %q %v, want %q %q %v", c.expr, a.Combine, a.Terms, ok, c.combine, c.terms, c.ok)
		}
	}
}

// Every KPI but the percentiles can be read from the rollup, and its
// additive form is its expression: the sums put back give Expr (avgIf
// written as its sum over its count).
func TestEveryKPIButThePercentilesIsAdditive(t *testing.T) {
	for _, k := range catalog {
		if k.Expr == "" {
			continue
		}
		if Additive(k) == strings.Contains(k.Expr, "quantile") {
			t.Errorf("%s: additive %v, expression %s", k.ID, Additive(k), k.Expr)
			continue
		}
		if !Additive(k) || strings.Contains(k.Expr, "avgIf(") {
			continue
		}
		r := additives[k.ID]
		if got := r.expand(func(i int) string { return rollupTerms[r.pos[i]] }); got != k.Expr {
			t.Errorf("%s: the sums put back give\n%s\nwant\n%s", k.ID, got, k.Expr)
		}
	}
}

// A build's as-of sums hold until the first instant still ahead in a
// column they read (clockColumns): that is only true when every sum
// compares the instant with a column's value (or a lambda's element of an
// array column), never with arithmetic on it, such as reply_due + 3600 <
// {asof}. clockNow, the instant held by an open pause, counts as the
// instant, and its own columns are clock columns.
func TestClockTermsCompareColumnsWithTheInstant(t *testing.T) {
	compared := regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]* (<|<=|>|>=) (\{asof\}|CLOCK)`)
	for _, term := range rollupTerms {
		if !strings.Contains(term, asOfPlaceholder) {
			continue
		}
		s := strings.ReplaceAll(term, clockNow, "CLOCK")
		rest := compared.ReplaceAllString(s, "")
		if strings.Contains(rest, asOfPlaceholder) || strings.Contains(rest, "CLOCK") {
			t.Errorf("a sum uses the as-of instant other than in a comparison with a column:\n%s", s)
		}
		if strings.Contains(s, "CLOCK") && !clockColumns["paused_since"] {
			t.Errorf("paused_since is not a clock column")
		}
	}
	for _, c := range []string{"reply_due", "onsite_due", "part_due", "reply_warn_50", "paused_since"} {
		if !clockColumns[c] {
			t.Errorf("%s is not a clock column", c)
		}
	}
}

// The catalog's medians and p90s of one measure are one quantilesExactIf.
func TestFuseQuantiles(t *testing.T) {
	f := fuseQuantiles(catalog)
	want := map[string]string{
		"reply_hours_p50": "if(countIf(toUInt32(replied_at) > 0) = 0, nan, quantilesExactIf(0.5, 0.9)(reply_bh, toUInt32(replied_at) > 0)[1])",
		"reply_hours_p90": "if(countIf(toUInt32(replied_at) > 0) = 0, nan, quantilesExactIf(0.5, 0.9)(reply_bh, toUInt32(replied_at) > 0)[2])",
	}
	for id, w := range want {
		if f[id] != w {
			t.Errorf("%s: %q, want %q", id, f[id], w)
		}
	}
	if _, ok := f["complaint_close_hours_p50"]; ok {
		t.Errorf("a percentile alone of its measure was rewritten: %q", f["complaint_close_hours_p50"])
	}
	if len(f) != 6 {
		t.Errorf("%d percentiles fused, want the six of reply, on-site and resolve: %v", len(f), f)
	}
}

// The rollup keeps one samples_<i> column per value a percentile sorts
// (sql/0013_rollup_samples.sql declares ten): an eleventh needs a migration.
// The first is the time to reply, which TestIntegrationPercentilesFromTheRollup
// doubles as samples_0.
func TestRollupSamples(t *testing.T) {
	if len(rollupSamples) > 10 {
		t.Errorf("%d percentile samples, kpi_rollup has columns for 10: add samples_%d to a migration", len(rollupSamples), len(rollupSamples)-1)
	}
	if got := rollupSamples[0]; got.value != "reply_bh" || got.array {
		t.Errorf("first sample %+v, want the time to reply", got)
	}
	var ids []string
	for _, k := range catalog {
		if _, ok := quantiles[k.ID]; ok {
			ids = append(ids, k.ID)
		}
	}
	want := []string{"reply_hours_p50", "reply_hours_p90", "onsite_hours_p50", "onsite_hours_p90", "resolve_hours_p50", "resolve_hours_p90", "complaint_close_hours_p50"}
	if !slices.Equal(ids, want) {
		t.Errorf("percentiles read from the rollup %v, want %v", ids, want)
	}
}

// The warranty mix lists the statuses transform accepts, in order.
func TestWarrantiesAreTransforms(t *testing.T) {
	if want := slices.Sorted(slices.Values(transform.Warranties)); !slices.Equal(Warranties, want) {
		t.Errorf("metrics.Warranties = %v, want transform's, sorted: %v", Warranties, want)
	}
}

// The complaints by category list the categories transform accepts, in order.
func TestComplaintClassesAreTransforms(t *testing.T) {
	if want := slices.Sorted(slices.Values(transform.ComplaintClasses)); !slices.Equal(ComplaintClasses, want) {
		t.Errorf("metrics.ComplaintClasses = %v, want transform's, sorted: %v", ComplaintClasses, want)
	}
}
