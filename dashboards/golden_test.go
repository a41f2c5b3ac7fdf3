package dashboards

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ and the provisioning/ export")

// testSet is the set as the repository exports it: the default datasource.
func testSet(t testing.TB) Set {
	t.Helper()
	return testSetFor(t, "")
}

// testSetFor is the set of the default datasource reading database (its
// own, servicepulse, when empty): the daily rollup's queries name it.
func testSetFor(t testing.TB, database string) Set {
	t.Helper()
	ds, err := DatasourceFromDSN(DefaultDatasourceDSN)
	if err != nil {
		t.Fatal(err)
	}
	if database != "" {
		ds.Database = database
	}
	set, err := Build(ds)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// The generated JSON is pinned: a change to a builder or to the catalog
// shows up as a diff of testdata/<uid>.json (and testdata/alert-rules.json).
// `go test ./dashboards -run Golden -update` rewrites them.
func TestGoldenJSON(t *testing.T) {
	set := testSet(t)
	files := map[string][]byte{}
	for _, d := range set.Dashboards {
		b, err := d.JSON()
		if err != nil {
			t.Fatal(err)
		}
		files[d.UID+".json"] = b
	}
	rules, err := indentJSON(set.Alerts.Rules)
	if err != nil {
		t.Fatal(err)
	}
	files["alert-rules.json"] = rules
	for name, got := range files {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run `go test ./dashboards -run Golden -update`)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: %s (run `go test ./dashboards -run Golden -update` and review the diff)", path, firstDiff(string(want), string(got)))
		}
	}
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") && files[e.Name()] == nil {
			t.Errorf("testdata/%s belongs to no generated object: delete it", e.Name())
		}
	}
}

// firstDiff names the first line where two texts differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + itoa(i+1) + ": want " + quoteShort(a) + ", got " + quoteShort(b)
		}
	}
	return "no line differs"
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func quoteShort(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}
