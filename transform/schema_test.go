package transform

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"math/big"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The JSON Schemas in schema/ are the normative form of the contract; these
// tests keep them and the code from drifting apart. They check the enums and
// the id pattern against the Go lists, and run every accepted and every
// rejected message of the tables through a small validator of the schema
// keywords the files use.

const (
	recordSchemaFile   = "../schema/service-record.v1.schema.json"
	feedbackSchemaFile = "../schema/feedback.v1.schema.json"
)

func loadSchema(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	dec := stdjson.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("%s: $schema %v, want draft 2020-12", file, s["$schema"])
	}
	return s
}

// lookup follows a path of object names in a schema.
func lookup(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("schema: %s: not an object", strings.Join(path, "/"))
		}
		v = m[p]
	}
	return v
}

func enumOf(t *testing.T, v any) []string {
	t.Helper()
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("enum %v is not a list", v)
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.(string)
	}
	return out
}

func TestSchemaEnumsMatchCode(t *testing.T) {
	rec := loadSchema(t, recordSchemaFile)
	fb := loadSchema(t, feedbackSchemaFile)
	tests := []struct {
		name   string
		schema map[string]any
		path   []string
		want   []string
	}{
		{"record event types", rec, []string{"properties", "event_type", "enum"}, RecordTypes},
		{"feedback event types", fb, []string{"properties", "event_type", "enum"}, FeedbackTypes},
		{"channels", rec, []string{"$defs", "channel", "enum"}, Channels},
		{"causes", rec, []string{"$defs", "cause", "enum"}, Causes},
		{"warranties", rec, []string{"$defs", "warranty", "enum"}, Warranties},
		{"pause reasons", rec, []string{"$defs", "pause_reason", "enum"}, PauseReasons},
		{"complaint categories", fb, []string{"$defs", "complaint_category", "enum"}, ComplaintClasses},
		{"severities", fb, []string{"$defs", "severity", "enum"}, Severities},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := enumOf(t, lookup(t, tt.schema, tt.path...)); !slices.Equal(got, tt.want) {
				t.Errorf("schema %v\ncode   %v", got, tt.want)
			}
		})
	}
	for _, s := range []map[string]any{rec, fb} {
		if got := lookup(t, s, "$defs", "id", "pattern"); got != idPattern {
			t.Errorf("id pattern %v, code %v", got, idPattern)
		}
		if got := lookup(t, s, "properties", "schema_version", "const"); fmt.Sprint(got) != fmt.Sprint(SchemaVersion) {
			t.Errorf("schema_version const %v, code %d", got, SchemaVersion)
		}
	}
}

// TestSchemaAgreesWithCode validates every message of the decode tables
// against the schema: accepted messages must be valid, rejected ones invalid,
// except for the rules the schema says it cannot express (its description
// lists them).
func TestSchemaAgreesWithCode(t *testing.T) {
	rec := newSchemaValidator(loadSchema(t, recordSchemaFile))
	fb := newSchemaValidator(loadSchema(t, feedbackSchemaFile))

	// Messages the code accepts.
	accepted := map[string][]byte{
		"docs request_created": []byte(exampleRequestCreated),
		"docs resolved":        []byte(exampleResolved),
	}
	for _, v := range []string{validRequestCreated, validAcknowledged, validDispatched, validOnsiteArrived,
		validRemoteStarted, validPartRequested, validPartDelivered, validClockPaused, validClockResumed,
		validResolved, validReopened, validClosed, validCancelled} {
		accepted[v] = []byte(v)
	}
	for name, v := range accepted {
		if err := rec.validate(t, v); err != nil {
			t.Errorf("record schema rejects accepted %s: %v", name, err)
		}
	}
	for _, v := range []string{exampleSurvey, validSurvey, validComplaintOpened, validComplaintResolved} {
		if err := fb.validate(t, []byte(v)); err != nil {
			t.Errorf("feedback schema rejects accepted %s: %v", v, err)
		}
	}

	// The schema cannot see these: they are in its description.
	beyondSchema := map[string]bool{
		"occurred_at February 30": true, "occurred_at 1999": true, "occurred_at before 2000 in UTC": true,
		"occurred_at too far ahead": true, "occurred_at year 9999": true, "occurred_at in the future": true,
		"occurred_at offset minutes 60": true,
		"purchase_date bad day":         true, "purchase_date 1999": true, "purchase_date after the event": true,
		"schema_version 1.0": true, "onsite visit_no 1.0": true, "onsite visit_no 1e0": true,
		"csat 5.0": true, "csat 5e0": true,
		"event_id twice": true, "schema_version twice": true, "part twice": true, "csat twice": true,
	}
	check := func(v *schemaValidator, cases []rejectCase) {
		for _, c := range cases {
			switch c.reason {
			case ReasonOversize, ReasonInvalidUTF8, ReasonBadJSON:
				continue // not JSON documents
			}
			err := v.validate(t, c.value)
			if err == nil && !beyondSchema[c.name] {
				t.Errorf("schema accepts %q, which the code rejects (%s %s):\n%s", c.name, c.reason, c.detail, c.value)
			}
			if err != nil && beyondSchema[c.name] {
				t.Errorf("schema rejects %q, listed as beyond the schema: %v", c.name, err)
			}
		}
	}
	check(rec, recordRejects(t))
	check(fb, feedbackRejects(t))
}

// schemaValidator implements the JSON Schema keywords used in schema/: type,
// const, enum, pattern, required, properties, allOf, anyOf, if/then, minimum,
// maximum, multipleOf and $ref to #/$defs. Unknown keywords fail the test, so
// that a new keyword cannot be silently ignored.
type schemaValidator struct{ root map[string]any }

func newSchemaValidator(root map[string]any) *schemaValidator { return &schemaValidator{root} }

func (v *schemaValidator) validate(t *testing.T, doc []byte) error {
	t.Helper()
	var inst any
	dec := stdjson.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&inst); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	return v.check(t, v.root, inst, "")
}

var annotations = map[string]bool{"$schema": true, "$id": true, "title": true, "description": true, "format": true, "$defs": true}

func (v *schemaValidator) check(t *testing.T, schema any, inst any, at string) error {
	s, ok := schema.(map[string]any)
	if !ok {
		t.Fatalf("schema at %s is not an object", at)
	}
	for kw, arg := range s {
		if annotations[kw] || kw == "then" {
			continue
		}
		var err error
		switch kw {
		case "$ref":
			name, ok := strings.CutPrefix(arg.(string), "#/$defs/")
			if !ok {
				t.Fatalf("unsupported $ref %v", arg)
			}
			err = v.check(t, lookup(t, v.root, "$defs", name), inst, at)
		case "type":
			err = checkType(arg, inst)
		case "const":
			if !jsonEqual(arg, inst) {
				err = fmt.Errorf("not %v", arg)
			}
		case "enum":
			if !slices.ContainsFunc(arg.([]any), func(e any) bool { return jsonEqual(e, inst) }) {
				err = fmt.Errorf("%v not in %v", inst, arg)
			}
		case "pattern":
			if str, ok := inst.(string); ok && !regexp.MustCompile(arg.(string)).MatchString(str) {
				err = fmt.Errorf("%q does not match %s", str, arg)
			}
		case "minimum", "maximum", "multipleOf":
			err = checkNumber(kw, arg, inst)
		case "required":
			if obj, ok := inst.(map[string]any); ok {
				for _, name := range arg.([]any) {
					if _, ok := obj[name.(string)]; !ok {
						err = fmt.Errorf("%s required", name)
						break
					}
				}
			}
		case "properties":
			if obj, ok := inst.(map[string]any); ok {
				for name, sub := range arg.(map[string]any) {
					if val, ok := obj[name]; ok {
						if err = v.check(t, sub, val, at+"/"+name); err != nil {
							break
						}
					}
				}
			}
		case "allOf":
			for _, sub := range arg.([]any) {
				if err = v.check(t, sub, inst, at); err != nil {
					break
				}
			}
		case "anyOf":
			err = fmt.Errorf("no alternative of anyOf matches")
			for _, sub := range arg.([]any) {
				if v.check(t, sub, inst, at) == nil {
					err = nil
					break
				}
			}
		case "if":
			if v.check(t, arg, inst, at) == nil {
				if then, ok := s["then"]; ok {
					err = v.check(t, then, inst, at)
				}
			}
		default:
			t.Fatalf("schema keyword %q at %s is not supported by the test validator", kw, at)
		}
		if err != nil {
			return fmt.Errorf("%s: %s: %w", at, kw, err)
		}
	}
	return nil
}

func checkType(arg, inst any) error {
	types := []any{arg}
	if list, ok := arg.([]any); ok {
		types = list
	}
	for _, ty := range types {
		switch ty {
		case "object":
			if _, ok := inst.(map[string]any); ok {
				return nil
			}
		case "string":
			if _, ok := inst.(string); ok {
				return nil
			}
		case "boolean":
			if _, ok := inst.(bool); ok {
				return nil
			}
		case "null":
			if inst == nil {
				return nil
			}
		case "number":
			if _, ok := inst.(stdjson.Number); ok {
				return nil
			}
		case "integer":
			// Draft 2020-12: a number with a zero fractional part (1.0 too).
			if n, ok := inst.(stdjson.Number); ok {
				if r, ok := new(big.Rat).SetString(string(n)); ok && r.IsInt() {
					return nil
				}
			}
		default:
			panic(fmt.Sprintf("type %v", ty))
		}
	}
	return fmt.Errorf("%v is not of type %v", inst, arg)
}

func checkNumber(kw string, arg, inst any) error {
	n, ok := inst.(stdjson.Number)
	if !ok {
		return nil
	}
	x, ok1 := new(big.Rat).SetString(string(n))
	a, ok2 := new(big.Rat).SetString(string(arg.(stdjson.Number)))
	if !ok1 || !ok2 {
		return fmt.Errorf("bad number %v or %v", n, arg)
	}
	switch kw {
	case "minimum":
		if x.Cmp(a) < 0 {
			return fmt.Errorf("%v < %v", n, arg)
		}
	case "maximum":
		if x.Cmp(a) > 0 {
			return fmt.Errorf("%v > %v", n, arg)
		}
	case "multipleOf":
		if !new(big.Rat).Quo(x, a).IsInt() {
			return fmt.Errorf("%v is not a multiple of %v", n, arg)
		}
	}
	return nil
}

// jsonEqual compares JSON values, numbers by value (1 equals 1.0).
func jsonEqual(a, b any) bool {
	na, oka := a.(stdjson.Number)
	nb, okb := b.(stdjson.Number)
	if oka && okb {
		x, ok1 := new(big.Rat).SetString(string(na))
		y, ok2 := new(big.Rat).SetString(string(nb))
		return ok1 && ok2 && x.Cmp(y) == 0
	}
	return reflect.DeepEqual(a, b)
}

// TestSchemaValidatorFails guards the validator: it must find errors.
func TestSchemaValidatorFails(t *testing.T) {
	rec := newSchemaValidator(loadSchema(t, recordSchemaFile))
	for _, doc := range []string{`{}`, `[]`, strings.Replace(validClosed, `"closed"`, `"Closed"`, 1),
		strings.Replace(validResolved, `"120.50"`, `"120.505"`, 1)} {
		if rec.validate(t, []byte(doc)) == nil {
			t.Errorf("validator accepts %s", doc)
		}
	}
}
