package extract_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"servicepulse/contracts"
	"servicepulse/contracts/extract"
)

var update = flag.Bool("update", false, "rewrite the expected files of testdata/ (and testdata/gb18030.txt from gb18030.utf8)")

// TestGolden extracts every testdata/NAME.txt, a filled-in copy of the
// template, with NAME.defaults.yaml when there is one, and compares with
// NAME.yaml (the extract) or NAME.err (the problems), and NAME.warnings.
func TestGolden(t *testing.T) {
	encodeGB18030(t)
	inputs, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(inputs) < 5 {
		t.Fatalf("want at least five filled-in copies in testdata, got %v (%v)", inputs, err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(in, ".txt")
		t.Run(filepath.Base(name), func(t *testing.T) {
			res, err := parseCase(t, name)
			var got, gotWarn, ext string
			switch {
			case err != nil:
				got, ext = err.Error()+"\n", ".err"
			default:
				got, ext = string(res.YAML), ".yaml"
				if len(res.Warnings) > 0 {
					gotWarn = strings.Join(res.Warnings, "\n") + "\n"
				}
				// What is written must load as it is.
				if _, err := contracts.Parse(bytes.NewReader(res.YAML), "extract.yaml"); err != nil {
					t.Errorf("the extract does not parse as a contracts file: %v", err)
				}
			}
			compare(t, name+ext, got)
			compare(t, name+".warnings", gotWarn)
			other := map[string]string{".err": ".yaml", ".yaml": ".err"}[ext]
			if _, err := os.Stat(name + other); err == nil {
				if *update {
					os.Remove(name + other)
				} else {
					t.Errorf("%s exists, but the case gave %s", name+other, ext)
				}
			}
		})
	}
}

func parseCase(t *testing.T, name string) (*extract.Result, error) {
	t.Helper()
	src, err := os.ReadFile(name + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	var o extract.Options
	if b, err := os.ReadFile(name + ".defaults.yaml"); err == nil {
		o.Defaults, o.DefaultsName = b, filepath.Base(name)+".defaults.yaml"
	}
	return extract.Parse(src, filepath.Base(name)+".txt", o)
}

// compare checks got against the file (absent means empty), or rewrites it.
func compare(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if got == "" {
			os.Remove(path)
			return
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./contracts/extract -run Golden -update, then review the diff)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// encodeGB18030 checks that testdata/gb18030.txt is gb18030.utf8 encoded in
// GB18030 (a signed copy saved on a Chinese Windows system), or writes it.
func encodeGB18030(t *testing.T) {
	t.Helper()
	src, err := os.ReadFile("testdata/gb18030.utf8")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := simplifiedchinese.GB18030.NewEncoder().Bytes(src)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(enc, src) {
		t.Fatal("gb18030.utf8 encodes to itself: it holds no Chinese text")
	}
	if *update {
		if err := os.WriteFile("testdata/gb18030.txt", enc, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile("testdata/gb18030.txt")
	if err != nil || !bytes.Equal(got, enc) {
		t.Fatalf("testdata/gb18030.txt is not gb18030.utf8 in GB18030 (%v); run with -update", err)
	}
}

// TestNoPartyNames: the parties of a signed copy (甲方, 乙方, who may be a
// person) appear nowhere in the extract, its warnings or its values.
func TestNoPartyNames(t *testing.T) {
	res, err := parseCase(t, "testdata/halfwidth")
	if err != nil {
		t.Fatal(err)
	}
	all := string(res.YAML) + strings.Join(res.Warnings, "\n")
	for _, v := range res.Values {
		all += v.YAML + v.Where
	}
	for _, party := range []string{"华东某某科技有限公司", "王小明"} {
		if strings.Contains(all, party) {
			t.Errorf("the extract copies the party name %q:\n%s", party, all)
		}
	}
}

// TestEncodings: text that is neither UTF-8 nor GB18030 is a clear error
// at a line, not garbage terms.
func TestEncodings(t *testing.T) {
	utf16 := []byte{0xFF, 0xFE, '1', 0, '.', 0}
	if _, err := extract.Parse(utf16, "c.txt", extract.Options{}); err == nil || !strings.Contains(err.Error(), "c.txt:1: the file looks like UTF-16") {
		t.Errorf("UTF-16: %v, want c.txt:1: the file looks like UTF-16 …", err)
	}
	bad := []byte("编号:\n\xff\xff\n")
	if _, err := extract.Parse(bad, "c.txt", extract.Options{}); err == nil || !strings.Contains(err.Error(), "c.txt:2: the file is neither UTF-8 nor GB18030") {
		t.Errorf("invalid bytes: %v, want c.txt:2: the file is neither UTF-8 nor GB18030 …", err)
	}
}

// TestFlagsOverride: --id and --effective-from replace the contract's, with
// a warning each, and the YAML says they came from flags.
func TestFlagsOverride(t *testing.T) {
	src, err := os.ReadFile("testdata/halfwidth.txt")
	if err != nil {
		t.Fatal(err)
	}
	res, err := extract.Parse(src, "c.txt", extract.Options{ID: "CT-X", EffectiveFrom: "2026-04-01", Calendar: "mon-fri"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "CT-X" || res.Terms.Calendar != "mon-fri" || len(res.Warnings) != 2 {
		t.Errorf("id %s, calendar %s, warnings %q: want CT-X, mon-fri and two warnings", res.ID, res.Terms.Calendar, res.Warnings)
	}
	for _, want := range []string{`id: "CT-X"`, "# flag --id", "effective_from: 2026-04-01", "# flag --effective-from", "# flag --calendar"} {
		if !strings.Contains(string(res.YAML), want) {
			t.Errorf("extract lacks %q:\n%s", want, res.YAML)
		}
	}
	// A flag the contracts format rejects is reported as the flag's.
	if _, err := extract.Parse(src, "c.txt", extract.Options{Calendar: "lunar"}); err == nil || !strings.HasPrefix(err.Error(), `--calendar: calendar "lunar": unknown`) {
		t.Errorf("--calendar lunar: %v, want an error naming --calendar", err)
	}
}

// TestDefaultsFileProblems: a defaults file is checked at its own lines.
func TestDefaultsFileProblems(t *testing.T) {
	src, err := os.ReadFile("testdata/halfwidth.txt")
	if err != nil {
		t.Fatal(err)
	}
	defaults := "calendar: prc\nresponse_hours: 2\npause_reasons: [waiting_custmer]\n"
	_, err = extract.Parse(src, "c.txt", extract.Options{Defaults: []byte(defaults), DefaultsName: "d.yaml"})
	want := []string{
		"d.yaml:2: response_hours comes from the signed contract (clause 2.3.1), not from a defaults file",
	}
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("got %v\nwant it to hold %q", err, w)
		}
	}
	defaults = "pause_reasons: [waiting_custmer]\n"
	_, err = extract.Parse(src, "c.txt", extract.Options{Defaults: []byte(defaults), DefaultsName: "d.yaml"})
	if err == nil || !strings.HasPrefix(err.Error(), `d.yaml:1: pause_reasons: unknown reason "waiting_custmer"`) {
		t.Errorf("got %v, want the bad reason at d.yaml:1", err)
	}
}

var lined = regexp.MustCompile(`^fuzz\.txt:[1-9][0-9]*: `)

// FuzzExtract: whatever the bytes, Parse never panics, and returns terms
// that load or problems that each name a line of the file.
func FuzzExtract(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*.txt")
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("合同编号 A\n第一章:总则\n2.3.1 应在四小时内给予回复,并在十二小时内到达现场\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := extract.Parse(src, "fuzz.txt", extract.Options{})
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !lined.MatchString(line) {
					t.Fatalf("a problem without a line: %q", line)
				}
			}
			return
		}
		if _, err := contracts.Parse(bytes.NewReader(res.YAML), "x.yaml"); err != nil {
			t.Fatalf("the extract does not load: %v\n%s", err, res.YAML)
		}
		if res.Terms.ResponseHours <= 0 || res.Terms.Window == "" {
			t.Fatalf("terms without a promise: %+v", res.Terms)
		}
	})
}

// TestContractNumbers: 合同编号 wins over the cover's 编号, with a warning
// when they differ; a number that cannot be an id asks for --id.
func TestContractNumbers(t *testing.T) {
	src, err := os.ReadFile("testdata/halfwidth.txt")
	if err != nil {
		t.Fatal(err)
	}
	differ := strings.Replace(string(src), "合同编号 HT-2026-001", "合同编号 HT-2026-009", 1)
	res, err := extract.Parse([]byte(differ), "c.txt", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `c.txt:79: 合同编号: contract number "HT-2026-009" differs from the cover's 编号 "HT-2026-001" (line 2); using 合同编号`
	if res.ID != "HT-2026-009" || len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Errorf("id %s, warnings %q; want HT-2026-009 and %q", res.ID, res.Warnings, want)
	}
	slash := strings.Replace(string(src), "合同编号 HT-2026-001", "合同编号 HT/2026/001", 1)
	_, err = extract.Parse([]byte(slash), "c.txt", extract.Options{})
	if err == nil || !strings.Contains(err.Error(), `c.txt:79: 合同编号: contract number "HT/2026/001" cannot be a contract id`) {
		t.Errorf("got %v, want the number at line 79 refused as an id", err)
	}
	if _, err := extract.Parse([]byte(slash), "c.txt", extract.Options{ID: "HT-2026-001"}); err != nil {
		t.Errorf("--id should stand in for a number that is no id: %v", err)
	}
}
