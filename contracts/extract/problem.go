package extract

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
)

// Problem is one problem (or, in Result.Warnings, one warning) of a signed
// copy, at a line: "FILE:LINE: clause 2.3.1: reply hours left blank".
type Problem struct {
	File  string // the copy, or the defaults file; "" for a flag
	Line  int    // 1-based; 0 for a flag
	Where string // "clause 2.3.1", "签订日期 (cover)", "--id", …; may be ""
	Msg   string
}

func (p *Problem) Error() string {
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
	}
	if p.Where != "" {
		if s != "" {
			s += ": "
		}
		s += p.Where
	}
	if s == "" {
		return p.Msg
	}
	return s + ": " + p.Msg
}

// problems collects problems; err joins them in file and line order.
type problems []*Problem

func (ps *problems) add(p *Problem) { *ps = append(*ps, p) }

func (ps problems) sorted() problems {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b *Problem) int { return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line)) })
	return out
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	errs := make([]error, 0, len(ps))
	for _, p := range ps.sorted() {
		errs = append(errs, p)
	}
	return errors.Join(errs...)
}

func (ps problems) strings() []string {
	var out []string
	for _, p := range ps.sorted() {
		out = append(out, p.Error())
	}
	return out
}
