package importer

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestFieldTypesMatchSchemas derives the type of every field from the JSON
// Schemas of the contract and requires fieldTypes to say the same, field for
// field: a field added to a schema, or a type changed, fails here until the
// CSV typing follows.
func TestFieldTypesMatchSchemas(t *testing.T) {
	got := map[string]cellType{}
	for _, file := range []string{"../schema/service-record.v1.schema.json", "../schema/feedback.v1.schema.json"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		w := schemaWalk{t: t, file: file, defs: asMap(doc["$defs"]), types: got}
		w.object("", doc)
		for _, branch := range asList(doc["allOf"]) {
			w.object("", asMap(asMap(branch)["then"]))
		}
	}
	for path, want := range got {
		if have, ok := fieldTypes[path]; !ok {
			t.Errorf("the schemas name %s (%s), which fieldTypes lacks", path, want)
		} else if have != want {
			t.Errorf("fieldTypes[%q] = %s, the schemas say %s", path, have, want)
		}
	}
	for path := range fieldTypes {
		if _, ok := got[path]; !ok {
			t.Errorf("fieldTypes names %s, which no schema has", path)
		}
	}
	if len(got) < 40 {
		t.Fatalf("derived only %d fields from the schemas: the walk is broken", len(got))
	}
}

// schemaWalk collects the type of each property of the schema keywords used
// in schema/: type, const, enum, $ref to $defs, anyOf, properties.
type schemaWalk struct {
	t     *testing.T
	file  string
	defs  map[string]any
	types map[string]cellType
}

// object records the properties of the object schema s, at prefix.
func (w *schemaWalk) object(prefix string, s map[string]any) {
	for name, p := range asMap(s["properties"]) {
		path := prefix + name
		ps := w.resolve(asMap(p))
		typ := w.typeOf(path, ps)
		if old, ok := w.types[path]; ok && old != typ {
			w.t.Errorf("%s: %s is %s in one place and %s in another", w.file, path, old, typ)
		}
		w.types[path] = typ
		if typ == typeObject {
			w.object(path+".", ps)
		}
	}
}

func (w *schemaWalk) resolve(s map[string]any) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		return w.resolve(asMap(w.defs[strings.TrimPrefix(ref, "#/$defs/")]))
	}
	return s
}

// typeOf is the cell type of the property schema s: its JSON types less
// null. anyOf of a string and a number is money (the contract's $defs/money:
// the literal text is the amount).
func (w *schemaWalk) typeOf(path string, s map[string]any) cellType {
	kinds := map[string]bool{}
	w.kinds(s, kinds)
	delete(kinds, "null")
	switch {
	case len(kinds) == 2 && kinds["string"] && kinds["number"]:
		return typeMoney
	case len(kinds) != 1:
		w.t.Errorf("%s: %s has JSON types %v; the CSV typing knows one type, or money", w.file, path, kinds)
		return typeString
	}
	for k := range kinds {
		switch k {
		case "string":
			return typeString
		case "boolean":
			return typeBoolean
		case "integer":
			return typeInteger
		case "number":
			return typeNumber
		case "object":
			return typeObject
		}
		w.t.Errorf("%s: %s has JSON type %s, which the CSV typing does not know", w.file, path, k)
	}
	return typeString
}

func (w *schemaWalk) kinds(s map[string]any, into map[string]bool) {
	s = w.resolve(s)
	switch ty := s["type"].(type) {
	case string:
		into[ty] = true
	case []any:
		for _, x := range ty {
			into[x.(string)] = true
		}
	}
	if c, ok := s["const"]; ok {
		into[jsonKind(c)] = true
	}
	for _, e := range asList(s["enum"]) {
		into[jsonKind(e)] = true
	}
	for _, b := range asList(s["anyOf"]) {
		w.kinds(asMap(b), into)
	}
}

// jsonKind is the JSON Schema type of a value decoded by encoding/json.
func jsonKind(v any) string {
	switch v := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case nil:
		return "null"
	}
	return "object"
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }
