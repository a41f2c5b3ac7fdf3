package pipelinetest

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"servicepulse/metrics"
)

// writeCase writes a case folder with the given files into a temporary
// directory and returns its path.
func writeCase(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var smallCase = map[string]string{
	ContractsFile: "contracts: []\n",
	EventsFile: `# R1: opened
{"event_id":"R1-01","event_type":"request_created","request_id":"R1"}

# its survey
{"event_id":"R1-02","event_type":"survey_submitted","request_id":"R1"}
`,
	QueryFile: "from: 2026-09-01\nto: 2026-09-30\nas_of: 2026-10-01T00:00:00+08:00\nby: [\"\", \"partner,region\"]\n",
	ExpectedFile: "kpi\tgroup\tvalue\treasoning\n" +
		"requests\t*\t1\tR1\n" +
		"csat\t*\tNaN\tno answer on the csat scale\n" +
		"nps\t*\t12.5\tgone from the output\n",
}

func TestLoadCase(t *testing.T) {
	c := LoadCase(t, writeCase(t, smallCase))
	if len(c.Events) != 2 || c.Events[0].ID != "R1-01" || c.Events[0].Line != 2 || c.Events[1].Line != 5 {
		t.Fatalf("events %+v", c.Events)
	}
	if c.Events[0].Feedback() || !c.Events[1].Feedback() {
		t.Errorf("feedback: request_created %v, survey_submitted %v; want false, true", c.Events[0].Feedback(), c.Events[1].Feedback())
	}
	if n := requests(c.Events); n != 1 {
		t.Errorf("requests: %d, want 1", n)
	}
	qs, err := c.Queries()
	if err != nil {
		t.Fatal(err)
	}
	// to is inclusive: the query's To is the day after.
	if len(qs) != 2 || qs[0].By != nil || !slices.Equal(qs[1].By, []metrics.Dimension{metrics.ByPartner, metrics.ByRegion}) ||
		qs[0].From.Format("2006-01-02") != "2026-09-01" || qs[0].To.Format("2006-01-02") != "2026-10-01" ||
		qs[0].AsOf.UTC().Format("2006-01-02 15:04") != "2026-09-30 16:00" {
		t.Errorf("queries %+v", qs)
	}
	if label := GroupLabel(qs[1].By, metrics.Group{Keys: map[metrics.Dimension]string{"partner": "PT-A", "region": "East"}}); label != "partner=PT-A,region=East" {
		t.Errorf("group label %q", label)
	}
	if !math.IsNaN(c.Expected[1].Value) || c.Expected[0].Reasoning != "R1" {
		t.Errorf("expected %+v", c.Expected)
	}
}

func TestLoadCaseRejects(t *testing.T) {
	for _, tc := range []struct {
		name, file, text, want string
	}{
		{"repeated event id", EventsFile, `{"event_id":"a","event_type":"x"}` + "\n" + `{"event_id":"a","event_type":"y"}` + "\n", "already used on line 1"},
		{"not JSON", EventsFile, "R1 opened\n", "events.jsonl:1"},
		{"bad header", ExpectedFile, "kpi\tvalue\n", "header"},
		{"bad value", ExpectedFile, "kpi\tgroup\tvalue\treasoning\ncsat\t*\tlots\tx\n", `value "lots"`},
		{"repeated row", ExpectedFile, "kpi\tgroup\tvalue\treasoning\ncsat\t*\t1\tx\ncsat\t*\t2\ty\n", "already expected on line 2"},
		{"unknown grouping", QueryFile, "from: 2026-09-01\nto: 2026-09-30\nas_of: 2026-10-01T00:00:00Z\nby: [colour]\n", "colour"},
		{"to before from", QueryFile, "from: 2026-09-30\nto: 2026-09-01\nas_of: 2026-10-01T00:00:00Z\n", "empty"},
		{"unknown key", QueryFile, "from: 2026-09-01\nto: 2026-09-30\nasof: 2026-10-01T00:00:00Z\n", "asof"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range smallCase {
				files[k] = v
			}
			files[tc.file] = tc.text
			_, err := loadCase(writeCase(t, files))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDifferences(t *testing.T) {
	want := []Row{
		{KPI: "a", Group: "*", Value: 100 * 10.0 / 12, Reasoning: "10 of 12"},
		{KPI: "b", Group: "*", Value: math.NaN()},
		{KPI: "c", Group: "*", Value: 0},
		{KPI: "d", Group: "partner=PT-A", Value: 1},
	}
	same := []Row{
		{KPI: "a", Group: "*", Value: 83.33333333334}, // within 1e-9 relative
		{KPI: "b", Group: "*", Value: math.NaN()},
		{KPI: "c", Group: "*", Value: 0},
		{KPI: "d", Group: "partner=PT-A", Value: 1},
	}
	if d := Differences(want, same); len(d) != 0 {
		t.Errorf("equal rows: %q", d)
	}
	got := []Row{
		{KPI: "a", Group: "*", Value: 83.34},
		{KPI: "b", Group: "*", Value: 0},            // NaN expected
		{KPI: "c", Group: "*", Value: math.NaN()},   // 0 expected
		{KPI: "d", Group: "partner=PT-B", Value: 1}, // the wrong group: d of PT-A missing, PT-B extra
	}
	d := Differences(want, got)
	for _, s := range []string{"a of group * = 83.34, want 83.33333333333333 (10 of 12)", "b of group * = 0, want NaN",
		"c of group * = NaN, want 0", "d of group partner=PT-A was not computed", "d of group partner=PT-B = 1 has no expected row"} {
		if !slices.ContainsFunc(d, func(x string) bool { return strings.HasPrefix(x, s) }) {
			t.Errorf("differences %q lack %q", d, s)
		}
	}
	if len(d) != 5 {
		t.Errorf("%d differences, want 5: %q", len(d), d)
	}
}

// -update keeps each row's reasoning and place, drops rows no longer
// computed and appends new ones with reasoning TODO.
func TestWriteExpected(t *testing.T) {
	dir := writeCase(t, smallCase)
	c := LoadCase(t, dir)
	err := c.writeExpected([]Row{
		{KPI: "csat", Group: "*", Value: 80},
		{KPI: "requests", Group: "*", Value: 2},
		{KPI: "ces", Group: "partner=PT-A,region=East", Value: 100.0 / 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ExpectedFile))
	if err != nil {
		t.Fatal(err)
	}
	want := "kpi\tgroup\tvalue\treasoning\n" +
		"requests\t*\t2\tR1\n" +
		"csat\t*\t80\tno answer on the csat scale\n" +
		"ces\tpartner=PT-A,region=East\t33.333333333333336\tTODO\n"
	if string(b) != want {
		t.Errorf("rewritten expected.tsv:\n%s\nwant:\n%s", b, want)
	}
	if c2 := LoadCase(t, dir); c2.Expected[2].Value != 100.0/3 {
		t.Errorf("value does not read back exactly: %v", c2.Expected[2].Value)
	}
}
