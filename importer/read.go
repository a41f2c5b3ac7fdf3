package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"servicepulse/transform"
)

// event is one event read from a file.
type event struct {
	line  int    // where it starts, 1-based
	value []byte // the JSON event; valid until the next event is read
	// whole is false for a line cut at MaxLineBytes: judged, never sent.
	whole bool
	// notCSV is set, instead of value, for a row encoding/csv cannot split.
	notCSV *transform.Reject
}

// readJSONL calls each for every non-blank line of r.
func readJSONL(r io.Reader, each func(event) error) error {
	lr := &lineReader{r: newReader(r)}
	for {
		line, cut, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if !cut && len(bytes.TrimSpace(line)) == 0 {
			continue // a blank line is no event
		}
		if err := each(event{line: lr.line, value: line, whole: !cut}); err != nil {
			return err
		}
	}
}

// readCSV reads the header of r, then calls each for every row, as the JSON
// object of the header's layout. A header that gives no layout is a
// *headerError. unknown receives the columns that no event field has.
func readCSV(r io.Reader, unknown func([]string), each func(event) error) error {
	cr := csv.NewReader(newReader(r))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil // an empty file: no header, no rows
	}
	if err != nil {
		return &headerError{"the header is not CSV: " + csvProblem(err)}
	}
	layout, err := parseHeader(header)
	if err != nil {
		return err
	}
	if len(layout.unknown) > 0 && unknown != nil {
		unknown(layout.unknown)
	}
	var buf []byte
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			bad := &transform.Reject{Reason: ReasonBadCSV, Detail: csvProblem(err)}
			if err := each(event{line: pe.StartLine, notCSV: bad}); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		line, _ := cr.FieldPos(0)
		buf = layout.appendRow(buf[:0], row)
		if err := each(event{line: line, value: buf, whole: true}); err != nil {
			return err
		}
	}
}

// csvProblem is what encoding/csv found wrong, without its position (the
// report gives the line) and without any cell.
func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return fmt.Sprint(err)
}
