package sql

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateCluster = flag.Bool("update-cluster", false, "rewrite testdata/cluster.golden")

const clusterGolden = "testdata/cluster.golden"

var sp = Target{Cluster: "sp", Database: "db"}

// The cluster form of every shipped statement, reviewed once in
// testdata/cluster.golden; the cluster integration tests run it. Rendering
// also fails on a table that is neither sharded nor everywhere.
func TestRenderShippedForCluster(t *testing.T) {
	migs, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, m := range append([]Migration{{Name: "schema_migrations", Statements: Statements(createRecordTable)}}, migs...) {
		b.WriteString("-- " + m.Name + "\n")
		for _, s := range m.Statements {
			out, err := Render(s, sp)
			if err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			for _, o := range out {
				b.WriteString(o + ";\n")
			}
		}
	}
	got := b.String()
	if *updateCluster {
		if err := os.WriteFile(clusterGolden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(clusterGolden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("cluster DDL differs from %s (go test ./sql -run TestRenderShippedForCluster -update-cluster, then review the diff)", clusterGolden)
	}
}

// Every table of the schema has a place on a cluster, and only one.
func TestEveryTablePlaced(t *testing.T) {
	migs, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		for _, s := range m.Statements {
			if c := createTable.FindStringSubmatch(s); c != nil {
				if Sharded(c[1]) == everywhere[c[1]] {
					t.Errorf("%s: table %s must be in exactly one of shardKeys and everywhere", m.Name, c[1])
				}
			}
		}
	}
	for table := range shardKeys {
		if everywhere[table] {
			t.Errorf("table %s is sharded and everywhere", table)
		}
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name, stmt string
		want       []string
		err        string
	}{
		{name: "one node is unchanged", stmt: "ALTER TABLE feedback ADD COLUMN x UInt8", want: nil},
		{name: "sharded create",
			stmt: "CREATE TABLE IF NOT EXISTS feedback (a String, b Decimal(18, 2)) ENGINE = ReplacingMergeTree(v) PARTITION BY toYear(t) ORDER BY (a, b)",
			want: []string{
				"CREATE TABLE IF NOT EXISTS db.feedback_local ON CLUSTER sp (a String, b Decimal(18, 2)) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/feedback', '{replica}', v) PARTITION BY toYear(t) ORDER BY (a, b)",
				"CREATE TABLE IF NOT EXISTS db.feedback ON CLUSTER sp AS db.feedback_local ENGINE = Distributed(sp, db, feedback_local, cityHash64(request_id))",
			}},
		{name: "everywhere create without engine arguments",
			stmt: "CREATE TABLE IF NOT EXISTS state_refreshes (a DateTime('UTC')) ENGINE = MergeTree ORDER BY a",
			want: []string{"CREATE TABLE IF NOT EXISTS db.state_refreshes ON CLUSTER sp (a DateTime('UTC')) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/db/state_refreshes', '{shard}_{replica}') ORDER BY a"}},
		{name: "rejects by source position",
			stmt: "CREATE TABLE IF NOT EXISTS rejects (a String) ENGINE = ReplacingMergeTree(r) ORDER BY a",
			want: []string{
				"CREATE TABLE IF NOT EXISTS db.rejects_local ON CLUSTER sp (a String) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/rejects', '{replica}', r) ORDER BY a",
				"CREATE TABLE IF NOT EXISTS db.rejects ON CLUSTER sp AS db.rejects_local ENGINE = Distributed(sp, db, rejects_local, cityHash64(src_topic, src_partition, src_offset))",
			}},
		{name: "alter of a sharded table remakes its distributed table",
			stmt: "ALTER TABLE feedback ADD COLUMN x UInt8",
			want: []string{
				"ALTER TABLE db.feedback_local ADD COLUMN x UInt8", // on one replica per shard (migrator.onEachShard)
				"DROP TABLE IF EXISTS db.feedback ON CLUSTER sp",
				"CREATE TABLE IF NOT EXISTS db.feedback ON CLUSTER sp AS db.feedback_local ENGINE = Distributed(sp, db, feedback_local, cityHash64(request_id))",
			}},
		{name: "alter of an everywhere table replicates itself",
			stmt: "ALTER TABLE partners MODIFY COLUMN name LowCardinality(String)",
			want: []string{"ALTER TABLE db.partners MODIFY COLUMN name LowCardinality(String)"}},
		{name: "drop of a sharded table drops both",
			stmt: "DROP TABLE IF EXISTS request_state",
			want: []string{"DROP TABLE IF EXISTS db.request_state ON CLUSTER sp", "DROP TABLE IF EXISTS db.request_state_local ON CLUSTER sp"}},
		{name: "database", stmt: "CREATE DATABASE IF NOT EXISTS x", want: []string{"CREATE DATABASE IF NOT EXISTS x ON CLUSTER sp"}},
		{name: "unplaced table", stmt: "CREATE TABLE IF NOT EXISTS notes (a String) ENGINE = MergeTree ORDER BY a", err: "table notes is neither sharded nor on every node"},
		{name: "view", stmt: "CREATE VIEW IF NOT EXISTS v AS SELECT 1", err: "has no cluster form"},
		{name: "engine without replicated form", stmt: "CREATE TABLE IF NOT EXISTS partners (a String) ENGINE = Log", err: "engine Log has no Replicated form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := sp
			if tt.want == nil && tt.err == "" {
				target = Target{}
				tt.want = []string{tt.stmt}
			}
			got, err := Render(tt.stmt, target)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Render error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Render =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
