package sql_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/internal/testenv"
	"servicepulse/sql"
	"servicepulse/warehouse"
)

// The cluster tests run on the shared 2 × 2 cluster. A migrator talks to one
// node; what its ON CLUSTER DDL and the replication leave on the other nodes
// is the point, so the checks connect to every node on its own.

// openCluster opens a cluster connection (Config.Cluster set), as the
// commands do with --cluster.
func openCluster(t testing.TB, dsn, cluster string, log *slog.Logger) driver.Conn {
	t.Helper()
	cfg := warehouse.ConfigFor(dsn)
	cfg.Cluster = cluster
	conn, err := warehouse.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// dial reaches one node of the cluster as the commands' migrator does.
func dial(dsn, cluster string) sql.Dial {
	cfg := warehouse.ConfigFor(dsn)
	cfg.Cluster = cluster
	return warehouse.Dialer(cfg)
}

// nodes returns one DSN per node that dsn names, in its order.
func nodes(t testing.TB, dsn string) []string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse DSN %q: %v", dsn, err)
	}
	var out []string
	for _, host := range strings.Split(u.Host, ",") {
		node := *u
		node.Host = host
		out = append(out, node.String())
	}
	return out
}

// rotated returns dsn with its nodes rotated by i: warehouse.Open keeps the
// first node that answers, so a connection opened on it talks to node i.
func rotated(t testing.TB, dsn string, i int) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse DSN %q: %v", dsn, err)
	}
	hosts := strings.Split(u.Host, ",")
	i %= len(hosts)
	u.Host = strings.Join(append(hosts[i:], hosts[:i]...), ",")
	return u.String()
}

// eachNode calls check with a cluster connection to every node of dsn on
// its own, after the replicas have caught up with their shards.
func eachNode(t *testing.T, dsn, cluster string, check func(t *testing.T, node string, conn driver.Conn)) {
	t.Helper()
	testenv.SyncReplicas(t, dsn)
	quiet := slog.New(slog.DiscardHandler)
	for _, node := range nodes(t, dsn) {
		u, _ := url.Parse(node)
		check(t, u.Host, openCluster(t, node, cluster, quiet))
	}
}

// onEachShard runs stmt on the first replica of every shard of cluster,
// each over a connection of its own (conn finds them in system.clusters).
func onEachShard(t *testing.T, conn driver.Conn, dsn, cluster, stmt string) {
	t.Helper()
	rows, err := conn.Query(t.Context(), "SELECT host_address, port FROM system.clusters WHERE cluster = ? AND replica_num = 1", cluster)
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]bool{}
	for rows.Next() {
		var (
			host string
			port uint16
		)
		if err := rows.Scan(&host, &port); err != nil {
			t.Fatal(err)
		}
		first[fmt.Sprintf("%s:%d", host, port)] = true
	}
	rows.Close()
	quiet := slog.New(slog.DiscardHandler)
	ran := 0
	for _, node := range nodes(t, dsn) {
		u, _ := url.Parse(node)
		if !first[u.Host] {
			continue
		}
		if err := openCluster(t, node, cluster, quiet).Exec(t.Context(), stmt); err != nil {
			t.Fatalf("%s on %s: %v", stmt, u.Host, err)
		}
		ran++
	}
	if ran == 0 || ran != len(first) {
		t.Fatalf("%s ran on %d nodes, want the %d first replicas %v", stmt, ran, len(first), first)
	}
}

// concurrently runs n migrators at the same moment, each on its own
// connection. Migrator i talks to node i first, as processes with
// differently ordered DSNs, or one whose first node was down, would: each
// reads the migration log on its own node while the others write theirs.
func concurrently(t *testing.T, dsn, cluster string, n int, migrate func(ctx context.Context, conn driver.Conn, log *slog.Logger) ([]int, error)) {
	t.Helper()
	conns := make([]driver.Conn, n)
	for i := range conns {
		conns[i] = openCluster(t, rotated(t, dsn, i), cluster, logger(t).With("migrator", i))
	}
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, conn := range conns {
		wg.Go(func() {
			<-start
			var applied []int
			applied, errs[i] = migrate(t.Context(), failuresLogged{conn, t, i}, logger(t).With("migrator", i))
			t.Logf("migrator %d applied %v", i, applied)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrator %d: %v", i, err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// failuresLogged logs each statement of a migrator that fails, so that a
// run shows which races it met (an ADD COLUMN another migrator got to
// first fails and is then found done).
type failuresLogged struct {
	driver.Conn
	t        *testing.T
	migrator int
}

func (c failuresLogged) Exec(ctx context.Context, query string, args ...any) error {
	err := c.Conn.Exec(ctx, query, args...)
	if err != nil {
		c.t.Logf("migrator %d: %s: %v", c.migrator, query, err)
	}
	return err
}

var (
	createdTable = regexp.MustCompile(`^CREATE TABLE IF NOT EXISTS (\w+) \(`)
	tableEngine  = regexp.MustCompile(`\) ENGINE = (\w+)`)
	createdView  = regexp.MustCompile(`^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) `)
)

// wantEngines returns the engine every table of migs (and schema_migrations)
// must have on every node: a sharded table's local table is the Replicated
// form of its single-node engine under a Distributed table; any other table
// is the Replicated form itself.
func wantEngines(migs []sql.Migration) map[string]string {
	stmts := sql.Statements(sql.MigratorQueries[0]) // CREATE TABLE schema_migrations
	for _, m := range migs {
		stmts = append(stmts, m.Statements...)
	}
	want := map[string]string{}
	for _, s := range stmts {
		if v := createdView.FindStringSubmatch(s); v != nil {
			want[v[1]] = "MaterializedView" // on every node, over the local tables
			continue
		}
		c := createdTable.FindStringSubmatch(s)
		if c == nil {
			continue
		}
		engines := tableEngine.FindAllStringSubmatch(s, -1)
		engine := "Replicated" + engines[len(engines)-1][1]
		if sql.Sharded(c[1]) {
			want[c[1]+sql.LocalSuffix], want[c[1]] = engine, "Distributed"
		} else {
			want[c[1]] = engine
		}
	}
	return want
}

// checkEngines compares the node's tables with want, and checks that each
// Distributed table reads its own local table over the cluster.
func checkEngines(t *testing.T, node, cluster string, conn driver.Conn, want map[string]string) {
	t.Helper()
	rows, err := conn.Query(t.Context(), "SELECT currentDatabase(), name, engine, engine_full FROM system.tables WHERE database = currentDatabase()")
	if err != nil {
		t.Fatalf("%s: list tables: %v", node, err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var db, name, engine, full string
		if err := rows.Scan(&db, &name, &engine, &full); err != nil {
			t.Fatalf("%s: list tables: %v", node, err)
		}
		got[name] = engine
		prefix := fmt.Sprintf("Distributed(%s, %s, %s, ", cluster, db, name+sql.LocalSuffix)
		if engine == "Distributed" && !strings.HasPrefix(full, prefix) {
			t.Errorf("%s: table %s is %s, want %s…", node, name, full, prefix)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: list tables: %v", node, err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s: tables and engines differ (- want, + got):\n%s", node, diff(engineLines(got), engineLines(want)))
	}
}

func engineLines(engines map[string]string) []string {
	var out []string
	for _, table := range slices.Sorted(maps.Keys(engines)) {
		out = append(out, table+" "+engines[table])
	}
	return out
}

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

// diff lists the lines of want missing from got (-) and those of got not in
// want (+), which is shorter to read than two whole schemas.
func diff(got, want []string) string {
	var b strings.Builder
	for _, l := range want {
		if !slices.Contains(got, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	if b.Len() == 0 {
		return "(the same lines in another order)\n"
	}
	return b.String()
}

// nodeSchema returns the node's columns in the form of schema.golden twice:
// as the code reads them (the Distributed tables and the tables on every
// node) and as stored (each sharded table's local table under its logical
// name, and the tables on every node).
func nodeSchema(t *testing.T, node string, conn driver.Conn) (read, stored string) {
	t.Helper()
	rows, err := conn.Query(t.Context(), "SELECT table, name, type FROM system.columns WHERE database = currentDatabase() AND table != 'schema_migrations'")
	if err != nil {
		t.Fatalf("%s: list columns: %v", node, err)
	}
	defer rows.Close()
	var r, s []string
	for rows.Next() {
		var table, name, typ string
		if err := rows.Scan(&table, &name, &typ); err != nil {
			t.Fatalf("%s: list columns: %v", node, err)
		}
		logical, local := strings.CutSuffix(table, sql.LocalSuffix)
		line := logical + "\t" + name + "\t" + typ
		switch {
		case local && sql.Sharded(logical):
			s = append(s, line)
		case sql.Sharded(table):
			r = append(r, line)
		default:
			r, s = append(r, line), append(s, line)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: list columns: %v", node, err)
	}
	join := func(lines []string) string {
		slices.SortStableFunc(lines, func(a, b string) int {
			return strings.Compare(strings.Split(a, "\t")[0], strings.Split(b, "\t")[0])
		})
		return strings.Join(lines, "\n") + "\n"
	}
	return join(r), join(s)
}

// checkMigrated checks every node after the shipped migrations: every
// table with its engine, the single-node column types in both the
// Distributed and the local tables, each version once in the migration log,
// and nothing pending.
func checkMigrated(t *testing.T, dsn, cluster string, migs []sql.Migration) {
	t.Helper()
	golden, err := os.ReadFile(goldenSchema)
	if err != nil {
		t.Fatal(err)
	}
	engines := wantEngines(migs)
	eachNode(t, dsn, cluster, func(t *testing.T, node string, conn driver.Conn) {
		checkEngines(t, node, cluster, conn, engines)
		read, stored := nodeSchema(t, node, conn)
		if read != string(golden) {
			t.Errorf("%s: schema as read (Distributed tables) differs from %s (- want, + got):\n%s", node, goldenSchema, diff(lines(read), lines(string(golden))))
		}
		if stored != string(golden) {
			t.Errorf("%s: schema as stored (local tables) differs from %s (- want, + got):\n%s", node, goldenSchema, diff(lines(stored), lines(string(golden))))
		}
		if got, want := records(t, conn), wantRecords(migs); !slices.Equal(got, want) {
			t.Errorf("%s: schema_migrations FINAL\n got %q\nwant %q", node, got, want)
		}
		if pending, err := sql.Pending(t.Context(), conn); err != nil || len(pending) != 0 {
			t.Errorf("%s: Pending = %v (err %v), want none", node, versions(pending), err)
		}
	})
}

func TestIntegrationMigrateClusterTwiceAndConcurrently(t *testing.T) {
	migs := shipped(t)

	t.Run("twice", func(t *testing.T) {
		dsn, _, cluster := testenv.FreshClusterDatabase(t)
		conn := openCluster(t, dsn, cluster, logger(t))
		applied, err := sql.MigrateCluster(t.Context(), conn, cluster, dial(dsn, cluster), logger(t))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(applied, versions(migs)) {
			t.Fatalf("first MigrateCluster applied %v, want %v", applied, versions(migs))
		}
		applied, err = sql.MigrateCluster(t.Context(), conn, cluster, dial(dsn, cluster), logger(t))
		if err != nil || len(applied) != 0 {
			t.Fatalf("second MigrateCluster applied %v (err %v), want nothing", applied, err)
		}
		checkMigrated(t, dsn, cluster, migs)
	})

	t.Run("concurrently", func(t *testing.T) {
		dsn, _, cluster := testenv.FreshClusterDatabase(t)
		concurrently(t, dsn, cluster, 3, func(ctx context.Context, conn driver.Conn, log *slog.Logger) ([]int, error) {
			return sql.MigrateCluster(ctx, conn, cluster, dial(dsn, cluster), log)
		})
		checkMigrated(t, dsn, cluster, migs)
	})
}

// clusterMigrations is the test set of testdata/cluster_migrations: 0001
// creates the sharded table feedback, 0002 adds the column x to it.
func clusterMigrations(t testing.TB) []sql.Migration {
	t.Helper()
	migs, err := sql.ParseMigrations(os.DirFS("testdata/cluster_migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if got := versions(migs); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("testdata/cluster_migrations has versions %v, want [1 2]", got)
	}
	return migs
}

// columns returns "name type" for each column of table on the connected
// node, in table order.
func columns(t *testing.T, node string, conn driver.Conn, table string) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = ?", table)
	if err != nil {
		t.Fatalf("%s: columns of %s: %v", node, table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatalf("%s: columns of %s: %v", node, table, err)
		}
		out = append(out, name+" "+typ)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: columns of %s: %v", node, table, err)
	}
	return out
}

var feedbackWithX = []string{"request_id String", "event_id String", "channel LowCardinality(String)", "csat Int8", "ingested_at DateTime('UTC')", "x UInt8"}

// checkAddedColumn checks, on every node, that both tables of feedback have
// the column x and that the log lists migs once each; then that rows with x
// inserted through the Distributed table reach both shards and read back
// whole, once, through the Distributed table of every node.
func checkAddedColumn(t *testing.T, dsn, cluster string, migs []sql.Migration) {
	t.Helper()
	eachNode(t, dsn, cluster, func(t *testing.T, node string, conn driver.Conn) {
		for _, table := range []string{"feedback" + sql.LocalSuffix, "feedback"} {
			if got := columns(t, node, conn, table); !slices.Equal(got, feedbackWithX) {
				t.Errorf("%s: columns of %s\n got %q\nwant %q", node, table, got, feedbackWithX)
			}
		}
		if got, want := records(t, conn), wantRecords(migs); !slices.Equal(got, want) {
			t.Errorf("%s: schema_migrations FINAL\n got %q\nwant %q", node, got, want)
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	conn := openCluster(t, dsn, cluster, logger(t))
	batch, err := conn.PrepareBatch(t.Context(), "INSERT INTO feedback (request_id, event_id, channel, csat, ingested_at, x)")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 20 {
		id := fmt.Sprintf("r%02d", i)
		if err := batch.Append(id, "e1", "email", int8(i%5), time.Now().UTC(), uint8(100+i)); err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprint(id, " ", 100+i))
	}
	if err := batch.Send(); err != nil {
		t.Fatalf("insert through the Distributed table: %v", err)
	}
	eachNode(t, dsn, cluster, func(t *testing.T, node string, conn driver.Conn) {
		var local uint64
		if err := conn.QueryRow(t.Context(), "SELECT count() FROM feedback"+sql.LocalSuffix).Scan(&local); err != nil {
			t.Fatalf("%s: %v", node, err)
		}
		if local == 0 || local == 20 {
			t.Errorf("%s: feedback_local holds %d of the 20 rows; want some, not all (every shard gets a part)", node, local)
		}
		rows, err := conn.Query(t.Context(), "SELECT request_id, x FROM feedback ORDER BY request_id")
		if err != nil {
			t.Fatalf("%s: read through the Distributed table: %v", node, err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var (
				id string
				x  uint8
			)
			if err := rows.Scan(&id, &x); err != nil {
				t.Fatalf("%s: %v", node, err)
			}
			got = append(got, fmt.Sprint(id, " ", x))
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", node, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: read through feedback\n got %q\nwant %q", node, got, want)
		}
	})
}

// On 18.16 ADD COLUMN cannot say IF NOT EXISTS, and the Distributed table
// of a sharded table cannot be altered ON CLUSTER: MigrateCluster adds the
// column to the local tables and makes the Distributed table again, each
// step skipped once done. Running it twice, from several migrators at once,
// or after a crash between the steps must end with the column everywhere.
func TestIntegrationClusterAddColumn(t *testing.T) {
	migs := clusterMigrations(t)
	migrate := func(dsn, cluster string, migs []sql.Migration) func(ctx context.Context, conn driver.Conn, log *slog.Logger) ([]int, error) {
		return func(ctx context.Context, conn driver.Conn, log *slog.Logger) ([]int, error) {
			return sql.MigrateTheseOn(ctx, conn, log, migs, cluster, dial(dsn, cluster))
		}
	}

	t.Run("twice", func(t *testing.T) {
		dsn, _, cluster := testenv.FreshClusterDatabase(t)
		conn := openCluster(t, dsn, cluster, logger(t))
		applied, err := sql.MigrateTheseOn(t.Context(), conn, logger(t), migs, cluster, dial(dsn, cluster))
		if err != nil || !slices.Equal(applied, []int{1, 2}) {
			t.Fatalf("first run applied %v (err %v), want [1 2]", applied, err)
		}
		applied, err = sql.MigrateTheseOn(t.Context(), conn, logger(t), migs, cluster, dial(dsn, cluster))
		if err != nil || len(applied) != 0 {
			t.Fatalf("second run applied %v (err %v), want nothing", applied, err)
		}
		checkAddedColumn(t, dsn, cluster, migs)
	})

	// The table exists first, so that every migrator starts at the ALTER.
	t.Run("concurrently", func(t *testing.T) {
		dsn, _, cluster := testenv.FreshClusterDatabase(t)
		conn := openCluster(t, dsn, cluster, logger(t))
		if _, err := sql.MigrateTheseOn(t.Context(), conn, logger(t), migs[:1], cluster, dial(dsn, cluster)); err != nil {
			t.Fatal(err)
		}
		concurrently(t, dsn, cluster, 3, migrate(dsn, cluster, migs))
		checkAddedColumn(t, dsn, cluster, migs)
	})

	// A migrator that stopped between the rendered statements of 0002 left
	// the local tables with the column and the Distributed table without
	// it, or without the Distributed table; 0002 is not recorded, so the
	// next run applies it again and must complete it.
	crashes := []struct {
		name  string
		after []string // what the crashed migrator got done; %[1]s database, %[2]s cluster
	}{
		{"distributed table without the column", []string{
			"ALTER TABLE %[1]s.feedback_local ADD COLUMN x UInt8",
		}},
		{"distributed table dropped", []string{
			"ALTER TABLE %[1]s.feedback_local ADD COLUMN x UInt8",
			"DROP TABLE IF EXISTS %[1]s.feedback ON CLUSTER %[2]s",
		}},
	}
	for _, crash := range crashes {
		t.Run(crash.name, func(t *testing.T) {
			dsn, database, cluster := testenv.FreshClusterDatabase(t)
			conn := openCluster(t, dsn, cluster, logger(t))
			if _, err := sql.MigrateTheseOn(t.Context(), conn, logger(t), migs[:1], cluster, dial(dsn, cluster)); err != nil {
				t.Fatal(err)
			}
			for _, stmt := range crash.after {
				stmt = fmt.Sprintf(stmt, database, cluster)
				if strings.Contains(stmt, " ON CLUSTER ") {
					if err := conn.Exec(t.Context(), stmt); err != nil {
						t.Fatalf("simulate the crashed migrator: %v", err)
					}
					continue
				}
				// The migrator's ALTER reached every shard: here sent to
				// one replica of each, whose Replicated table hands it to
				// the other. Not ON CLUSTER: 18.16's DDL worker can die
				// when both replicas of a shard take such a task (seen in
				// CI, 2026-12-02; docs/cluster.md).
				onEachShard(t, conn, dsn, cluster, stmt)
			}
			eachNode(t, dsn, cluster, func(t *testing.T, node string, conn driver.Conn) {
				if got := columns(t, node, conn, "feedback"); slices.Contains(got, "x UInt8") {
					t.Fatalf("%s: before the rerun, feedback already has x (%q); the test sets up nothing", node, got)
				}
			})
			applied, err := sql.MigrateTheseOn(t.Context(), conn, logger(t), migs, cluster, dial(dsn, cluster))
			if err != nil || !slices.Equal(applied, []int{2}) {
				t.Fatalf("rerun applied %v (err %v), want [2]", applied, err)
			}
			checkAddedColumn(t, dsn, cluster, migs)
		})
	}
}
