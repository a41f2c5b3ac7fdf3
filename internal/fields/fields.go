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
	"strings"
)

// Error is one invalid field.
type Error struct {
	// Field is the Go name of the field, e.g. "Workers".
	Field string
	// Value is the field's value as written in the message, if it helps:
	// "Workers 65: must be …", "Period: is required".
	Value string
	// Problem says what is wrong and what to do. It may name other fields
	// as {Field}, which Translate rewrites too.
	Problem string
}

// Errorf returns an *Error for field with value v (formatted with %v; nil
// for none) and the problem format, args.
func Errorf(field string, v any, format string, args ...any) error {
	e := &Error{Field: field, Problem: fmt.Sprintf(format, args...)}
	if v != nil {
		e.Value = fmt.Sprint(v)
	}
	return e
}

func (e *Error) Error() string { return e.message(func(f string) string { return f }) }

func (e *Error) message(name func(string) string) string {
	problem := e.Problem
	for {
		i := strings.Index(problem, "{")
		j := strings.Index(problem, "}")
		if i < 0 || j < i {
			break
		}
		problem = problem[:i] + name(problem[i+1:j]) + problem[j+1:]
	}
	s := name(e.Field)
	if e.Value != "" {
		s += " " + e.Value
	}
	return s + ": " + problem
}

// Translate rewrites an *Error in err's chain with the names that name
// gives (Go field → what the user sets, e.g. "Workers" → "--workers"); a
// field name gives no name for keeps its Go name. Other errors are returned
// as they are.
func Translate(err error, name func(field string) (string, bool)) error {
	var fe *Error
	if !errors.As(err, &fe) {
		return err
	}
	return errors.New(fe.message(func(f string) string {
		if n, ok := name(f); ok {
			return n
		}
		return f
	}))
}

// Names is a name function of Translate from a map.
func Names(m map[string]string) func(string) (string, bool) {
	return func(f string) (string, bool) { n, ok := m[f]; return n, ok }
}
