package extract

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// decode returns the text of src, which must be UTF-8 (with or without a
// byte order mark) or GB18030, the two encodings signed copies are saved in
// on Chinese systems. Valid UTF-8 is taken as UTF-8: GB18030 text of Chinese
// characters is almost never valid UTF-8. Anything else is a *Problem at the
// line of the first byte that neither reads.
func decode(src []byte, file string) (string, *Problem) {
	if bytes.HasPrefix(src, []byte{0xFF, 0xFE}) || bytes.HasPrefix(src, []byte{0xFE, 0xFF}) || bytes.IndexByte(src, 0) >= 0 {
		return "", &Problem{File: file, Line: 1 + bytes.Count(src[:max(0, bytes.IndexByte(src, 0))], []byte{'\n'}),
			Msg: "the file looks like UTF-16 (or binary); save it as UTF-8 or GB18030 text"}
	}
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	if utf8.Valid(src) {
		return string(src), nil
	}
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(src)
	// The decoder replaces a byte it cannot read with U+FFFD instead of
	// failing; a file that holds U+FFFD of its own is not GB18030 either
	// (that character is UTF-8's, which this file is not).
	if i := bytes.IndexRune(text, utf8.RuneError); err != nil || i >= 0 {
		line := 1
		if i >= 0 {
			line += bytes.Count(text[:i], []byte{'\n'})
		}
		return "", &Problem{File: file, Line: line, Msg: "the file is neither UTF-8 nor GB18030 text; save it in one of them"}
	}
	return string(text), nil
}

// normalize makes a line of a signed copy comparable with the template:
// full-width ASCII (１２, ：, ，, ＿) becomes half-width, ideographic and other
// spaces become a plain space, and trailing spaces go.
func normalize(line string) string {
	var b strings.Builder
	b.Grow(len(line))
	for _, r := range line {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width forms of ! … ~
			r -= 0xFEE0
		case r == 0x3000 || r == '\t' || r == 0xA0:
			r = ' '
		}
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), " \r")
}
