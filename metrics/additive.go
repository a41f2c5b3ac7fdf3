package metrics

import (
	"strconv"
	"strings"
)

// An additive KPI is an expression over sums: every aggregate in its Expr is
// count(), countIf(…), sum(…), sumIf(…) or avgIf(x, c) (read as sumIf(x, c)
// over countIf(c)), so the sums of a day's requests add up to the sums of a
// month's. Such a KPI can be read from the daily rollup (rollup.go): its
// sums per opening date and dimension, stored once, summed at query time.
// The percentiles (quantileExact…) keep every value and are not additive.

// additive is a KPI's Expr split into its sums: Combine is Expr with each
// sum replaced by "{i}", the index of the sum in Terms.
type additive struct {
	Combine string
	Terms   []string
}

// sumFuncs are the aggregates that add up across groups.
var sumFuncs = map[string]bool{"count": true, "countIf": true, "sum": true, "sumIf": true, "avgIf": true}

// splitAdditive returns expr as an additive form, or ok false when it holds
// an aggregate that does not add up (a percentile, say) or cannot be read.
// It reads SQL identifiers followed by "(" and their balanced arguments;
// quoted strings are skipped whole, so a parenthesis inside one is text.
func splitAdditive(expr string) (a additive, ok bool) {
	var b strings.Builder
	term := func(sql string) string {
		for i, t := range a.Terms {
			if t == sql {
				return "{" + strconv.Itoa(i) + "}"
			}
		}
		a.Terms = append(a.Terms, sql)
		return "{" + strconv.Itoa(len(a.Terms)-1) + "}"
	}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '\'':
			j := skipString(expr, i)
			if j < 0 {
				return additive{}, false
			}
			b.WriteString(expr[i:j])
			i = j
		case isIdentStart(c) && (i == 0 || !isIdent(expr[i-1])):
			j := i
			for j < len(expr) && isIdent(expr[j]) {
				j++
			}
			name := expr[i:j]
			if strings.HasPrefix(name, "quantile") {
				return additive{}, false
			}
			if !sumFuncs[name] || j >= len(expr) || expr[j] != '(' {
				b.WriteString(name)
				i = j
				continue
			}
			end := closing(expr, j)
			if end < 0 {
				return additive{}, false
			}
			args := expr[j+1 : end]
			if name == "avgIf" {
				x, cond, ok := splitTopComma(args)
				if !ok {
					return additive{}, false
				}
				b.WriteString("(" + term("sumIf("+x+","+cond+")") + " / " + term("countIf("+strings.TrimSpace(cond)+")") + ")")
			} else {
				b.WriteString(term(expr[i : end+1]))
			}
			i = end + 1
		default:
			b.WriteByte(c)
			i++
		}
	}
	if len(a.Terms) == 0 {
		return additive{}, false
	}
	a.Combine = b.String()
	return a, true
}

// expand writes the combine expression with each {i} replaced by sum(i).
func (a additive) expand(sum func(i int) string) string {
	out := a.Combine
	for i := len(a.Terms) - 1; i >= 0; i-- { // {10} before {1}
		out = strings.ReplaceAll(out, "{"+strconv.Itoa(i)+"}", sum(i))
	}
	return out
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdent(c byte) bool      { return isIdentStart(c) || c >= '0' && c <= '9' }

// skipString returns the index after the SQL string literal starting at i
// (backslash escapes), or -1 if it does not end.
func skipString(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '\'':
			return j + 1
		}
	}
	return -1
}

// closing returns the index of the parenthesis closing the one at open, or -1.
func closing(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\'':
			j := skipString(s, i)
			if j < 0 {
				return -1
			}
			i = j - 1
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitTopComma splits "x, cond" at its one comma outside parentheses and strings.
func splitTopComma(s string) (string, string, bool) {
	depth, at := 0, -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			j := skipString(s, i)
			if j < 0 {
				return "", "", false
			}
			i = j - 1
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				if at >= 0 {
					return "", "", false
				}
				at = i
			}
		}
	}
	if at < 0 {
		return "", "", false
	}
	return s[:at], s[at+1:], true
}
