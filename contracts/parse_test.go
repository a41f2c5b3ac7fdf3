package contracts

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*/expected.txt from the current output")

// Every folder of testdata is a case: input.yaml is parsed as
// "contracts.yaml", and expected.txt is either the error, one problem per
// line with its file:line, or, for a valid file, the resolved versions.
func TestParseGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/input.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, in := range dirs {
		dir := filepath.Dir(in)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			fh, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			f, err := Parse(fh, "contracts.yaml")
			var got string
			if err != nil {
				if f != nil {
					t.Errorf("Parse returned a File with an error")
				}
				got = "error:\n" + err.Error() + "\n"
			} else {
				got = "ok:\n" + dump(f)
			}
			want := filepath.Join(dir, "expected.txt")
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(b) {
				t.Errorf("Parse(%s):\n got:\n%s\nwant:\n%s", in, got, b)
			}
		})
	}
}

// dump writes every resolved field of every version, one version per line.
func dump(f *File) string {
	var b strings.Builder
	for _, id := range f.IDs() {
		for _, v := range f.Contracts[id] {
			fmt.Fprintf(&b, "%s %q line %d from %s: reply %vh onsite %vh parts %vd warranty %d+%d %s %s %s pause %v fees %s/%s/%s%% targets %v weights %v\n",
				v.ContractID, v.Name, v.Line, v.EffectiveFrom.Format(time.RFC3339),
				v.ResponseHours, v.OnsiteHours, v.PartsDays, v.WarrantyYears, v.ExtensionYears,
				v.Calendar, v.Window, v.Timezone, v.PauseReasons,
				v.Fees.CallOut.StringFixed(2), v.Fees.Hourly.StringFixed(2), v.Fees.PartsMarkupPercent.StringFixed(2),
				v.Targets, v.Weights)
		}
	}
	return b.String()
}

// The problems come as *Error values in line order, and the message of the
// issue's example has exactly the promised shape.
func TestParseErrorShape(t *testing.T) {
	fh, err := os.Open("testdata/non_positive/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	_, err = Parse(fh, "contracts.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	const want = "contracts.yaml:17: contract CT-GOLD: response_hours -2: must be > 0"
	if first := strings.SplitN(err.Error(), "\n", 2)[0]; first != want {
		t.Errorf("first problem = %q, want %q", first, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.Line != 17 || e.Contract != "CT-GOLD" || e.File != "contracts.yaml" {
		t.Errorf("errors.As(*Error) = %+v", e)
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok || len(joined.Unwrap()) < 5 {
		t.Fatalf("want every problem joined, got %v", err)
	}
	last := 0
	for _, e := range joined.Unwrap() {
		line := e.(*Error).Line
		if line < last {
			t.Errorf("problems not in line order: %v", err)
		}
		last = line
	}
}

func TestParseFile(t *testing.T) {
	f, err := ParseFile("sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Equal(Sample()) {
		t.Error("ParseFile(sample.yaml) differs from Sample()")
	}
	_, err = ParseFile("testdata/unknown_calendar/input.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "testdata/unknown_calendar/input.yaml:9: contract CT-GOLD: calendar \"prk\"") {
		t.Errorf("messages must name the file as given: %v", err)
	}
	if _, err := ParseFile("testdata/does-not-exist.yaml"); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestCheckKPIs(t *testing.T) {
	const in = `contracts:
  - id: CT-GOLD
    versions:
      - effective_from: 2024-01-01
        response_hours: 4
        onsite_hours: 24
        parts_days: 3
        warranty_years: 2
        calendar: prc
        window: "09:00-18:00"
        targets: {reply_sla_rate: 95, reply_sla: 90}
        weights:
          csat: 10
          nsp: 5
      - effective_from: 2025-01-01
        inherit: true
        response_hours: 2
`
	f, err := Parse(strings.NewReader(in), "contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	known := func(id string) bool { return id == "reply_sla_rate" || id == "csat" }
	err = f.CheckKPIs(known)
	// The second version inherits both maps; each unknown id is reported
	// once, where it is written.
	const want = "contracts.yaml:11: contract CT-GOLD: targets: unknown KPI \"reply_sla\"\n" +
		"contracts.yaml:14: contract CT-GOLD: weights: unknown KPI \"nsp\""
	if err == nil || err.Error() != want {
		t.Errorf("CheckKPIs:\n got: %v\nwant: %s", err, want)
	}
	if err := f.CheckKPIs(func(string) bool { return true }); err != nil {
		t.Errorf("all known: %v", err)
	}
	if err := Sample().CheckKPIs(func(string) bool { return false }); err != nil {
		t.Errorf("the sample names no KPI: %v", err)
	}
}

func TestSuggest(t *testing.T) {
	for _, tt := range []struct{ word, want string }{
		{"respons_hours", "; did you mean response_hours?"},
		{"calender", "; did you mean calendar?"},
		{"fee", "; did you mean fees?"},
		{"colour", ""},
	} {
		if got := suggest(tt.word, versionKeys); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

// The example of README.md is a valid file with the meaning it describes.
func TestReadmeExample(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no ```yaml example")
	}
	f, err := Parse(strings.NewReader(example), "README.md")
	if err != nil {
		t.Fatal(err)
	}
	later, ok := f.At("CT-GOLD", time.Date(2026, 10, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	if !ok || later.ResponseHours != 2 || later.OnsiteHours != 24 || later.Weight("reply_sla_rate", 0) != 15 {
		t.Errorf("README example, second version: %+v", later)
	}
}
