package importer

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// MaxLineBytes is the longest line import sends. A longer line is read only
// this far (enough for transform to call it oversize) and never sent, even
// with SendInvalid: Kafka's default message.max.bytes (~1 MB) would refuse it.
const MaxLineBytes = 900_000

// bom is the UTF-8 byte-order mark that spreadsheet programs write at the
// start of a CSV or text export; it is no part of the first line.
var bom = []byte("\xef\xbb\xbf")

// newReader buffers r, past a leading byte-order mark.
func newReader(r io.Reader) *bufio.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(len(bom)); err == nil && bytes.Equal(b, bom) {
		br.Discard(len(bom))
	}
	return br
}

// lineReader reads JSON Lines: lines ending in \n or \r\n, the last one
// perhaps without.
type lineReader struct {
	r    *bufio.Reader
	buf  []byte
	line int // the number of the line next returned
}

// next returns the next line, without its line ending, and cut true when it
// was longer than MaxLineBytes and is only its first MaxLineBytes+1 bytes.
// The line is valid until the next call. At the end it returns io.EOF.
func (lr *lineReader) next() (line []byte, cut bool, err error) {
	lr.buf = lr.buf[:0]
	read := false
	for {
		frag, err := lr.r.ReadSlice('\n')
		read = read || len(frag) > 0
		if room := MaxLineBytes + 1 - len(lr.buf); len(frag) > room {
			frag, cut = frag[:room], true
		}
		lr.buf = append(lr.buf, frag...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && !read:
			return nil, false, io.EOF
		case err != nil && !errors.Is(err, io.EOF):
			return nil, false, err
		}
		break
	}
	lr.line++
	line = lr.buf
	if !cut {
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
	}
	return line, cut, nil
}
