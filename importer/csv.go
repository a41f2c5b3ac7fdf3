package importer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// csvLayout is a CSV header read as the shape of the JSON object every row
// becomes: `product.serial` and `product.model` are the members serial and
// model of the member product.
type csvLayout struct {
	root    []*csvNode
	unknown []string // columns whose field neither schema names
}

// csvNode is a member of the object: a column's cell, or a nested object.
type csvNode struct {
	name string
	col  int // the column of a cell; -1 for an object
	typ  cellType
	kids []*csvNode // of an object, in the order of their first column
}

// headerError is a header that gives no layout. Its message names columns
// by number and path, never a cell of a row.
type headerError struct{ detail string }

func (e *headerError) Error() string { return e.detail }

// parseHeader reads the header row: one dotted field path per column, each
// at most once, none both a cell and the object of another column's path.
// A header without an event_type column is refused before any column is
// named: it is most likely the first row of a file without a header, whose
// cells may be personal data.
func parseHeader(header []string) (*csvLayout, error) {
	paths := make([]string, len(header))
	hasType := false
	for i, h := range header {
		paths[i] = strings.TrimSpace(h)
		hasType = hasType || paths[i] == "event_type"
	}
	if !hasType {
		return nil, &headerError{"no event_type column: the first line must be the header, one dotted field path per column (product.serial)"}
	}
	l := &csvLayout{}
	seen := map[string]int{} // path → its column, 1-based
	for i, p := range paths {
		col := i + 1
		segs := strings.Split(p, ".")
		for _, s := range segs {
			if s == "" {
				return nil, &headerError{fmt.Sprintf("column %d (%q) is not a dotted field path: a part of it is empty", col, p)}
			}
		}
		if prev, dup := seen[p]; dup {
			return nil, &headerError{fmt.Sprintf("columns %d and %d both name %s", prev, col, p)}
		}
		seen[p] = col
		if typeOf(p) == typeObject {
			return nil, &headerError{fmt.Sprintf("column %d names the object %s: give its fields as columns of their own (%s.…)", col, p, p)}
		}
		if _, known := fieldTypes[p]; !known {
			l.unknown = append(l.unknown, p)
		}
		if err := l.add(segs, i, col); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// add places the column i (1-based col) at the path segs.
func (l *csvLayout) add(segs []string, i, col int) error {
	level := &l.root
	for d, s := range segs {
		path := strings.Join(segs[:d+1], ".")
		n := find(*level, s)
		last := d == len(segs)-1
		switch {
		case n == nil && last:
			*level = append(*level, &csvNode{name: s, col: i, typ: typeOf(path)})
			return nil
		case n == nil:
			n = &csvNode{name: s, col: -1, typ: typeObject}
			*level = append(*level, n)
		case last || n.col >= 0:
			// A cell where an object is, or an object where a cell is.
			return &headerError{fmt.Sprintf("column %d (%s) and column %d (%s) conflict: %s is both a value and an object",
				n.firstCol()+1, n.firstPath(path), col, strings.Join(segs, "."), path)}
		}
		level = &n.kids
	}
	return nil
}

func find(nodes []*csvNode, name string) *csvNode {
	for _, n := range nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

// firstCol is the 0-based column of n's first cell.
func (n *csvNode) firstCol() int {
	for n.col < 0 {
		n = n.kids[0]
	}
	return n.col
}

// firstPath is the path of n's first cell, n being at path.
func (n *csvNode) firstPath(path string) string {
	for n.col < 0 {
		n = n.kids[0]
		path += "." + n.name
	}
	return path
}

// appendRow appends the JSON object of row (a row of the header's width) to
// dst. An empty cell is absent, and so is an object all of whose cells are.
func (l *csvLayout) appendRow(dst []byte, row []string) []byte {
	return appendObject(dst, l.root, row)
}

func appendObject(dst []byte, nodes []*csvNode, row []string) []byte {
	dst = append(dst, '{')
	first := true
	for _, n := range nodes {
		if !n.given(row) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, n.name)
		dst = append(dst, ':')
		if n.col < 0 {
			dst = appendObject(dst, n.kids, row)
		} else {
			dst = appendCell(dst, n.typ, row[n.col])
		}
	}
	return append(dst, '}')
}

// given says whether n has a value in row: a non-empty cell, or an object
// with one.
func (n *csvNode) given(row []string) bool {
	if n.col >= 0 {
		return row[n.col] != ""
	}
	for _, k := range n.kids {
		if k.given(row) {
			return true
		}
	}
	return false
}

// appendCell appends cell as the JSON value of a field of type t. A cell
// that is not of its type stays a JSON string, which transform then rejects
// as it would the same string in a JSON line (bad_field).
func appendCell(dst []byte, t cellType, cell string) []byte {
	switch t {
	case typeBoolean:
		switch {
		case strings.EqualFold(cell, "true"):
			return append(dst, "true"...)
		case strings.EqualFold(cell, "false"):
			return append(dst, "false"...)
		}
	case typeInteger, typeNumber:
		// The literal as written: transform judges 1.5 or 1e2 for an
		// integer as it does in a JSON line.
		if isJSONNumber(cell) {
			return append(dst, cell...)
		}
	}
	// Strings, and money: the decimal text exactly, which transform reads as
	// the amount ("12.50" stays 12.50, "12,50" is bad_money).
	return appendString(dst, cell)
}

// isJSONNumber says whether s is a JSON number literal (RFC 8259 §6).
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digitsEnd(s, i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		j := digitsEnd(s, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digitsEnd(s, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

func digitsEnd(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// appendString appends s as a JSON string. Unlike encoding/json it leaves
// invalid UTF-8 as it is, so that transform rejects the row as invalid_utf8,
// as it would the line, instead of storing U+FFFD.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			switch c {
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		default:
			_, n := utf8.DecodeRuneInString(s[i:])
			dst = append(dst, s[i:i+n]...)
			i += n
			continue
		}
		i++
	}
	return append(dst, '"')
}
