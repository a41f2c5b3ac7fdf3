//go:build chdb

// Package chdbtest gives tests a current ClickHouse engine in-process
// (chdb), with the project's schema applied, to prove that SQL written for
// the 18.16 server also runs on what users run.
//
// chdb-go loads libchdb.so from CHDB_LIB_PATH when the test binary starts
// and panics if it cannot: a test binary that imports this package needs
// CHDB_LIB_PATH set even to run its other tests. testenv's skip policy
// cannot apply, because the panic comes before any test runs.
package chdbtest

import (
	"strings"
	"sync"
	"testing"

	"github.com/chdb-io/chdb-go/chdb"

	"servicepulse/sql"
)

// chdb-go keeps one session per process (NewSession returns the open one),
// so tests that use a session take turns.
var mu sync.Mutex

// Session opens a chdb session in a temporary directory, applies every
// statement of every migration of package sql, in order, to its default
// database, and closes it when the test ends. Call it at most once per test;
// parallel tests calling it run one after the other.
func Session(t testing.TB) *chdb.Session {
	t.Helper()
	migs, err := sql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	s, err := chdb.NewSession(t.TempDir())
	if err != nil {
		mu.Unlock()
		t.Fatalf("open chdb session: %v", err)
	}
	t.Cleanup(func() {
		s.Cleanup()
		mu.Unlock()
	})
	for _, m := range migs {
		for i, stmt := range m.Statements {
			if _, err := s.Query(stmt); err != nil {
				t.Fatalf("migration %s, statement %d on current ClickHouse: %v\n%s", m.Name, i+1, err, stmt)
			}
		}
	}
	return s
}

// Query runs one statement and returns its output as TabSeparatedRaw
// (values unescaped, so DateTime('UTC') reads as written) without the final
// newline, failing the test on error.
func Query(t testing.TB, s *chdb.Session, query string) string {
	t.Helper()
	r, err := s.Query(query, "TSVRaw")
	if err != nil {
		t.Fatalf("chdb: %v\n%s", err, query)
	}
	defer r.Free()
	return strings.TrimSuffix(r.String(), "\n")
}
