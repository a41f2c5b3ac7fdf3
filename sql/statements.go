package sql

import "strings"

// Statements splits SQL text into statements at the semicolons that end them.
//
// Comments (-- to end of line, /* … */) are dropped and every run of
// whitespace outside quotes becomes one space, so each statement comes back
// on one line; quoted text ('…', "…", `…`) is kept byte for byte, with any
// semicolon or comment marker inside it. Splitting on every ';' is not enough:
// a comment in 0004_dimensions.sql contains one.
//
// Both runners use this function — Migrate against the server and the chdb
// tests against current ClickHouse — so they always execute the same text.
func Statements(sqlText string) []string {
	var (
		out   []string
		b     strings.Builder
		space bool // whitespace seen since the last kept character
	)
	emit := func(s string) {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteString(s)
	}
	end := func() {
		if s := b.String(); s != "" {
			out = append(out, s)
		}
		b.Reset()
		space = false
	}

	for i := 0; i < len(sqlText); i++ {
		c := sqlText[i]
		rest := sqlText[i:]
		switch {
		case strings.HasPrefix(rest, "--"):
			n := strings.IndexByte(rest, '\n')
			if n < 0 {
				n = len(rest)
			}
			i += n - 1
			space = true
		case strings.HasPrefix(rest, "/*"):
			n := strings.Index(rest[2:], "*/")
			if n < 0 {
				n = len(rest) - 4 // unterminated: drop the rest
			}
			i += n + 3
			space = true
		case c == '\'' || c == '"' || c == '`':
			n := quotedLen(rest)
			emit(rest[:n])
			i += n - 1
		case c == ';':
			end()
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			space = true
		default:
			emit(rest[:1])
		}
	}
	end()
	return out
}

// quotedLen returns the length of the quoted text at the start of s,
// quotes included. A backslash escapes the next byte. A doubled quote
// inside quoted text is read as the end of one quoted text and the start of
// the next, which gives the same result. Unterminated quoted text runs to the
// end of s.
func quotedLen(s string) int {
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case q:
			return i + 1
		}
	}
	return len(s)
}
