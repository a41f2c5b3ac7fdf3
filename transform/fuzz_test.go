package transform

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	stdjson "encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets. Seeds come from f.Add (the docs examples, the valid base
// messages and every reject case) and from testdata/fuzz/<target>/, which
// `go test -run TestFuzzCorpus -update` rewrites from the same seeds; crashers
// found by fuzzing are added there by hand.
//
//	go test ./transform -run='^$' -fuzz=FuzzDecodeRecord -fuzztime=30s

// fuzzSeeds returns the named seed messages.
func fuzzSeeds(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{
		"docs-request-created": []byte(exampleRequestCreated),
		"docs-resolved":        []byte(exampleResolved),
		"docs-survey":          []byte(exampleSurvey),
		"bench-record":         benchRecord,
		"bench-feedback":       benchFeedback,
	}
	for name, v := range map[string]string{
		"request-created": validRequestCreated, "acknowledged": validAcknowledged, "dispatched": validDispatched,
		"onsite-arrived": validOnsiteArrived, "remote-started": validRemoteStarted, "part-requested": validPartRequested,
		"part-delivered": validPartDelivered, "clock-paused": validClockPaused, "clock-resumed": validClockResumed,
		"resolved": validResolved, "reopened": validReopened, "closed": validClosed, "cancelled": validCancelled,
		"survey": validSurvey, "complaint-opened": validComplaintOpened, "complaint-resolved": validComplaintResolved,
	} {
		seeds["valid-"+name] = []byte(v)
	}
	for _, c := range append(recordRejects(t), feedbackRejects(t)...) {
		if len(c.value) > 4<<10 {
			continue // the oversize cases: too large for a useful corpus
		}
		seeds["reject-"+seedName(c.name)] = c.value
	}
	return seeds
}

func seedName(s string) string {
	return strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(s), "-"), "-")
}

func addSeeds(f *testing.F) {
	for _, v := range fuzzSeeds(f) {
		f.Add(v)
	}
	f.Add(oversized(MaxMessageBytes + 1))
}

// fuzzTargets are the targets whose corpus TestFuzzCorpus writes.
var fuzzTargets = []string{"FuzzDecodeRecord", "FuzzDecodeFeedback", "FuzzRedact", "FuzzScanMatchesStdlib"}

// TestFuzzCorpus checks that each target has a committed seed corpus in Go's
// format, and rewrites it from fuzzSeeds with -update.
func TestFuzzCorpus(t *testing.T) {
	for _, target := range fuzzTargets {
		dir := filepath.Join("testdata", "fuzz", target)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, v := range fuzzSeeds(t) {
				content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", v)
				if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		files, err := os.ReadDir(dir)
		if err != nil || len(files) < len(fuzzSeeds(t)) {
			t.Errorf("%s: %d seed files (%v); run go test -run TestFuzzCorpus -update", dir, len(files), err)
			continue
		}
		for _, fi := range files {
			b, err := os.ReadFile(filepath.Join(dir, fi.Name()))
			if err != nil || !bytes.HasPrefix(b, []byte("go test fuzz v1\n[]byte(")) {
				t.Errorf("%s/%s: not a corpus file of one []byte", dir, fi.Name())
			}
		}
	}
}

var idRE = regexp.MustCompile(idPattern)

// checkRejectProperties checks the properties every reject has.
func checkRejectProperties(t *testing.T, value []byte, rej *Reject) {
	t.Helper()
	if !slices.Contains(Reasons, rej.Reason) {
		t.Fatalf("reason %q is not one of Reasons", rej.Reason)
	}
	if rej.Detail == "" {
		t.Fatalf("%s with an empty Detail", rej.Reason)
	}
	if !utf8.ValidString(rej.Payload) || len(rej.Payload) > MaxRedactedBytes {
		t.Fatalf("Payload: valid UTF-8 %v, %d bytes", utf8.ValidString(rej.Payload), len(rej.Payload))
	}
	sum := sha256.Sum256(value)
	if rej.PayloadSize != len(value) || rej.PayloadSHA256 != hex.EncodeToString(sum[:]) {
		t.Fatal("PayloadSize or PayloadSHA256 is not the original's")
	}
	if rej.Reason == ReasonBadJSON && utf8.Valid(value) && len(value) <= MaxMessageBytes && isObjectWithin(value, maxNesting) {
		t.Fatalf("bad_json (%s) for a JSON object encoding/json accepts", rej.Detail)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	addSeeds(f)
	tr := newTestTransformer(f)
	f.Fuzz(func(t *testing.T, value []byte) {
		ev, rej := tr.DecodeRecord(testSource, value)
		again, rej2 := tr.DecodeRecord(testSource, value)
		if !reflect.DeepEqual(ev, again) || !reflect.DeepEqual(rej, rej2) {
			t.Fatal("two decodes of the same message differ")
		}
		if rej != nil {
			if ev != (ServiceEvent{}) {
				t.Fatalf("rejected (%s) with a non-zero row", rej.Reason)
			}
			checkRejectProperties(t, value, rej)
			return
		}
		if ev.EventID == "" || ev.Source != testSource {
			t.Fatalf("accepted row without EventID or Source: %+v", ev)
		}
		checkIDs(t, ev.EventID, ev.RequestID, ev.ContractID, ev.PartnerID)
		checkOptionalIDs(t, ev.TechnicianID, ev.PartLineID)
		checkOccurredAt(t, ev.OccurredAt.Location().String(), ev.OccurredAt.Before(minTime), ev.OccurredAt.Sub(testNow) > MaxFutureSkew)
		checkCustomerRef(t, ev.CustomerRef)
		if !slices.Contains(RecordTypes, ev.EventType) || ev.SchemaVersion != SchemaVersion {
			t.Fatalf("EventType %q, SchemaVersion %d", ev.EventType, ev.SchemaVersion)
		}
		for _, e := range []struct {
			v    string
			list []string
		}{{ev.Channel, Channels}, {ev.Cause, Causes}, {ev.Warranty, Warranties}, {ev.PauseReason, PauseReasons}} {
			if e.v != "" && !slices.Contains(e.list, e.v) {
				t.Fatalf("%q is not in %v", e.v, e.list)
			}
		}
		if ev.EventType == Resolved && (ev.PartsFee.Exponent() != -2 || ev.PartsFee.IsNegative() || ev.LabourFee.IsNegative()) {
			t.Fatalf("fees %s %s", ev.PartsFee, ev.LabourFee)
		}
	})
}

func FuzzDecodeFeedback(f *testing.F) {
	addSeeds(f)
	tr := newTestTransformer(f)
	f.Fuzz(func(t *testing.T, value []byte) {
		ev, rej := tr.DecodeFeedback(testSource, value)
		again, rej2 := tr.DecodeFeedback(testSource, value)
		if !reflect.DeepEqual(ev, again) || !reflect.DeepEqual(rej, rej2) {
			t.Fatal("two decodes of the same message differ")
		}
		if rej != nil {
			if ev != (FeedbackEvent{}) {
				t.Fatalf("rejected (%s) with a non-zero row", rej.Reason)
			}
			checkRejectProperties(t, value, rej)
			return
		}
		if ev.EventID == "" || ev.Source != testSource {
			t.Fatalf("accepted row without EventID or Source: %+v", ev)
		}
		checkIDs(t, ev.EventID, ev.RequestID, ev.ContractID, ev.PartnerID)
		checkOptionalIDs(t, ev.ComplaintID)
		checkOccurredAt(t, ev.OccurredAt.Location().String(), ev.OccurredAt.Before(minTime), ev.OccurredAt.Sub(testNow) > MaxFutureSkew)
		checkCustomerRef(t, ev.CustomerRef)
		if !slices.Contains(FeedbackTypes, ev.EventType) || ev.SchemaVersion != SchemaVersion {
			t.Fatalf("EventType %q, SchemaVersion %d", ev.EventType, ev.SchemaVersion)
		}
		for _, r := range []struct {
			v      int8
			lo, hi int8
		}{{ev.CSAT, 1, 5}, {ev.NPS, 0, 10}, {ev.CES, 1, 7}} {
			if r.v != -1 && (r.v < r.lo || r.v > r.hi) {
				t.Fatalf("rating %d outside [%d, %d]", r.v, r.lo, r.hi)
			}
		}
		if ev.EventType == SurveySubmitted && ev.CSAT < 0 && ev.NPS < 0 && ev.CES < 0 {
			t.Fatal("a survey without any rating was accepted")
		}
		if ev.ComplaintCategory != "" && !slices.Contains(ComplaintClasses, ev.ComplaintCategory) ||
			ev.ComplaintSeverity != "" && !slices.Contains(Severities, ev.ComplaintSeverity) {
			t.Fatalf("complaint %q %q", ev.ComplaintCategory, ev.ComplaintSeverity)
		}
	})
}

func checkIDs(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if !idRE.MatchString(id) {
			t.Fatalf("id %q does not match %s", id, idPattern)
		}
	}
}

func checkOptionalIDs(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if id != "" && !idRE.MatchString(id) {
			t.Fatalf("id %q does not match %s", id, idPattern)
		}
	}
}

func checkOccurredAt(t *testing.T, loc string, before2000, future bool) {
	t.Helper()
	if loc != "UTC" || before2000 || future {
		t.Fatalf("OccurredAt: location %s, before 2000 %v, too far ahead %v", loc, before2000, future)
	}
}

var hexRefRE = regexp.MustCompile(`^([0-9a-f]{32})?$`)

func checkCustomerRef(t *testing.T, ref string) {
	t.Helper()
	if !hexRefRE.MatchString(ref) {
		t.Fatalf("CustomerRef %q", ref)
	}
}

// isObjectWithin says whether value is a JSON object by encoding/json, nested
// at most depth levels below the top-level object.
func isObjectWithin(value []byte, depth int) bool {
	if !stdjson.Valid(value) {
		return false
	}
	trimmed := bytes.TrimLeft(value, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{' && nesting(value) <= depth+1
}

// nesting returns the deepest nesting of objects and arrays of a valid JSON
// text (the top-level object is 1).
func nesting(value []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// FuzzScanMatchesStdlib checks the scanner's JSON syntax against
// encoding/json: it accepts a (valid UTF-8) text exactly when encoding/json
// does and the text is an object nested within the limit.
func FuzzScanMatchesStdlib(f *testing.F) {
	addSeeds(f)
	// Valid and invalid texts that simple scanners get wrong.
	for _, s := range []string{
		`{"a":"\u00e9\ud83d\ude00\/"}`, `{"a":"\uD800"}`, `{"a":-0.0e+1}`, `{"a":[{},[],"",0,true,false,null]}`,
		`{"a" : 1 , "b":{ }}`, `{"product":{"serial":"x","extra":[1,{"y":2}]}}`, `{"product":[]}`, `{"product":{}}`,
		`{"a":1E5}`, `{"a":"\\"}`, `{"a":"\\\""}`, "{}", " {} ", `{"":0}`,
		`{"a":.5}`, `{"a":1.}`, `{"a":-}`, `{"a":--1}`, `{"a":1e}`, `{"a":1e+}`, `{"a":01}`, `{"a":-01}`, `{"a":+1}`,
		`{"a":"\u12"}`, `{"a":"\u12G4"}`, `{"a":"\a"}`, `{"a":"x"}}`, `{"a" 1}`, `{,}`, `{"a":1,,"b":2}`, `{"a":1,}`,
		`{"a":[1,]}`, `{"a":[,1]}`, `{"a":[1 2]}`, `{"a":{"b"}}`, `{"a":{"b":}}`, `{"a":{"b":1 "c":2}}`,
		`{"a":{"b":1,}}`, `{"a":[}`, `{"a":{]}`, `{"a":[1}`, `{"product":{"serial":"x",}}`, `{"product":{"serial" "x"}}`,
		`{"a":tru}`, `{"a":nulll}`, `{"a":truefalse}`, `{"a":1 2}`, `{"a":1}x`, `{"a":1}}`, `{"a":"b` + "\x00" + `"}`,
		`{"a":"` + "\t" + `"}`, `{"a":1}` + "\x00", `{"a"` + "\n:\r1\t}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		if !utf8.Valid(value) {
			return
		}
		var fields [numFields]span
		got := scan(value, &fields)
		n := 0
		if stdjson.Valid(value) {
			n = nesting(value)
		}
		// Inside a container (product…) one more level is allowed: accept
		// either answer at exactly that depth.
		if n == maxNesting+2 {
			return
		}
		if want := isObjectWithin(value, maxNesting); got != want {
			t.Fatalf("scan = %v, encoding/json says object within the nesting limit = %v", got, want)
		}
		if got {
			for f, sp := range fields {
				if sp.kind != kindAbsent && (sp.start < 0 || sp.end > int32(len(value)) || sp.start > sp.end) {
					t.Fatalf("field %s: span %d..%d outside the message", fieldPath[f], sp.start, sp.end)
				}
				if sp.kind == kindString && !stdjson.Valid(value[sp.start:sp.end]) {
					t.Fatalf("field %s: %q is not a JSON string", fieldPath[f], value[sp.start:sp.end])
				}
			}
		}
	})
}

func FuzzRedact(f *testing.F) {
	addSeeds(f)
	if files, err := filepath.Glob("testdata/redact/*.input"); err == nil {
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		out := Redact(value)
		if !utf8.ValidString(out) || len(out) > MaxRedactedBytes {
			t.Fatalf("valid UTF-8 %v, %d bytes", utf8.ValidString(out), len(out))
		}
		body, truncated := out, false
		if loc := truncatedRE.FindStringIndex(out); loc != nil {
			body, truncated = out[:loc[0]], true
		}

		var doc any
		dec := stdjson.NewDecoder(bytes.NewReader(value))
		dec.UseNumber()
		if !isJSONObject(value) || dec.Decode(&doc) != nil {
			// The textual scrub: ASCII only, no long digit run, every string
			// literal masked or a contract name.
			for i := 0; i < len(body); i++ {
				if body[i] >= utf8.RuneSelf {
					t.Fatalf("non-ASCII byte in the scrub of a non-JSON input: %q", body)
				}
			}
			if hasLongDigitRun([]byte(body)) {
				t.Fatalf("a long digit run survived: %q", body)
			}
			return
		}

		if !truncated {
			// Numbers as written: JSON allows 1E700, which no float64 holds.
			var red any
			rdec := stdjson.NewDecoder(strings.NewReader(out))
			rdec.UseNumber()
			if err := rdec.Decode(&red); err != nil {
				t.Fatalf("the redaction of a JSON object is not JSON: %v\n%s", err, out)
			}
			if _, err := rdec.Token(); err != io.EOF {
				t.Fatalf("the redaction of a JSON object has more after the object (%v):\n%s", err, out)
			}
			checkRedactedTree(t, red)
		}
		// No string under a personal-data name may appear in the output,
		// unless the input also has it outside personal data (then it is
		// not the redaction that shows it).
		var pii, other []string
		collectStrings(value, &pii, &other)
		for _, s := range pii {
			if len(s) < 6 || slices.ContainsFunc(other, func(o string) bool { return strings.Contains(o, s) }) {
				continue
			}
			if strings.Contains(out, s) {
				t.Fatalf("personal value %q survived:\n%s", s, out)
			}
		}
	})
}

var truncatedRE = regexp.MustCompile(`…\(truncated [0-9]+ bytes\)$`)

// checkRedactedTree checks that every value under a personal-data name is
// "<redacted>".
func checkRedactedTree(t *testing.T, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			if isPIIName(k) {
				if sub != "<redacted>" {
					t.Fatalf("%q: %v, want <redacted>", k, sub)
				}
				continue
			}
			checkRedactedTree(t, sub)
		}
	case []any:
		for _, sub := range v {
			checkRedactedTree(t, sub)
		}
	}
}

// collectStrings sorts the strings of a JSON document (values and names)
// into those under a personal-data name and the others. It reads the
// document's tokens, not a decoded tree: a tree keeps only the last of two
// members of one name, and Redact sees them all.
func collectStrings(value []byte, pii, other *[]string) {
	dec := stdjson.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	// One frame per open object or array: whether it is under personal
	// data, and for an object whether the next string is a member's name.
	type frame struct {
		object, nameNext, underPII, memberPII bool
	}
	stack := []frame{{}}
	for {
		tok, err := dec.Token()
		if err != nil {
			return // the caller decoded the same bytes: this is the end
		}
		top := &stack[len(stack)-1]
		under := top.underPII
		if top.object && !top.nameNext {
			under = top.memberPII
		}
		add := func(s string) {
			if under {
				*pii = append(*pii, s)
			} else {
				*other = append(*other, s)
			}
		}
		switch tok := tok.(type) {
		case stdjson.Delim:
			switch tok {
			case '{', '[':
				if top.object {
					top.nameNext = true
				}
				stack = append(stack, frame{object: tok == '{', nameNext: tok == '{', underPII: under})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top.object && top.nameNext {
				add(tok)
				top.memberPII, top.nameNext = top.underPII || isPIIName(tok), false
				continue
			}
			add(tok)
			if top.object {
				top.nameNext = true
			}
		case stdjson.Number:
			add(string(tok))
			if top.object {
				top.nameNext = true
			}
		default: // true, false, null
			if top.object {
				top.nameNext = true
			}
		}
	}
}
