package importer

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"servicepulse/transform"
)

// TestCSVCellTypes: a cell is written as the JSON type of its field in the
// contract's schema; one that is not of its type stays a string, for
// transform to reject as it would in a JSON line.
func TestCSVCellTypes(t *testing.T) {
	tests := []struct {
		path, cell, want string
	}{
		{"technician.certified", "true", `true`},
		{"technician.certified", "FALSE", `false`},
		{"technician.certified", "True", `true`},
		{"technician.certified", "yes", `"yes"`},
		{"technician.certified", "1", `"1"`},
		{"planned_follow_up", "false", `false`},
		{"visit_no", "2", `2`},
		{"visit_no", "-3", `-3`},
		{"visit_no", "1.5", `1.5`}, // transform judges the literal, as in a JSON line
		{"visit_no", "1e2", `1e2`},
		{"visit_no", "one", `"one"`},
		{"visit_no", "01", `"01"`}, // not a JSON number
		{"visit_no", " 2", `" 2"`},
		{"survey.csat", "5", `5`},
		{"schema_version", "1", `1`},
		{"resolution.parts_fee", "120.50", `"120.50"`}, // the decimal text kept exactly
		{"resolution.parts_fee", "0.07", `"0.07"`},
		{"resolution.parts_fee", "1234567890123456.78", `"1234567890123456.78"`},
		{"resolution.labour_fee", "12,50", `"12,50"`},
		{"resolution.labour_fee", "1e3", `"1e3"`},
		{"product.serial", "0012", `"0012"`}, // a string field is never a number
		{"event_id", "true", `"true"`},
		{"note", `say "hi"\`, `"say \"hi\"\\"`},
		{"note", "a\nb\tc\x01", `"a\nb\tc\u0001"`},
		{"note", "空调", `"空调"`},
		{"note", "bad \xff byte", "\"bad \xff byte\""}, // left for transform: invalid_utf8
		{"legacy.ticket_no", "42", `"42"`},             // no such field: a string
	}
	for _, tt := range tests {
		if got := string(appendCell(nil, typeOf(tt.path), tt.cell)); got != tt.want {
			t.Errorf("%s cell %q: got %s, want %s", tt.path, tt.cell, got, tt.want)
		}
	}
}

// TestCSVDottedPaths: the header's dotted paths nest; members keep the
// order of their first column; an empty cell is absent, and so is an object
// whose cells are all empty.
func TestCSVDottedPaths(t *testing.T) {
	tests := []struct {
		name   string
		header string
		row    []string
		want   string
	}{
		{"flat", "event_type,event_id", []string{"acknowledged", "e1"},
			`{"event_type":"acknowledged","event_id":"e1"}`},
		{"nested", "event_type,product.serial,region,product.model", []string{"request_created", "S1", "N", "M1"},
			`{"event_type":"request_created","product":{"serial":"S1","model":"M1"},"region":"N"}`},
		{"empty cell absent", "event_type,note,visit_no", []string{"acknowledged", "", ""},
			`{"event_type":"acknowledged"}`},
		{"empty object absent", "event_type,customer.name,customer.phone", []string{"acknowledged", "", ""},
			`{"event_type":"acknowledged"}`},
		{"part of an object", "event_type,customer.name,customer.phone", []string{"acknowledged", "", "138"},
			`{"event_type":"acknowledged","customer":{"phone":"138"}}`},
		{"deep unknown", "event_type,a.b.c,a.b.d,a.e", []string{"x", "1", "", "2"},
			`{"event_type":"x","a":{"b":{"c":"1"},"e":"2"}}`},
		{"typed inside objects", "event_type,technician.id,technician.certified,part.quantity,resolution.parts_fee",
			[]string{"x", "T-1", "TRUE", "3", "9.90"},
			`{"event_type":"x","technician":{"id":"T-1","certified":true},"part":{"quantity":3},"resolution":{"parts_fee":"9.90"}}`},
		{"header trimmed", " event_type , product.serial ", []string{"x", "S"},
			`{"event_type":"x","product":{"serial":"S"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := parseHeader(strings.Split(tt.header, ","))
			if err != nil {
				t.Fatal(err)
			}
			got := l.appendRow(nil, tt.row)
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("%s is not JSON", got)
			}
		})
	}
}

// TestCSVHeaderErrors: a header that gives no layout is refused, naming
// columns by number and path.
func TestCSVHeaderErrors(t *testing.T) {
	tests := []struct{ header, want string }{
		{"event_id,product.serial", "no event_type column: the first line must be the header"},
		{"SR-1,张伟,13800138000", "no event_type column"}, // data, not a header: no cell echoed
		{"event_type,event_id,event_id", "columns 2 and 3 both name event_id"},
		{"event_type,product.serial,product", "column 3 names the object product"},
		{"event_type,customer", "column 2 names the object customer"},
		{"event_type,a.b,a.b.c", "column 2 (a.b) and column 3 (a.b.c) conflict: a.b is both a value and an object"},
		{"event_type,a.b.c,a.b", "column 2 (a.b.c) and column 3 (a.b) conflict: a.b is both a value and an object"},
		{"event_type,event_type.x", "column 1 (event_type) and column 2 (event_type.x) conflict"},
		{"event_type,product..serial", `column 2 ("product..serial") is not a dotted field path`},
		{"event_type,", `column 2 ("") is not a dotted field path`},
	}
	for _, tt := range tests {
		_, err := parseHeader(strings.Split(tt.header, ","))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("header %q: got %v, want an error containing %q", tt.header, err, tt.want)
		}
	}
	if _, err := parseHeader(strings.Split("SR-1,张伟,13800138000", ",")); err != nil &&
		(strings.Contains(err.Error(), "张伟") || strings.Contains(err.Error(), "13800138000")) {
		t.Errorf("a refused header echoes its cells: %v", err)
	}
}

// TestCSVThroughTransform: every row of testdata/typing.csv goes through
// the same transform as a JSON line, with the verdict its column test.want
// names ("" for valid); its JSON is testdata/typing.want.jsonl, line by line.
func TestCSVThroughTransform(t *testing.T) {
	f, err := os.Open("testdata/typing.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := os.ReadFile("testdata/typing.want.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	wantLines := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	chk := testChecker(t, Auto)
	var rows, unknown int
	err = readCSV(f, func(cols []string) { unknown = len(cols) }, func(ev event) error {
		if ev.notCSV != nil {
			t.Fatalf("line %d: %v", ev.line, ev.notCSV)
		}
		if rows < len(wantLines) && string(ev.value) != wantLines[rows] {
			t.Errorf("line %d:\n got  %s\n want %s", ev.line, ev.value, wantLines[rows])
		}
		rows++
		var row struct {
			Test struct{ Want string } `json:"test"`
		}
		if err := json.Unmarshal(ev.value, &row); err != nil {
			t.Fatalf("line %d: %v", ev.line, err)
		}
		got := ""
		if v := chk.check(ev.value); v.rej != nil {
			got = string(v.rej.Reason) + " " + v.rej.Detail
		}
		if got != row.Test.Want {
			t.Errorf("line %d: verdict %q, want %q", ev.line, got, row.Test.Want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(wantLines) || unknown != 1 {
		t.Fatalf("read %d rows (want %d) with %d unknown columns (want 1: test.want)", rows, len(wantLines), unknown)
	}
}

// TestCSVLineNumbers: a row's line is where it starts (a quoted cell may
// span lines), after a byte-order mark and CRLF endings; a row that is not
// CSV is bad_csv at its line, naming no cell.
func TestCSVLineNumbers(t *testing.T) {
	in := "\ufeffevent_type,note\r\nacknowledged,\"two\r\nlines\"\r\nacknowledged,x,13800138000\r\nclosed,\r\n"
	var got []string
	err := readCSV(strings.NewReader(in), nil, func(ev event) error {
		if ev.notCSV != nil {
			got = append(got, strings.Join([]string{itoa(ev.line), string(ev.notCSV.Reason), ev.notCSV.Detail}, " "))
		} else {
			got = append(got, itoa(ev.line)+" "+string(ev.value))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`2 {"event_type":"acknowledged","note":"two\nlines"}`,
		"4 bad_csv wrong number of fields",
		`5 {"event_type":"closed"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestJSONLines: lines end in \n or \r\n, the last perhaps in neither; a
// leading byte-order mark is dropped; blank lines are skipped but counted;
// a line longer than MaxLineBytes is cut, and marked so.
func TestJSONLines(t *testing.T) {
	long := bytes.Repeat([]byte("x"), MaxLineBytes+5000)
	in := "\ufeff{\"a\":1}\r\n\n  \n{\"b\":2}\n" + string(long) + "\n{\"c\":3}"
	var got []string
	err := readJSONL(strings.NewReader(in), func(ev event) error {
		v := string(ev.value)
		if !ev.whole {
			v = "cut:" + itoa(len(ev.value))
		}
		got = append(got, itoa(ev.line)+" "+v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`1 {"a":1}`, `4 {"b":2}`, "5 cut:" + itoa(MaxLineBytes+1), `6 {"c":3}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestKindFromEventType: with Auto, each event's type picks its topic and
// decode; a fixed kind decodes every event as that kind, as ingest would on
// that topic.
func TestKindFromEventType(t *testing.T) {
	ev := func(typ string) []byte {
		return []byte(`{"schema_version":1,"event_id":"e1","event_type":"` + typ +
			`","occurred_at":"2026-09-01T09:00:00+08:00","request_id":"SR-1","contract_id":"C","partner_id":"P","survey":{"csat":4},"complaint":{"id":"C1"}}`)
	}
	tests := []struct {
		kind   Kind
		typ    string
		topic  Kind
		reason transform.Reason
	}{
		{Auto, "acknowledged", Records, ""},
		{Auto, "survey_submitted", Feedback, ""},
		{Auto, "complaint_resolved", Feedback, ""},
		{Auto, "visit_done", Records, transform.ReasonUnknownEventType},
		{Records, "survey_submitted", Records, transform.ReasonUnknownEventType},
		{Feedback, "acknowledged", Feedback, transform.ReasonUnknownEventType},
		{Feedback, "survey_submitted", Feedback, ""},
	}
	for _, tt := range tests {
		v := testChecker(t, tt.kind).check(ev(tt.typ))
		var reason transform.Reason
		if v.rej != nil {
			reason = v.rej.Reason
		}
		if v.kind != tt.topic || reason != tt.reason || string(v.key) != "SR-1" {
			t.Errorf("kind %s, %s: topic %s, reason %q, key %q; want %s, %q, SR-1", tt.kind, tt.typ, v.kind, reason, v.key, tt.topic, tt.reason)
		}
	}
}

func testChecker(t *testing.T, kind Kind) *checker {
	t.Helper()
	c, err := newChecker(Config{Kind: kind, Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func itoa(n int) string { return strconv.Itoa(n) }
