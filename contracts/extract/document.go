package extract

import (
	"regexp"
	"strings"
)

// document is a signed copy split into what the extractor reads: the
// cover's lines, and the clauses of the body by number. Appendix clauses
// (附加条款一 1.1 …), which reuse the body's numbers, are kept apart by
// section and never answer a body lookup.
type document struct {
	file  string
	lines []string // normalised, lines[0] is line 1
	body  int      // index of the body's first line (its 第一章 heading)
	// clauses of the body, by number ("2.3.1"); dup holds the line of a
	// second clause with the same number, so that reading it is an error.
	clauses map[string]*clause
	dup     map[string]int
	// appendix clauses, by section and number: "附加条款一" → "1.1".
	appendix map[string]map[string]*clause
}

// clause is one numbered clause: its text, with the lines it continues on.
type clause struct {
	num  string
	line int    // where its number stands
	text string // the text after the number, continuation lines joined
	// starts[i] is the byte offset in text where line line+i begins.
	starts []int
	more   *strings.Builder // continuation lines while splitting, then added to text
}

// lineAt returns the line of the byte at offset i of the clause's text.
func (c *clause) lineAt(i int) int {
	n := 0
	for k, s := range c.starts {
		if s <= i {
			n = k
		}
	}
	return c.line + n
}

var (
	// A numbered line: 2.3.1 text, 12.2. text, 1.1 text.
	numbered = regexp.MustCompile(`^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?\.?\s*(.*)$`)
	// A chapter heading: 第一章:总则, 第十二章 …
	chapter = regexp.MustCompile(`^第[一二三四五六七八九十百零〇0-9]+章`)
)

// split reads the lines of a decoded copy into a document.
func split(text, file string) *document {
	raw := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	d := &document{file: file, lines: make([]string, len(raw)), clauses: map[string]*clause{},
		dup: map[string]int{}, appendix: map[string]map[string]*clause{}}
	for i, l := range raw {
		d.lines[i] = normalize(l)
	}
	// The body starts at the last 第一章 heading: the table of contents
	// repeats every heading before it (a copy without one has just one).
	for i, l := range d.lines {
		if strings.HasPrefix(strings.TrimSpace(l), "第一章") {
			d.body = i
		}
	}
	section := "" // "" is the body; else the appendix section
	var cur *clause
	for i := d.body; i < len(d.lines); i++ {
		l := strings.TrimSpace(d.lines[i])
		switch {
		case l == "":
			continue
		case strings.HasPrefix(l, "附加条款"):
			section, _, _ = strings.Cut(l, ":")
			cur = nil
			continue
		case strings.HasPrefix(l, "附件及其他补充说明") || strings.HasPrefix(l, "附件条款"):
			section, cur = "附件", nil
			continue
		case chapter.MatchString(l):
			cur = nil
			continue
		}
		m := numbered.FindStringSubmatch(l)
		if m == nil {
			if cur != nil { // a clause wrapped onto the next line
				cur.starts = append(cur.starts, len(cur.text)+cur.more.Len())
				cur.more.WriteString(l)
			}
			continue
		}
		num := m[1] + "." + m[2]
		if m[3] != "" {
			num += "." + m[3]
		}
		cur = &clause{num: num, line: i + 1, text: m[4], starts: []int{0}, more: &strings.Builder{}}
		if section == "" {
			if m[3] == "" {
				cur = nil // a section heading of the body (2.3 服务响应时间与流程)
				continue
			}
			if _, seen := d.clauses[num]; seen {
				if _, again := d.dup[num]; !again {
					d.dup[num] = i + 1
				}
				continue
			}
			d.clauses[num] = cur
			continue
		}
		if d.appendix[section] == nil {
			d.appendix[section] = map[string]*clause{}
		}
		if _, seen := d.appendix[section][num]; !seen {
			d.appendix[section][num] = cur
		}
	}
	for _, c := range d.clauses {
		c.text += c.more.String()
	}
	for _, sec := range d.appendix {
		for _, c := range sec {
			c.text += c.more.String()
		}
	}
	return d
}

// coverLine returns the first line before the body's chapter 1 (the cover
// and the line 合同编号 above chapter 1) that starts with prefix, with its
// number and the text after the prefix and an optional colon; 0 when none.
func (d *document) coverLine(prefix string, not ...string) (int, string) {
	for i := 0; i < len(d.lines) && i <= d.body; i++ {
		l := strings.TrimSpace(d.lines[i])
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		skip := false
		for _, n := range not {
			skip = skip || strings.HasPrefix(l, n)
		}
		if skip {
			continue
		}
		return i + 1, strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(l, prefix)), ":")
	}
	return 0, ""
}
