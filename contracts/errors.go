package contracts

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Error is one problem of a contracts file, at a line. Parse and CheckKPIs
// return every problem they find, each an *Error, joined with errors.Join in
// line order; errors.As finds the first.
type Error struct {
	File     string // as given to Parse
	Line     int    // 1-based; 0 when the problem has no line (an empty file, terms read from ClickHouse)
	Contract string // the contract id, "#N" for the N-th contract when it has no valid id, "" outside a contract
	Msg      string
}

// Error formats the problem as file:line: contract ID: message.
func (e *Error) Error() string {
	s := e.File
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	if e.Contract != "" {
		s += ": contract " + e.Contract
	}
	return s + ": " + e.Msg
}

// errorList collects problems; err joins them in line order.
type errorList []*Error

func (l *errorList) add(file string, line int, contract, format string, args ...any) {
	*l = append(*l, &Error{File: file, Line: line, Contract: contract, Msg: fmt.Sprintf(format, args...)})
}

func (l errorList) err() error {
	if len(l) == 0 {
		return nil
	}
	slices.SortStableFunc(l, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// suggest returns "; did you mean X?" for the candidate closest to word, or
// "" when none is close enough to be a typo.
func suggest(word string, candidates []string) string {
	if c := closest(word, candidates); c != "" {
		return "; did you mean " + c + "?"
	}
	return ""
}

// closest returns the candidate within typing distance of word (an edit
// distance of about a third of its length), or "".
func closest(word string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		limit := max(1, min(len(c), len(word))/3)
		if d := editDistance(word, c); d <= limit && d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" {
		return best
	}
	// A known key with something added or cut: hourly_rate for hourly.
	for _, c := range candidates {
		if min(len(c), len(word)) >= 4 && (strings.HasPrefix(word, c) || strings.HasPrefix(c, word)) {
			return c
		}
	}
	return ""
}

// editDistance is the Levenshtein distance of two ASCII-ish strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
