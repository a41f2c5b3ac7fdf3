package pipelinetest

// KPI cases as data: a folder of contracts, events, a query and the expected
// values with their reasoning, run through the real pipeline. The format is
// described in metrics/testdata/cases/README.md.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"servicepulse/metrics"
	"servicepulse/transform"
)

// The files of a case folder.
const (
	ContractsFile = "contracts.yaml"
	EventsFile    = "events.jsonl"
	QueryFile     = "query.yaml"
	ExpectedFile  = "expected.tsv"
)

// expectedHeader is the first line of every expected.tsv.
const expectedHeader = "kpi\tgroup\tvalue\treasoning"

// WholeCohort is the group label of an ungrouped query.
const WholeCohort = "*"

// Case is one KPI case, loaded from its folder.
type Case struct {
	Dir       string
	Contracts []byte  // contracts.yaml as written
	Events    []Event // events.jsonl in file order
	Query     CaseQuery
	Expected  []Row // expected.tsv in file order
}

// Event is one wire message of a case.
type Event struct {
	Line    int    // line number in its file
	ID      string // event_id
	Type    string // event_type
	Request string // request_id
	Value   []byte // the message as written
}

// Feedback reports whether the event goes to the feedback topic (its type is
// one of transform.FeedbackTypes) rather than to the service records topic.
func (e Event) Feedback() bool { return slices.Contains(transform.FeedbackTypes, e.Type) }

// CaseQuery is query.yaml: the cohort of requests opened on local dates
// From … To (both inclusive, as `servicepulse kpi --from/--to`), evaluated as
// of AsOf, once per grouping of By.
type CaseQuery struct {
	From   string            `yaml:"from"`
	To     string            `yaml:"to"`
	AsOf   string            `yaml:"as_of"` // RFC 3339
	By     []string          `yaml:"by"`    // each a comma-separated list of dimensions; "" is the whole cohort
	Filter map[string]string `yaml:"filter"`
}

// Row is one line of expected.tsv: a KPI's value for one group.
type Row struct {
	KPI       string
	Group     string // WholeCohort, or dimension=value pairs joined with ","
	Value     float64
	Reasoning string
}

func (r Row) key() string { return r.KPI + "\t" + r.Group }

// LoadCase reads the case folder dir, failing the test on any malformed file.
func LoadCase(t testing.TB, dir string) *Case {
	t.Helper()
	c, err := loadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func loadCase(dir string) (*Case, error) {
	c := &Case{Dir: dir}
	var err error
	if c.Contracts, err = os.ReadFile(filepath.Join(dir, ContractsFile)); err != nil {
		return nil, fmt.Errorf("case %s: %w", dir, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, EventsFile))
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", dir, err)
	}
	if c.Events, err = parseEvents(filepath.Join(dir, EventsFile), b); err != nil {
		return nil, err
	}
	if b, err = os.ReadFile(filepath.Join(dir, QueryFile)); err != nil {
		return nil, fmt.Errorf("case %s: %w", dir, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c.Query); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, QueryFile), err)
	}
	if _, err := c.Queries(); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, QueryFile), err)
	}
	if b, err = os.ReadFile(filepath.Join(dir, ExpectedFile)); err != nil {
		return nil, fmt.Errorf("case %s: %w", dir, err)
	}
	if c.Expected, err = parseExpected(filepath.Join(dir, ExpectedFile), b); err != nil {
		return nil, err
	}
	return c, nil
}

// ParseEvents reads messages in the format of events.jsonl (one JSON object
// a line; lines starting with # and blank lines ignored), for tests that
// send more events after a case was ingested. name is used in errors.
func ParseEvents(t testing.TB, name, text string) []Event {
	t.Helper()
	evs, err := parseEvents(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func parseEvents(name string, b []byte) ([]Event, error) {
	var evs []Event
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var m struct {
			ID      string `json:"event_id"`
			Type    string `json:"event_type"`
			Request string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if m.ID == "" || m.Type == "" {
			return nil, fmt.Errorf("%s:%d: no event_id or event_type", name, n)
		}
		// Redelivery of an id never counts twice, so a repeated id in a case
		// would silently drop an event: a mistake in the case.
		if first, ok := seen[m.ID]; ok {
			return nil, fmt.Errorf("%s:%d: event_id %q already used on line %d", name, n, m.ID, first)
		}
		seen[m.ID] = n
		evs = append(evs, Event{Line: n, ID: m.ID, Type: m.Type, Request: m.Request, Value: []byte(line)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return evs, nil
}

func parseExpected(name string, b []byte) ([]Row, error) {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if lines[0] != expectedHeader {
		return nil, fmt.Errorf("%s:1: header %q, want %q", name, lines[0], expectedHeader)
	}
	var rows []Row
	seen := map[string]int{}
	for i, line := range lines[1:] {
		n := i + 2
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: %d tab-separated fields, want 4 (kpi, group, value, reasoning)", name, n, len(f))
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: value %q: want a number or NaN", name, n, f[2])
		}
		r := Row{KPI: f[0], Group: f[1], Value: v, Reasoning: f[3]}
		if first, ok := seen[r.key()]; ok {
			return nil, fmt.Errorf("%s:%d: %s of group %s already expected on line %d", name, n, r.KPI, r.Group, first)
		}
		seen[r.key()] = n
		rows = append(rows, r)
	}
	return rows, nil
}

// Queries returns the metrics query of each grouping of the case's By, in
// order (the whole cohort when By is empty).
func (c *Case) Queries() ([]metrics.Query, error) {
	q := c.Query
	from, err := time.Parse(time.DateOnly, q.From)
	if err != nil {
		return nil, fmt.Errorf("from %q: want a date YYYY-MM-DD", q.From)
	}
	to, err := time.Parse(time.DateOnly, q.To)
	if err != nil {
		return nil, fmt.Errorf("to %q: want a date YYYY-MM-DD", q.To)
	}
	asOf, err := time.Parse(time.RFC3339, q.AsOf)
	if err != nil {
		return nil, fmt.Errorf("as_of %q: want an RFC 3339 time", q.AsOf)
	}
	base := metrics.Query{From: from, To: to.AddDate(0, 0, 1), AsOf: asOf}
	if len(q.Filter) > 0 {
		base.Filter = map[metrics.Dimension]string{}
		for d, v := range q.Filter {
			base.Filter[metrics.Dimension(d)] = v
		}
	}
	by := q.By
	if len(by) == 0 {
		by = []string{""}
	}
	var out []metrics.Query
	for _, s := range by {
		dims, err := metrics.ParseDimensions(s)
		if err != nil {
			return nil, fmt.Errorf("by %q: %w", s, err)
		}
		qq := base
		qq.By = dims
		if err := qq.Validate(); err != nil {
			return nil, err
		}
		out = append(out, qq)
	}
	return out, nil
}

// GroupLabel names group g of a query grouped by by, as expected.tsv does:
// WholeCohort, or "partner=PT-A,month=2026-09-01".
func GroupLabel(by []metrics.Dimension, g metrics.Group) string {
	if len(by) == 0 {
		return WholeCohort
	}
	parts := make([]string, len(by))
	for i, d := range by {
		parts[i] = string(d) + "=" + g.Keys[d]
	}
	return strings.Join(parts, ",")
}

// Rows turns the groups of a query grouped by by into rows (no reasoning),
// group by group, each KPI in the order of the catalog.
func Rows(by []metrics.Dimension, groups []metrics.Group) []Row {
	var rows []Row
	for _, g := range groups {
		label := GroupLabel(by, g)
		for _, k := range metrics.All() {
			if v, ok := g.Values[k.ID]; ok {
				rows = append(rows, Row{KPI: k.ID, Group: label, Value: v})
			}
		}
		// A value of an id the catalog does not know is reported as extra
		// by Compare.
		for id, v := range g.Values {
			if !metrics.Known(id) {
				rows = append(rows, Row{KPI: id, Group: label, Value: v})
			}
		}
	}
	return rows
}

// Compute runs every query of the case on s with the whole catalog (and the
// catalog's default targets) and returns its rows.
func (c *Case) Compute(t testing.TB, s *Stack) []Row {
	t.Helper()
	qs, err := c.Queries()
	if err != nil {
		t.Fatal(err)
	}
	var rows []Row
	for _, q := range qs {
		gs, err := metrics.Run(context.Background(), s.Conn, q, metrics.All(), nil)
		if err != nil {
			t.Fatalf("%s: metrics.Run by %v: %v", c.Dir, q.By, err)
		}
		rows = append(rows, Rows(q.By, gs)...)
	}
	return rows
}

// Same reports whether got equals want as a case compares them: within 1e-9
// relative (exactly, for 0); NaN (no data) equals NaN.
func Same(got, want float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	if want == 0 {
		return math.Abs(got) < 1e-12
	}
	return math.Abs(got-want) <= 1e-9*math.Abs(want)
}

// Compare reports, as test errors labelled label, the Differences of got
// from want.
func Compare(t testing.TB, label string, want, got []Row) {
	t.Helper()
	for _, d := range Differences(want, got) {
		t.Errorf("%s: %s", label, d)
	}
}

// Differences lists every row of want whose value differs from got (see
// Same) or that got lacks, and every row of got that want lacks.
func Differences(want, got []Row) []string {
	have := make(map[string]Row, len(got))
	for _, r := range got {
		have[r.key()] = r
	}
	wanted := make(map[string]bool, len(want))
	var out []string
	for _, w := range want {
		wanted[w.key()] = true
		g, ok := have[w.key()]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s of group %s was not computed", w.KPI, w.Group))
		case !Same(g.Value, w.Value):
			out = append(out, fmt.Sprintf("%s of group %s = %s, want %s (%s)", w.KPI, w.Group, FormatValue(g.Value), FormatValue(w.Value), w.Reasoning))
		}
	}
	for _, g := range got {
		if !wanted[g.key()] {
			out = append(out, fmt.Sprintf("%s of group %s = %s has no expected row (run with -update to add it)", g.KPI, g.Group, FormatValue(g.Value)))
		}
	}
	return out
}

// Check compares the case's expected rows with its KPIs computed on s.
func (c *Case) Check(t testing.TB, s *Stack) {
	t.Helper()
	Compare(t, c.Dir, c.Expected, c.Compute(t, s))
}

// FormatValue writes v as expected.tsv does: the shortest decimal that reads
// back as exactly v, or NaN.
func FormatValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Want is the case's expected value of kpi for group ("*", "partner=PT-A").
func (c *Case) Want(t testing.TB, kpi, group string) float64 {
	t.Helper()
	for _, r := range c.Expected {
		if r.KPI == kpi && r.Group == group {
			return r.Value
		}
	}
	t.Fatalf("%s: no expected %s of group %s", c.Dir, kpi, group)
	return 0
}

// Ingest runs the case's events through a new stack: produced to Kafka (the
// topic following each event's type), ingested, contracts loaded, request
// states refreshed. Every message must be stored (none rejected) and every
// request must get a state under its contract.
func (c *Case) Ingest(t testing.TB) *Stack {
	t.Helper()
	return c.IngestWith(t, Options{})
}

// IngestWith is Ingest through a stack built with o (on a cluster, say).
func (c *Case) IngestWith(t testing.TB, o Options) *Stack {
	t.Helper()
	s := NewWith(t, o)
	s.ingestEvents(t, c.Events)
	s.LoadContracts(t, string(c.Contracts))
	res := s.Refresh(t)
	if n := requests(c.Events); res.Requests != n || res.Orphans != 0 || res.Unmatched != 0 {
		t.Fatalf("%s: refresh: %+v, want %d requests, no orphans, all matched", c.Dir, res, n)
	}
	return s
}

// Send produces more events (new, late or repeated), ingests them and brings
// the request states up to date.
func (s *Stack) Send(t testing.TB, events []Event) {
	t.Helper()
	s.ingestEvents(t, events)
	s.Refresh(t)
}

func (s *Stack) ingestEvents(t testing.TB, events []Event) {
	t.Helper()
	var records, feedback [][]byte
	for _, e := range events {
		if e.Feedback() {
			feedback = append(feedback, e.Value)
		} else {
			records = append(records, e.Value)
		}
	}
	s.Produce(t, records, feedback)
	tot := s.Ingest(t)
	if tot.Rejected != 0 || tot.Events != int64(len(records)) || tot.Feedback != int64(len(feedback)) {
		t.Fatalf("ingest: %+v, want %d events, %d feedback, 0 rejected", tot, len(records), len(feedback))
	}
}

// requests counts the requests created by events.
func requests(events []Event) int {
	ids := map[string]bool{}
	for _, e := range events {
		if e.Type == transform.RequestCreated {
			ids[e.Request] = true
		}
	}
	return len(ids)
}

// Update reports whether the test binary runs with -update (a flag the
// calling test package registers): expected files are then rewritten
// instead of compared.
func Update() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// RunCase runs the case folder dir through the real pipeline and compares
// every KPI value with expected.tsv. With -update it rewrites the values of
// expected.tsv instead, keeping each row's reasoning (new rows get TODO,
// rows no longer computed are dropped).
func RunCase(t *testing.T, dir string) {
	t.Helper()
	runCase(t, dir, Options{})
}

func runCase(t *testing.T, dir string, o Options) {
	t.Helper()
	c := LoadCase(t, dir)
	got := c.Compute(t, c.IngestWith(t, o))
	if Update() && o.Cluster == "" && !o.OnCluster {
		if err := c.writeExpected(got); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", filepath.Join(dir, ExpectedFile))
		return
	}
	Compare(t, dir, c.Expected, got)
}

// RunCases runs every case folder under root, one subtest each, in parallel.
func RunCases(t *testing.T, root string) {
	t.Helper()
	RunCasesWith(t, root, Options{})
}

// RunCasesWith is RunCases on stacks built with o: the same hand-computed
// values must come out of a ClickHouse cluster (Options.OnCluster). Only a
// single-server run rewrites expected values with -update.
func RunCasesWith(t *testing.T, root string, o Options) {
	t.Helper()
	dirs := CaseDirs(t, root)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			runCase(t, dir, o)
		})
	}
}

// CaseDirs lists the case folders under root (every folder in it), failing
// the test when there is none.
func CaseDirs(t testing.TB, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(root, e.Name()))
		}
	}
	if len(dirs) == 0 {
		t.Fatalf("no case folders under %s", root)
	}
	return dirs
}

// writeExpected rewrites expected.tsv with the values of got: rows in their
// old order with their reasoning, then rows new to the case (reasoning TODO).
func (c *Case) writeExpected(got []Row) error {
	values := make(map[string]float64, len(got))
	for _, r := range got {
		values[r.key()] = r.Value
	}
	var b strings.Builder
	b.WriteString(expectedHeader + "\n")
	written := map[string]bool{}
	write := func(r Row, v float64) {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", r.KPI, r.Group, FormatValue(v), r.Reasoning)
		written[r.key()] = true
	}
	for _, r := range c.Expected {
		if v, ok := values[r.key()]; ok {
			write(r, v)
		}
	}
	for _, r := range got {
		if !written[r.key()] {
			r.Reasoning = "TODO"
			write(r, r.Value)
		}
	}
	path := filepath.Join(c.Dir, ExpectedFile)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
