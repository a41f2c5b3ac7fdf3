//go:build chdb

package sql_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chdb-io/chdb-go/chdb"

	"servicepulse/internal/chdbtest"
	"servicepulse/sql"
)

// clusterStatements returns the statements of testdata/cluster.golden (the
// cluster form of every shipped statement, one a line, each ending in ;).
func clusterStatements(t *testing.T) []string {
	t.Helper()
	text, err := os.ReadFile("testdata/cluster.golden")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		if strings.HasPrefix(line, "-- ") {
			continue // the migration's name
		}
		stmt, ok := strings.CutSuffix(line, ";")
		if !ok || stmt == "" {
			t.Fatalf("testdata/cluster.golden: line %q is not one statement ending in ;", line)
		}
		out = append(out, stmt)
	}
	if len(out) == 0 {
		t.Fatal("testdata/cluster.golden holds no statement")
	}
	return out
}

// Users run the cluster DDL on current ClickHouse. It cannot run on chdb,
// which has no ZooKeeper and no cluster, but it must parse there: EXPLAIN
// AST runs the parser on a statement without executing it.
func TestIntegrationClusterDDLParsesOnCurrentClickHouse(t *testing.T) {
	s := chdbtest.Session(t)
	parse := func(stmt string) error {
		r, err := s.Query("EXPLAIN AST "+stmt, "TSVRaw")
		if err == nil {
			r.Free()
		}
		return err
	}
	stmts := clusterStatements(t)
	for _, stmt := range stmts {
		if err := parse(stmt); err != nil {
			t.Errorf("cluster DDL does not parse on current ClickHouse: %v\n%s", err, stmt)
		}
	}
	t.Logf("%d statements of testdata/cluster.golden parse", len(stmts))

	// The check can fail: a column list left open is a syntax error.
	broken := strings.Replace(stmts[0], ") ENGINE = ", " ENGINE = ", 1)
	if broken == stmts[0] {
		t.Fatalf("no ') ENGINE = ' to break in %s", stmts[0])
	}
	if err := parse(broken); err == nil || !strings.Contains(err.Error(), "SYNTAX_ERROR") {
		t.Errorf("broken statement: error %v, want a SYNTAX_ERROR\n%s", err, broken)
	}
}

// clusterConfig defines the cluster sp of two shards, each one replica on
// this process (host and port are chdb's own tcp_port, so both shards are
// local and cluster() reads them without a network connection).
const clusterConfig = `<clickhouse>
    <tcp_port>9000</tcp_port>
    <remote_servers>
        <sp>
            <shard><replica><host>localhost</host><port>9000</port></replica></shard>
            <shard><replica><host>127.0.0.1</host><port>9000</port></replica></shard>
        </sp>
    </remote_servers>
</clickhouse>`

// The migrator's cluster queries (how many shards; on how many of them a
// column exists) run on current ClickHouse too, on a cluster whose two
// shards are both this chdb: a column every shard has counts once per
// shard, which is what the migrator compares with the number of shards.
//
// The session is this test's own, with a config file, so it does not go
// through chdbtest.Session and its lock: it must not call t.Parallel, nor
// may another chdb test of this package (chdb-go keeps one session per
// process).
func TestIntegrationClusterQueriesOnCurrentClickHouse(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config.xml")
	if err := os.WriteFile(config, []byte(clusterConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := chdb.NewSession(filepath.Join(dir, "data") + "?config-file=" + config)
	if err != nil {
		t.Fatalf("open chdb session: %v", err)
	}
	t.Cleanup(s.Cleanup)
	migs := shipped(t)
	for _, m := range migs {
		for i, stmt := range m.Statements {
			if _, err := s.Query(stmt); err != nil {
				t.Fatalf("migration %s, statement %d on current ClickHouse: %v", m.Name, i+1, err)
			}
		}
	}
	if got := chdbtest.Query(t, s, "SELECT countIf(is_local) FROM system.clusters WHERE cluster = 'sp'"); got != "2" {
		t.Fatalf("local shards of cluster sp = %s, want 2 (else cluster() would dial port 9000)", got)
	}
	database := chdbtest.Query(t, s, "SELECT currentDatabase()")

	// bind replaces the ? of q, in order, with quoted args.
	bind := func(q string, args ...string) string {
		for _, a := range args {
			q = strings.Replace(q, "?", "'"+a+"'", 1)
		}
		if strings.Contains(q, "?") {
			t.Fatalf("query has more placeholders than %q: %s", args, q)
		}
		return q
	}
	shards, columnExists := sql.ClusterQueries[0], sql.ClusterQueries[1]
	for _, c := range []struct {
		query string
		want  string
	}{
		{bind(shards, "sp"), "2"},
		{bind(shards, "no_such_cluster"), "0"},
		{bind(columnExists, "sp", database, "feedback", "csat"), "2"},
		{bind(columnExists, "sp", database, "feedback", "no_such_column"), "0"},
	} {
		if got := chdbtest.Query(t, s, c.query); got != c.want {
			t.Errorf("%s = %s, want %s", c.query, got, c.want)
		}
	}
}
