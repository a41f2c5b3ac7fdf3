package extract

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"servicepulse/contracts"
)

// Source says where a value of the extract came from.
type Source string

// The sources of a value, in the order that wins: a flag over the defaults
// file over the default. A value the template carries comes only from it
// (the id and effective_from may be given by flag instead).
const (
	Template     Source = "template"
	Flag         Source = "flag"
	DefaultsFile Source = "defaults file"
	Default      Source = "default"
)

// Value is one value of the extract with where it came from.
type Value struct {
	Key    string `json:"key"`   // the contracts-file key: response_hours, window, …
	YAML   string `json:"value"` // as written in the YAML
	Source Source `json:"source"`
	Where  string `json:"where,omitempty"` // "clause 2.3.1", "合同编号", the flag, the default's reason
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	// Also is a second place the same value was read from (warranty:
	// clauses 2.1.1 and 4.1.1), "clause 4.1.1, line 122".
	Also string `json:"also,omitempty"`
}

// comment is the value's YAML comment: where it came from.
func (v Value) comment() string {
	switch v.Source {
	case Template:
		s := v.Where + ", line " + strconv.Itoa(v.Line)
		if v.Also != "" {
			s += "; " + v.Also
		}
		return s
	case Flag:
		return "flag " + v.Where
	case DefaultsFile:
		return "defaults file " + v.File + ", line " + strconv.Itoa(v.Line)
	}
	return "default: " + v.Where
}

// Result is the extract of one signed copy.
type Result struct {
	ID            string
	EffectiveFrom string          // the version's effective_from as written (a date)
	Terms         contracts.Terms // as contracts.Parse reads YAML
	Values        []Value         // in the order of the YAML
	Warnings      []string        // "FILE:LINE: clause 3.4.1: service hotline left blank"
	YAML          []byte          // a contracts file with this one contract and version
}

// Options are what the template does not say, or what overrides it.
type Options struct {
	ID            string // overrides 合同编号 / 编号 (with a warning when they differ)
	EffectiveFrom string // YYYY-MM-DD; required when 签订日期 is left blank, overrides it otherwise
	Name          string // the contract's display name; default: the id
	Calendar      string // default: the defaults file's, else prc (工作日: PRC working days)
	Timezone      string // default: the defaults file's, else contracts.DefaultTimezone
	// Defaults is the text of a defaults file (docs/contracts-extract.md),
	// named DefaultsName in messages; nil for none.
	Defaults     []byte
	DefaultsName string
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// Parse extracts the terms of a signed copy of the contract template from
// its bytes; file names it in messages. On any problem it returns a nil
// Result and every problem, each a *Problem, joined in line order.
func Parse(src []byte, file string, o Options) (*Result, error) {
	text, p := decode(src, file)
	if p != nil {
		return nil, p
	}
	x := &extractor{d: split(text, file), o: o, file: file}
	x.read()
	if err := x.errs.err(); err != nil {
		return nil, err
	}
	out, origins := x.render()
	f, err := contracts.Parse(bytes.NewReader(out), file)
	if err != nil {
		return nil, remap(err, origins, file)
	}
	return &Result{ID: x.id, EffectiveFrom: x.effective, Terms: f.Contracts[x.id][0], Values: x.values,
		Warnings: x.warns.strings(), YAML: out}, nil
}

// remap turns the problems contracts.Parse found in the generated YAML into
// problems at the lines the values came from.
func remap(err error, origins map[int]Value, file string) error {
	var ps problems
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var ce *contracts.Error
		if !errors.As(e, &ce) {
			ps.add(&Problem{File: file, Line: 1, Msg: e.Error()})
			return
		}
		v, ok := origins[ce.Line]
		switch {
		case !ok:
			ps.add(&Problem{File: file, Line: 1, Msg: ce.Msg})
		case v.Source == Flag:
			ps.add(&Problem{Where: v.Where, Msg: ce.Msg})
		default:
			where := v.Where
			if v.Source == DefaultsFile {
				where = ""
			}
			ps.add(&Problem{File: v.File, Line: v.Line, Where: where, Msg: ce.Msg})
		}
	}
	walk(err)
	return ps.err()
}

// extractor reads one document.
type extractor struct {
	d     *document
	o     Options
	file  string
	errs  problems
	warns problems

	id, effective string
	values        []Value
}

func (x *extractor) fail(line int, where, format string, args ...any) {
	x.errs.add(&Problem{File: x.file, Line: max(line, 1), Where: where, Msg: fmt.Sprintf(format, args...)})
}

func (x *extractor) warn(line int, where, format string, args ...any) {
	x.warns.add(&Problem{File: x.file, Line: max(line, 1), Where: where, Msg: fmt.Sprintf(format, args...)})
}

func (x *extractor) template(key, yaml, where string, line int) {
	x.values = append(x.values, Value{Key: key, YAML: yaml, Source: Template, Where: where, File: x.file, Line: line})
}

// clause returns a body clause, or nil after reporting it missing.
func (x *extractor) clause(num string) *clause {
	c := x.d.clauses[num]
	if c == nil {
		x.fail(x.d.body+1, "clause "+num, "not found in the body of the contract (is this a copy of the template?)")
		return nil
	}
	if again, dup := x.d.dup[num]; dup {
		x.fail(again, "clause "+num, "written twice (first at line %d); keep one", c.line)
		return nil
	}
	return c
}

// blank is the text a filler wrote between two fixed parts of a clause.
type blank struct {
	text string
	line int
	end  int // offset in the clause text just after the text (before the after part)
}

// between finds the blank of c after offset from, between before and after
// ("" after: to the end of the clause); false when the clause's fixed text
// is not there (reported).
func (x *extractor) between(c *clause, from int, before, after, what string) (blank, bool) {
	i := strings.Index(c.text[from:], before)
	if i < 0 {
		x.fail(c.line, "clause "+c.num, "%s unreadable: the clause no longer says %q", what, before)
		return blank{}, false
	}
	start := from + i + len(before)
	end := len(c.text)
	if after != "" {
		j := strings.Index(c.text[start:], after)
		if j < 0 {
			x.fail(c.line, "clause "+c.num, "%s unreadable: the clause no longer says %q", what, after)
			return blank{}, false
		}
		end = start + j
	}
	return blank{text: c.text[start:end], line: c.lineAt(start), end: end}, true
}

func (x *extractor) read() {
	x.readID()
	x.readEffective()
	x.readPromises()
	x.readWarranty()
	x.readWindow("3.1.2", "window", "support hours", true)
	x.readWindow("3.3.2", "repair_window", "repair service hours", false)
	x.readContacts()
	x.readOthers()
}

func (x *extractor) readID() {
	noLine, no := x.d.coverLine("合同编号")
	coverLine, cover := x.d.coverLine("编号")
	no, cover = clean(no), clean(cover)
	if empty(no) {
		no = ""
	}
	if empty(cover) {
		cover = ""
	}
	number, line, where := no, noLine, "合同编号"
	switch {
	case no != "" && cover != "" && no != cover:
		x.warn(noLine, where, "contract number %s differs from the cover's 编号 %s (line %d); using 合同编号", quote(no), quote(cover), coverLine)
	case no == "" && cover != "":
		number, line, where = cover, coverLine, "编号 (cover)"
	}
	if line == 0 {
		line = max(noLine, coverLine, 1)
	}
	if x.o.ID != "" {
		if number != "" && number != x.o.ID {
			x.warn(line, where, "--id %s overrides the contract number %s", x.o.ID, quote(number))
		}
		if !idPattern.MatchString(x.o.ID) {
			x.errs.add(&Problem{Where: "--id", Msg: fmt.Sprintf("%q: must be 1 to 64 letters, digits, '.', '_', ':' or '-'", x.o.ID)})
		}
		x.id = x.o.ID
		x.values = append(x.values, Value{Key: "id", YAML: yamlQuote(x.id), Source: Flag, Where: "--id"})
		return
	}
	switch {
	case number == "":
		x.fail(line, "合同编号", "contract number left blank (合同编号, and the cover's 编号); give --id")
		return
	case !idPattern.MatchString(number):
		x.fail(line, where, "contract number %s cannot be a contract id (1 to 64 letters, digits, '.', '_', ':' or '-'); give --id", quote(number))
		return
	}
	x.id = number
	x.template("id", yamlQuote(number), where, line)
}

func (x *extractor) readEffective() {
	line, text := x.d.coverLine("签订日期")
	const where = "签订日期 (cover)"
	date, state := signingDate(text)
	if x.o.EffectiveFrom != "" {
		if _, err := time.Parse(time.DateOnly, x.o.EffectiveFrom); err != nil {
			x.errs.add(&Problem{Where: "--effective-from", Msg: fmt.Sprintf("%q: must be a date YYYY-MM-DD", x.o.EffectiveFrom)})
		}
		if state == "" && date != x.o.EffectiveFrom {
			x.warn(line, where, "signed on %s, but --effective-from %s overrides it", date, x.o.EffectiveFrom)
		}
		x.effective = x.o.EffectiveFrom
		x.values = append(x.values, Value{Key: "effective_from", YAML: x.effective, Source: Flag, Where: "--effective-from"})
		return
	}
	switch {
	case line == 0:
		x.fail(1, "签订日期", "no signing date on the cover; give --effective-from")
	case state != "":
		x.fail(line, where, "signing date %s; give --effective-from (clause 1.4.1: in force from signing)", state)
	default:
		x.effective = date
		x.template("effective_from", date, where, line)
		x.values[len(x.values)-1].Also = "in force from signing, clause 1.4.1"
	}
}

// signingDate reads "2026年3月5日" (digits or Chinese numerals) as a date;
// state says what is wrong ("left blank", "incomplete", …), "" when nothing.
func signingDate(s string) (date, state string) {
	y, rest, ok1 := strings.Cut(s, "年")
	m, rest, ok2 := strings.Cut(rest, "月")
	d, _, ok3 := strings.Cut(rest, "日")
	if !ok1 || !ok2 || !ok3 {
		if empty(clean(s)) {
			return "", "left blank"
		}
		return "", "unreadable: want YYYY年MM月DD日"
	}
	y, m, d = clean(y), clean(m), clean(d)
	switch {
	case empty(y) && empty(m) && empty(d):
		return "", "left blank"
	case empty(y) || empty(m) || empty(d):
		return "", "incomplete: want year, month and day"
	}
	yy, e1 := integer(y)
	mm, e2 := integer(m)
	dd, e3 := integer(d)
	if e := errors.Join(e1, e2, e3); e != nil {
		return "", "unreadable: " + e.Error()
	}
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if yy < 1000 || yy > 9999 || t.Year() != yy || int(t.Month()) != mm || t.Day() != dd {
		return "", fmt.Sprintf("%d年%d月%d日 is not a date", yy, mm, dd)
	}
	return t.Format(time.DateOnly), ""
}

// readPromises reads clause 2.3.1 (reply, on site) and 3.2.2 (parts).
func (x *extractor) readPromises() {
	if c := x.clause("2.3.1"); c != nil {
		if b, ok := x.between(c, 0, "应在", "小时内给予回复", "reply hours"); ok {
			x.hours(c, b, "response_hours", "reply hours")
			if b2, ok := x.between(c, b.end, "并在", "小时内到达现场", "on-site hours"); ok {
				x.hours(c, b2, "onsite_hours", "on-site hours")
			}
		}
	}
	if c := x.clause("3.2.2"); c != nil {
		after := "日内送达"
		if !strings.Contains(c.text, after) && strings.Contains(c.text, "天内送达") {
			after = "天内送达"
		}
		if b, ok := x.between(c, 0, "需求后", after, "parts delivery days"); ok {
			b.text = strings.TrimLeft(strings.Trim(b.text, blankChars), ",")
			x.hours(c, b, "parts_days", "parts delivery days")
		}
	}
}

// hours reads a needed number of a blank: a positive number.
func (x *extractor) hours(c *clause, b blank, key, what string) {
	s := clean(b.text)
	if empty(s) {
		x.fail(b.line, "clause "+c.num, "%s left blank", what)
		return
	}
	f, err := number(s)
	if err != nil {
		x.fail(b.line, "clause "+c.num, "%s unreadable: %v", what, err)
		return
	}
	x.template(key, strconv.FormatFloat(f, 'f', -1, 64), "clause "+c.num, b.line)
}

// readWarranty reads the free warranty of 2.1.1 and the warranty period of
// 4.1.1, which must agree; one left blank takes the other's, with a warning.
func (x *extractor) readWarranty() {
	type read struct {
		c     *clause
		b     blank
		years int
		ok    bool // filled and readable
	}
	var rs []read
	for _, spec := range []struct{ num, before, after string }{{"2.1.1", "提供", "年的免费保修"}, {"4.1.1", "保修期限为", "年"}} {
		c := x.clause(spec.num)
		if c == nil {
			return
		}
		b, ok := x.between(c, 0, spec.before, spec.after, "warranty years")
		if !ok {
			return
		}
		r := read{c: c, b: b}
		if s := clean(b.text); !empty(s) {
			n, err := integer(s)
			if err != nil {
				x.fail(b.line, "clause "+c.num, "warranty years unreadable: %v", err)
				return
			}
			r.years, r.ok = n, true
		}
		rs = append(rs, r)
	}
	a, b := rs[0], rs[1]
	at := func(r read) string { return fmt.Sprintf("clause %s, line %d", r.c.num, r.b.line) }
	switch {
	case !a.ok && !b.ok:
		x.fail(a.b.line, "clause 2.1.1", "warranty years left blank (and in %s)", at(b))
	case a.ok && b.ok && a.years != b.years:
		x.fail(a.b.line, "clause 2.1.1", "free warranty of %d years disagrees with the warranty period of %d years in %s", a.years, b.years, at(b))
	case a.ok && b.ok:
		x.template("warranty_years", strconv.Itoa(a.years), "clause 2.1.1", a.b.line)
		x.values[len(x.values)-1].Also = "also " + at(b)
	default:
		got, blank := a, b
		if !a.ok {
			got, blank = b, a
		}
		x.warn(blank.b.line, "clause "+blank.c.num, "warranty years left blank; taking %d years from %s", got.years, at(got))
		x.template("warranty_years", strconv.Itoa(got.years), "clause "+got.c.num, got.b.line)
	}
}

// readWindow reads 工作日__时至__时 of a clause as HH:MM-HH:MM.
func (x *extractor) readWindow(num, key, what string, needed bool) {
	c := x.clause(num)
	if c == nil {
		return
	}
	from, ok := x.between(c, 0, "工作日", "至", what)
	if !ok {
		return
	}
	to, ok := x.between(c, from.end, "至", "", what)
	if !ok {
		return
	}
	to.text = strings.TrimRight(to.text, "。.;; ")
	start, end := clean(from.text, "时"), clean(to.text, "时")
	problem := func(line int, format string, args ...any) {
		if needed {
			x.fail(line, "clause "+num, format, args...)
		} else {
			x.warn(line, "clause "+num, format+"; the on-site and resolve clocks use the support hours (clause 3.1.2)", args...)
		}
	}
	switch {
	case empty(start) && empty(end):
		problem(from.line, "%s left blank", what)
		return
	case empty(start) || empty(end):
		problem(from.line, "%s incomplete: want a start and an end (9时至18时)", what)
		return
	}
	s, err1 := clock(start)
	e, err2 := clock(end)
	switch {
	case err1 != nil || err2 != nil:
		problem(from.line, "%s unreadable: %v", what, errors.Join(err1, err2))
		return
	case s >= e:
		problem(from.line, "%s %s至%s: must start before they end, within one day", what, start, end)
		return
	}
	x.template(key, fmt.Sprintf("%q", fmt.Sprintf("%02d:%02d-%02d:%02d", s/60, s%60, e/60, e%60)), "clause "+num, from.line)
}

// readContacts reads the provider's hotline and online platform (3.4.1),
// which the KPIs do not need: a blank one is a warning.
func (x *extractor) readContacts() {
	c := x.clause("3.4.1")
	if c == nil {
		return
	}
	tel, ok := x.between(c, 0, "售后服务电话:", "在线客服平台:", "service hotline")
	if !ok {
		return
	}
	online, ok := x.between(c, tel.end, "在线客服平台:", "", "online service platform")
	if !ok {
		return
	}
	for _, f := range []struct {
		b         blank
		key, what string
	}{{tel, "hotline", "service hotline"}, {online, "online_channel", "online service platform"}} {
		s := clean(strings.TrimRight(strings.TrimSpace(f.b.text), ",。.;; "))
		switch {
		case empty(s):
			x.warn(f.b.line, "clause 3.4.1", "%s left blank", f.what)
		case f.key == "hotline" && !strings.ContainsAny(s, "0123456789"):
			x.warn(f.b.line, "clause 3.4.1", "%s %s has no digits; copied as written", f.what, quote(s))
			fallthrough
		default:
			x.template(f.key, yamlQuote(s), "clause 3.4.1", f.b.line)
		}
	}
}
