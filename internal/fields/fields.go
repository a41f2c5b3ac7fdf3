// Package fields is how library packages report an invalid configuration
// field without knowing the command line. A library names the Go field of
// its Config; the command layer, which knows which flag sets which field,
// translates the name, so that `servicepulse ingest --workers 65` says
// "--workers 65: must be between 1 and 64" while a Go caller of
// ingest.Config reads "Workers 65: must be between 1 and 64".
package fields

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Error is one invalid field.
type Error struct {
	// Field is the Go name of the field, e.g. "Workers".
	Field string
	// Value is the field's value as written in the message, if it helps:
	// "Workers 65: must be …", "Period: is required".
	Value string
	// Problem says what is wrong and what to do. The other fields it names
	// (Others) stand in it as markers, written by name when printed.
	Problem string
	// Others are the other fields Problem names, by Go name.
	Others []string
}

// marker stands for the i-th other field in Problem. A message holds no
// NUL, so no value can pass for a marker.
func marker(i int) string { return "\x00" + strconv.Itoa(i) + "\x00" }

// Errorf returns an *Error for field with value v (formatted with %v; nil
// for none) and the problem format, args. The format may name other fields
// as {Field}. Only the format's braces are read so, never the arguments':
// a value "a{b}" is printed as it is.
func Errorf(field string, v any, format string, args ...any) error {
	e := &Error{Field: field}
	var b strings.Builder
	for {
		i := strings.IndexByte(format, '{')
		j := strings.IndexByte(format, '}')
		if i < 0 || j < i {
			break
		}
		b.WriteString(format[:i])
		b.WriteString(marker(len(e.Others)))
		e.Others = append(e.Others, format[i+1:j])
		format = format[j+1:]
	}
	b.WriteString(format)
	e.Problem = fmt.Sprintf(b.String(), args...)
	if v != nil {
		e.Value = fmt.Sprint(v)
	}
	return e
}

func (e *Error) Error() string { return e.message(func(f string) string { return f }) }

func (e *Error) message(name func(string) string) string {
	problem := e.Problem
	for i, f := range e.Others {
		problem = strings.Replace(problem, marker(i), name(f), 1)
	}
	s := name(e.Field)
	if e.Value != "" {
		s += " " + e.Value
	}
	return s + ": " + problem
}

// Translate rewrites the *Error in err's chain with the names that name
// gives (Go field → what the user sets, e.g. "Workers" → "--workers"); a
// field name gives no name for keeps its Go name. The rest of err's
// message (a prefix, the other errors of an errors.Join) stays, and the
// result still matches err with errors.Is and errors.As. An err without an
// *Error is returned as it is.
func Translate(err error, name func(field string) (string, bool)) error {
	var fe *Error
	if !errors.As(err, &fe) {
		return err
	}
	named := fe.message(func(f string) string {
		if n, ok := name(f); ok {
			return n
		}
		return f
	})
	return translated{err: err, msg: strings.Replace(err.Error(), fe.Error(), named, 1)}
}

// translated is an error with the field names of its *Error rewritten.
type translated struct {
	err error
	msg string
}

func (t translated) Error() string { return t.msg }
func (t translated) Unwrap() error { return t.err }

// Names is a name function of Translate from a map.
func Names(m map[string]string) func(string) (string, bool) {
	return func(f string) (string, bool) { n, ok := m[f]; return n, ok }
}
