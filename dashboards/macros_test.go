package dashboards

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

// This file expands a panel's SQL the way Grafana and the ClickHouse
// datasource plugin (grafana-clickhouse-datasource v4) do before ClickHouse
// sees it, so that tests can run the very query of each panel:
//
//  1. In the browser, the plugin's applyTemplateVariables replaces
//     $__conditionalAll(condition, $var) by 1=1 when the variable is "All"
//     (or empty), else by the condition; then Grafana's template service
//     replaces the variables (${var:singlequote} → 'a','b').
//  2. In the plugin's backend, sqlutil.Interpolate replaces the macros:
//     $__timeFilter(c) → c >= toDateTime(from) AND c <= toDateTime(to) (Unix
//     seconds), $__dateFilter(c) → c >= toDate('YYYY-MM-DD') AND c <=
//     toDate('YYYY-MM-DD') (the range's ends' dates), $__fromTime,
//     $__toTime → toDateTime(seconds), $__interval_s → the interval in whole
//     seconds (at least 1), $__timeInterval(c) → toStartOfInterval(…).
//
// Alert rules skip step 1: the backend gets their SQL as written.
//
// Step 2 is implemented twice: as sqlutil does it today (a macro's
// arguments end at its balanced closing parenthesis; a macro written
// without parentheses takes as arguments the next parenthesised group
// unless a closing parenthesis comes first), and as sqlds did before
// (a regular expression up to the first closing parenthesis). Every query
// we ship must expand the same both ways.

// timeRange is a dashboard's time range as the plugin's backend receives it.
type timeRange struct {
	From, To time.Time
	// Interval is Grafana's $__interval for the panel: the range divided by
	// the panel's data points, rounded to a "nice" step.
	Interval time.Duration
}

// variables are the selected values of dashboard variables by name; an
// absent or empty entry is "All".
type variables map[string][]string

// expandPanel is steps 1 and 2 for a panel's query.
func expandPanel(sql string, r timeRange, vars variables) (string, error) {
	sql, err := conditionalAll(sql, vars)
	if err != nil {
		return "", err
	}
	if sql, err = templateVariables(sql, vars); err != nil {
		return "", err
	}
	return expandMacros(sql, r)
}

// expandMacros is step 2, as sqlutil does it, checking that nothing
// unexpanded is left.
func expandMacros(sql string, r timeRange) (string, error) {
	out, err := interpolate(sql, r, balancedMatches)
	if err != nil {
		return "", err
	}
	if i := strings.Index(out, "$"); i >= 0 {
		return "", fmt.Errorf("unexpanded %q left in %q", out[i:min(len(out), i+30)], out)
	}
	return out, nil
}

// conditionalAll is the plugin's applyConditionalAll: from the last
// occurrence backwards, $__conditionalAll(phrase, $var) becomes phrase, or
// 1=1 when the variable is All.
func conditionalAll(sql string, vars variables) (string, error) {
	const macro = "$__conditionalAll("
	for i := strings.LastIndex(sql, macro); i >= 0; i = strings.LastIndex(sql, macro) {
		args, ok := macroArgs(sql[i+len(macro)-1:])
		if !ok || len(args) != 2 {
			return "", fmt.Errorf("$__conditionalAll at %d: want 2 arguments in %q", i, sql[i:])
		}
		name := strings.TrimPrefix(strings.TrimSpace(args[1]), "$")
		phrase := args[0]
		if len(vars[name]) == 0 {
			phrase = "1=1"
		}
		sql = strings.Replace(sql, macro+args[0]+","+args[1]+")", phrase, 1)
	}
	return sql, nil
}

// macroArgs splits "(a, f(b, c), d) …" into its top-level arguments, as
// the plugin's getMacroArgs does.
func macroArgs(s string) ([]string, bool) {
	var args []string
	depth, last := 0, 1
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 1 {
				args = append(args, s[last:i])
				last = i + 1
			}
			continue
		default:
			continue
		}
		if depth == 0 {
			return append(args, s[last:i]), true
		}
	}
	return nil, false
}

// templateVar is Grafana's variable syntax: $name, [[name:fmt]], ${name:fmt}.
var templateVar = regexp.MustCompile(`\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}`)

// templateVariables is Grafana's templateSrv.replace for the variables we
// define (partner, contract, model, region, channel); other names, such as
// the plugin's $__macros, are left for the backend. A variable still
// referenced while "All" is an error: our SQL only references variables
// inside $__conditionalAll.
func templateVariables(sql string, vars variables) (string, error) {
	var err error
	out := templateVar.ReplaceAllStringFunc(sql, func(m string) string {
		g := templateVar.FindStringSubmatch(m)
		name, format := firstNonEmpty(g[1], g[2], g[4]), firstNonEmpty(g[3], g[6])
		if !isOurVariable(name) {
			return m
		}
		vals := vars[name]
		if name == TimelineVariable && len(vals) == 0 {
			return exampleRequest // a text variable is never All: stand in a request of the data
		}
		if len(vals) == 0 {
			err = fmt.Errorf("variable %s is All but referenced outside $__conditionalAll: %q", name, m)
			return m
		}
		switch format {
		case "singlequote":
			q := make([]string, len(vals))
			for i, v := range vals {
				q[i] = "'" + strings.ReplaceAll(v, "'", `\'`) + "'"
			}
			return strings.Join(q, ",")
		case "":
			// The plugin's default format: a list is quoted, one value is not.
			if len(vals) == 1 {
				return vals[0]
			}
			return "'" + strings.Join(vals, "','") + "'"
		}
		err = fmt.Errorf("variable format %q not modelled: %q", format, m)
		return m
	})
	return out, err
}

func isOurVariable(name string) bool {
	switch name {
	case "partner", "contract", "model", "region", "channel", TimelineVariable:
		return true
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// macro is one of the plugin's backend macros.
type macro func(r timeRange, args []string) (string, error)

func toDateTime(t time.Time) string { return fmt.Sprintf("toDateTime(%d)", t.Unix()) }
func toDate(t time.Time) string     { return fmt.Sprintf("toDate('%s')", t.UTC().Format("2006-01-02")) }

func oneArg(f func(r timeRange, col string) string) macro {
	return func(r timeRange, args []string) (string, error) {
		if len(args) != 1 || args[0] == "" {
			return "", fmt.Errorf("unexpected number of arguments: expected 1, received %d", len(args))
		}
		return f(r, args[0]), nil
	}
}

func intervalSeconds(r timeRange) int { return int(math.Max(r.Interval.Seconds(), 1)) }

// macros are the plugin's (pkg/macros), by name. The plugin also inherits
// sqlutil's generic $__timeFrom, $__timeTo, $__timeGroup, $__table and
// $__column, which we never use; they are left out so that a query using
// one fails here.
var macros = map[string]macro{
	"fromTime": func(r timeRange, _ []string) (string, error) { return toDateTime(r.From), nil },
	"toTime":   func(r timeRange, _ []string) (string, error) { return toDateTime(r.To), nil },
	"fromTime_ms": func(r timeRange, _ []string) (string, error) {
		return fmt.Sprintf("fromUnixTimestamp64Milli(%d)", r.From.UnixMilli()), nil
	},
	"toTime_ms": func(r timeRange, _ []string) (string, error) {
		return fmt.Sprintf("fromUnixTimestamp64Milli(%d)", r.To.UnixMilli()), nil
	},
	"timeFilter": oneArg(func(r timeRange, c string) string {
		return c + " >= " + toDateTime(r.From) + " AND " + c + " <= " + toDateTime(r.To)
	}),
	"dateFilter": oneArg(func(r timeRange, c string) string {
		return c + " >= " + toDate(r.From) + " AND " + c + " <= " + toDate(r.To)
	}),
	"timeInterval": oneArg(func(r timeRange, c string) string {
		return fmt.Sprintf("toStartOfInterval(toDateTime(%s), INTERVAL %d second)", c, intervalSeconds(r))
	}),
	"interval_s": func(r timeRange, _ []string) (string, error) { return fmt.Sprint(intervalSeconds(r)), nil },
}

// matcher finds the occurrences of macro name in sql: the text to replace
// and its argument list (without parentheses).
type matcher func(sql, name string) [][2]string

// interpolate is sqlutil.Interpolate: for each macro, every occurrence is
// found in the current text and replaced (all copies of the same text at
// once) by the macro's expansion.
func interpolate(sql string, r timeRange, find matcher) (string, error) {
	for name, m := range macros {
		for _, match := range find(sql, name) {
			var args []string
			for _, a := range strings.Split(match[1], ",") {
				args = append(args, strings.TrimSpace(a))
			}
			res, err := m(r, args)
			if err != nil {
				return "", fmt.Errorf("$__%s: %w", name, err)
			}
			sql = strings.ReplaceAll(sql, match[0], res)
		}
	}
	return sql, nil
}

// balancedMatches is sqlutil's getMacroMatches: from the macro's name,
// the first parenthesis decides; "(" opens the arguments, which end at the
// balanced ")"; a ")" first means no arguments.
func balancedMatches(sql, name string) [][2]string {
	rgx := regexp.MustCompile(`\$__` + name + `\b`)
	var out [][2]string
	for _, loc := range rgx.FindAllStringIndex(sql, -1) {
		rest := sql[loc[0]:]
		depth, argStart, end := 0, 0, 0
	scan:
		for i, c := range rest {
			if depth == 0 && end > 0 {
				break
			}
			switch c {
			case '(':
				depth++
				if argStart == 0 {
					argStart = i + 1
				}
			case ')':
				if depth == 0 {
					end = 0
					break scan
				}
				depth--
				end = i + 1
			}
		}
		if end == 0 {
			end = loc[1] - loc[0]
		}
		args := ""
		if argStart > 0 && argStart < end {
			args = rest[argStart : end-1]
		}
		out = append(out, [2]string{rest[:end], args})
	}
	return out
}

// regexMatches is the older sqlds interpolation: the arguments are what
// follows the name up to the first ")".
func regexMatches(sql, name string) [][2]string {
	rgx := regexp.MustCompile(`\$__` + name + `\b(?:\((.*?)\))?`)
	var out [][2]string
	for _, m := range rgx.FindAllStringSubmatch(sql, -1) {
		out = append(out, [2]string{m[0], m[1]})
	}
	return out
}

// The expander reproduces the plugin's documented expansions.
func TestExpandMacros(t *testing.T) {
	r := timeRange{
		From:     time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		To:       time.Date(2026, 9, 30, 23, 59, 59, 0, time.UTC),
		Interval: 90 * time.Second,
	}
	tests := []struct {
		name, sql, want string
		vars            variables
	}{
		{"timeFilter", "WHERE $__timeFilter(ingested_at)", "WHERE ingested_at >= toDateTime(1782864000) AND ingested_at <= toDateTime(1790812799)", nil},
		{"dateFilter", "WHERE $__dateFilter(opened_date)", "WHERE opened_date >= toDate('2026-07-01') AND opened_date <= toDate('2026-09-30')", nil},
		{"fromTime toTime", "x BETWEEN toDate($__fromTime) AND toDate($__toTime)", "x BETWEEN toDate(toDateTime(1782864000)) AND toDate(toDateTime(1790812799))", nil},
		{"interval_s", "intDiv(toUInt32(t), $__interval_s) * $__interval_s", "intDiv(toUInt32(t), 90) * 90", nil},
		{"timeInterval", "$__timeInterval(t)", "toStartOfInterval(toDateTime(t), INTERVAL 90 second)", nil},
		{"conditionalAll All", "a AND $__conditionalAll(partner_id IN (${partner:singlequote}), $partner) AND b", "a AND 1=1 AND b", nil},
		{"conditionalAll values", "a AND $__conditionalAll(partner_id IN (${partner:singlequote}), $partner)", "a AND partner_id IN ('PT-A','O\\'Neil')",
			variables{"partner": {"PT-A", "O'Neil"}}},
		{"two conditionalAlls", "$__conditionalAll(region IN (${region:singlequote}), $region) AND $__conditionalAll(channel IN (${channel:singlequote}), $channel)",
			"region IN ('East') AND 1=1", variables{"region": {"East"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := expandPanel(tt.sql, r, tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("expand %q:\n got %q\nwant %q", tt.sql, got, tt.want)
			}
		})
	}

	// The trap both interpolators share differently: a macro without
	// parentheses followed later by "(" swallows what lies between.
	trap := "count() / $__interval_s AS rate FROM t WHERE $__timeFilter(c)"
	if got, _ := interpolate(trap, r, balancedMatches); got == "count() / 90 AS rate FROM t WHERE c >= toDateTime(1782864000) AND c <= toDateTime(1790812799)" {
		t.Errorf("balanced interpolation of %q did not reproduce sqlutil's greedy match: %q", trap, got)
	}
}

// Every query of every dashboard and alert expands completely, identically
// with both interpolators, uses no macro that ClickHouse 18.16 cannot run,
// and filters the way its PanelQuery says.
func TestQueriesExpand(t *testing.T) {
	set := testSet(t)
	r := timeRange{From: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 9, 30, 23, 59, 59, 0, time.UTC), Interval: time.Hour}
	for _, q := range set.Queries() {
		t.Run(q.Dashboard+"/"+q.Panel+"/"+q.RefID, func(t *testing.T) {
			if strings.Contains(q.SQL, "$__timeInterval") {
				t.Errorf("uses $__timeInterval, whose toStartOfInterval ClickHouse 18.16 lacks")
			}
			front := q.SQL
			if q.Dashboard != AlertRulesUID {
				var err error
				if front, err = conditionalAll(q.SQL, nil); err != nil {
					t.Fatal(err)
				}
				if front, err = templateVariables(front, nil); err != nil {
					t.Fatal(err)
				}
			} else if strings.Contains(q.SQL, "$__conditionalAll") || templateVar.MatchString(strings.ReplaceAll(q.SQL, "$__", "")) {
				t.Errorf("alert query uses dashboard variables, which alert rules do not have")
			}
			balanced, err := expandMacros(front, r)
			if err != nil {
				t.Fatal(err)
			}
			regex, err := interpolate(front, r, regexMatches)
			if err != nil {
				t.Fatal(err)
			}
			if balanced != regex {
				t.Errorf("the two interpolators disagree:\nsqlutil: %s\nregex:   %s", balanced, regex)
			}
			if q.TimeColumn != "" && !strings.Contains(q.SQL, "Filter("+q.TimeColumn+")") {
				t.Errorf("TimeColumn %q, but the SQL does not filter it with a macro", q.TimeColumn)
			}
			if len(q.Columns) == 0 {
				t.Errorf("no expected columns")
			}
		})
	}
}
