package archtest

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "servicepulse"

// rules are what ARCHITECTURE.md's table of layers says: each package's
// layer, and the packages only tests may import.
type rules struct {
	layer    map[string]int // package path below the module → layer
	testOnly map[string]bool
}

// rowRE matches a row of the layers table: | `pkg` | 3 | what it does |.
// A layer of "test" marks a test-only package.
var rowRE = regexp.MustCompile("^\\|\\s*`([a-z0-9/]+)`\\s*\\|\\s*([0-9]+|test)\\s*\\|")

func readRules(t *testing.T) rules {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := rules{layer: map[string]int{}, testOnly: map[string]bool{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := rowRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if m[2] == "test" {
			r.testOnly[m[1]] = true
			continue
		}
		n, _ := strconv.Atoi(m[2])
		r.layer[m[1]] = n
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(r.layer) < 10 {
		t.Fatalf("ARCHITECTURE.md: found %d rows in the table of layers; is the table still there?", len(r.layer))
	}
	return r
}

type pkg struct {
	ImportPath string
	Deps       []string
}

// listDeps runs `go list -deps` for every package of the module: each
// package's whole set of dependencies in a non-test build.
func listDeps(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Deps", module+"/...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func local(path string) (string, bool) {
	return strings.CutPrefix(path, module+"/")
}

// TestImportsFollowLayers: a package depends, directly or not, only on
// packages of lower layers, and no non-test build depends on a test-only
// package. Every package must have a row in ARCHITECTURE.md.
func TestImportsFollowLayers(t *testing.T) {
	r := readRules(t)
	for _, p := range listDeps(t) {
		name, ok := local(p.ImportPath)
		if !ok {
			continue
		}
		if r.testOnly[name] {
			continue
		}
		mine, ok := r.layer[name]
		if !ok {
			t.Errorf("package %s has no row in ARCHITECTURE.md's table of layers: add it, with its layer", name)
			continue
		}
		for _, d := range p.Deps {
			dep, ok := local(d)
			if !ok {
				continue
			}
			switch theirs, known := r.layer[dep]; {
			case r.testOnly[dep]:
				t.Errorf("%s depends on the test-only package %s", name, dep)
			case !known:
				// Reported on its own row above.
			case theirs >= mine:
				t.Errorf("%s (layer %d) depends on %s (layer %d): a package may use only lower layers", name, mine, dep, theirs)
			}
		}
	}
}

// TestRulesNameRealPackages keeps the table honest: a row for a package
// that no longer exists is a stale rule.
func TestRulesNameRealPackages(t *testing.T) {
	r := readRules(t)
	var have []string
	for _, p := range listDeps(t) {
		if name, ok := local(p.ImportPath); ok {
			have = append(have, name)
		}
	}
	for name := range r.layer {
		if !slices.Contains(have, name) {
			t.Errorf("ARCHITECTURE.md names package %s, which does not exist", name)
		}
	}
	for name := range r.testOnly {
		if !slices.Contains(have, name) {
			t.Errorf("ARCHITECTURE.md names test-only package %s, which does not exist", name)
		}
	}
}
