package warehouse_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/contracts"
	"servicepulse/generator"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
	"servicepulse/metrics"
	"servicepulse/reports"
	"servicepulse/sla"
	"servicepulse/sql"
	"servicepulse/warehouse"
)

// Moving in (docs/cluster.md): a single-node database whose data went the
// whole way (ingested, contracts loaded, states refreshed) is copied into a
// migrated cluster database with one INSERT … SELECT FROM remote(…) per
// table, run on one node of the cluster. Both answer the same: stats, every
// KPI by partner, every table's rows; and a refresh on the cluster changes
// no KPI, so the copied states are those the cluster computes itself. The
// copy is done twice from the same single node: by the statements below,
// and by scripts/move-into-cluster.sh, which users run.
func TestIntegrationMoveIntoCluster(t *testing.T) {
	ctx := context.Background()
	single := pipelinetest.NewWith(t, pipelinetest.Options{})
	sum, err := generator.Produce(ctx, generator.KafkaConfig{
		Brokers: single.Brokers, RecordsTopic: single.Config.RecordsTopic, FeedbackTopic: single.Config.FeedbackTopic,
	}, generator.Config{Seed: 42, Tickets: 5000, BadRate: 0.01}, single.Log)
	if err != nil {
		t.Fatal(err)
	}
	if tot, n := single.Ingest(t), sum.Records+sum.Feedback+sum.Malformed; tot.Consumed != int64(n) {
		t.Fatalf("ingest: %+v, want %d messages consumed", tot, n)
	}
	terms := contracts.Sample()
	if _, err := contracts.Load(ctx, single.Conn, terms); err != nil {
		t.Fatal(err)
	}
	single.Refresh(t)
	src := source{addr: hostPort(t, testenv.ClickHouseDSN(t)), db: databaseOf(t, single.DSN), conn: single.Conn}
	q := metrics.Query{From: sum.From, To: sum.To, By: []metrics.Dimension{metrics.ByPartner}, AsOf: time.Now().UTC()}
	want := snapshotOf(t, src.conn, src.tables(t), q, terms)
	t.Logf("single node: stats %+v, rows %v", want.stats, want.rows)
	if len(want.kpis) < len(metrics.All())*3 || want.stats.Events == 0 || want.stats.Rejected == 0 || want.rows["request_state"] == 0 {
		t.Fatalf("single node: %d KPI values, stats %+v, rows %v; want every KPI for 3 partners, facts, rejects and states",
			len(want.kpis), want.stats, want.rows)
	}

	t.Run("INSERT SELECT on one node", func(t *testing.T) {
		dsn, db, cluster := testenv.FreshClusterDatabase(t)
		conn := pipelinetest.MigratedCluster(t, dsn, cluster, single.Log)
		start := time.Now()
		copyTables(t, src, firstNode(t, dsn, cluster), db)
		t.Logf("copied %d tables in %s", len(want.rows), time.Since(start).Round(time.Millisecond))
		verifyMove(t, want, dsn, conn, q, terms, single.Log)
	})
	t.Run("scripts/move-into-cluster.sh", func(t *testing.T) {
		if _, err := exec.LookPath("clickhouse-client"); err != nil {
			t.Fatalf("the script needs clickhouse-client (scripts/servers.sh installs it): %v", err)
		}
		dsn, db, cluster := testenv.FreshClusterDatabase(t)
		conn := pipelinetest.MigratedCluster(t, dsn, cluster, single.Log)
		start := time.Now()
		script := exec.CommandContext(ctx, "bash", "../scripts/move-into-cluster.sh", src.addr, src.db, hostPort(t, dsn), db, cluster)
		out, err := script.CombinedOutput()
		t.Logf("move-into-cluster.sh (%s):\n%s", time.Since(start).Round(time.Millisecond), out)
		if err != nil {
			t.Fatalf("move-into-cluster.sh: %v", err)
		}
		verifyMove(t, want, dsn, conn, q, terms, single.Log)

		// A second run would copy the MergeTree tables' rows twice: it
		// refuses before copying anything.
		again := exec.CommandContext(ctx, script.Args[0], script.Args[1:]...)
		if out, err := again.CombinedOutput(); err == nil || !strings.Contains(string(out), "already has") {
			t.Errorf("move-into-cluster.sh into a database that has rows: %v, output\n%s\nwant it to refuse", err, out)
		}
		testenv.SyncReplicas(t, dsn)
		after := snapshotOf(t, conn, want.tables, q, terms)
		after.rows["state_refreshes"]-- // verifyMove's refresh
		assertSameSnapshot(t, "after a refused second run", want, after)
	})
}

// verifyMove checks that the cluster database of dsn answers as the single
// node did (want), after the copy and after a refresh of every request on
// the cluster.
func verifyMove(t *testing.T, want snapshot, dsn string, conn driver.Conn, q metrics.Query, terms *contracts.File, log *slog.Logger) {
	t.Helper()
	// KPI queries read the contract terms on every shard, from each node's
	// own copy, which replication fills after the copy returned.
	testenv.SyncReplicas(t, dsn)
	assertSameSnapshot(t, "after the copy", want, snapshotOf(t, conn, want.tables, q, terms))

	// The refresh writes each state through the Distributed table, so a
	// copied state on the wrong shard stays beside its rebuilt twin: rows
	// written into the first node's _local tables pass the check above and
	// leave 7,522 states for 5,000 requests here.
	res, err := sla.NewRefresher(conn, log).RefreshAll(context.Background())
	if err != nil {
		t.Fatalf("refresh on the cluster: %v", err)
	}
	t.Logf("refresh on the cluster: %+v", res)
	testenv.SyncReplicas(t, dsn)
	after := snapshotOf(t, conn, want.tables, q, terms)
	after.rows["state_refreshes"]-- // the refresh logs itself there
	assertSameSnapshot(t, "after a refresh on the cluster", want, after)
}

// table is one table of the single-node database.
type table struct {
	name, engine string
	columns      []string // insertable ones, in the source's order
}

// replacing reports whether queries read the table with FINAL: its engine
// keeps versions of a row until merges collapse them.
func (tb table) replacing() bool { return strings.Contains(tb.engine, "Replacing") }

// source is the single-node database moving in.
type source struct {
	addr, db string // host:port of its server, as remote() takes it
	conn     driver.Conn
}

// tables lists what moves: every table but the migration log, which the
// cluster's migration wrote for itself, and the ownership marker.
func (s source) tables(t *testing.T) []table {
	t.Helper()
	ctx := context.Background()
	rows, err := s.conn.Query(ctx, `SELECT name, engine FROM system.tables WHERE database = currentDatabase()
		AND name NOT IN ('schema_migrations', ?) ORDER BY name`, warehouse.MarkerTable)
	if err != nil {
		t.Fatalf("list tables of %s: %v", s.db, err)
	}
	defer rows.Close()
	var out []table
	for rows.Next() {
		var tb table
		if err := rows.Scan(&tb.name, &tb.engine); err != nil {
			t.Fatal(err)
		}
		// Views, and the tables they fill, are not copied: copying the
		// facts through the cluster's views refills those tables.
		if tb.engine == "MaterializedView" || sql.FedByViews(tb.name) {
			continue
		}
		out = append(out, tb)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list tables of %s: %v", s.db, err)
	}
	for i := range out {
		out[i].columns = columnsOf(t, s.conn, "currentDatabase()", out[i].name)
	}
	return out
}

// columnsOf returns the insertable columns of db.name (db an SQL
// expression) in their order.
func columnsOf(t *testing.T, conn driver.Conn, db, name string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT name FROM system.columns WHERE database = "+db+
		" AND table = ? AND default_kind NOT IN ('MATERIALIZED', 'ALIAS')", name)
	if err != nil {
		t.Fatalf("columns of %s: %v", name, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("columns of %s: %v", name, err)
	}
	return cols
}

// copyTables copies every table of src into the cluster database db with
// one INSERT … SELECT each, on node: sharded tables through their
// Distributed table, which sends each row to the shard of its key; the
// others into the table that every node replicates.
func copyTables(t *testing.T, src source, node driver.Conn, db string) {
	t.Helper()
	// 18.16 has no INSERT … SETTINGS: the setting goes with the query.
	// Synchronous: the INSERT returns once every row is on its shard.
	ctx := clickhouse.Context(context.Background(), clickhouse.WithSettings(clickhouse.Settings{"insert_distributed_sync": 1}))
	for _, tb := range src.tables(t) {
		var engine string
		if err := node.QueryRow(ctx, "SELECT engine FROM system.tables WHERE database = ? AND name = ?", db, tb.name).Scan(&engine); err != nil {
			t.Fatalf("%s.%s on the cluster: %v", db, tb.name, err)
		}
		if sharded := sql.Sharded(tb.name); sharded != (engine == "Distributed") || !sharded && !strings.HasPrefix(engine, "Replicated") {
			t.Fatalf("%s.%s on the cluster is %s; want Distributed for a sharded table (%v), else Replicated", db, tb.name, engine, sharded)
		}
		if got := columnsOf(t, node, "'"+db+"'", tb.name); !sameSet(got, tb.columns) {
			t.Fatalf("%s.%s on the cluster has columns %v, the single node %v", db, tb.name, got, tb.columns)
		}
		list := strings.Join(tb.columns, ", ")
		stmt := fmt.Sprintf("INSERT INTO %s.%s (%s) SELECT %s FROM remote('%s', %s, %s)", db, tb.name, list, list, src.addr, src.db, tb.name)
		if err := node.Exec(ctx, stmt); err != nil {
			t.Fatalf("copy %s: %v", tb.name, err)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// snapshot is what a database answers: stats, KPIs, rows per table.
type snapshot struct {
	tables []table
	stats  warehouse.Stats
	kpis   map[string]float64 // "partner kpi" → value
	rows   map[string]uint64  // table → rows, after FINAL where the engine collapses versions
}

func snapshotOf(t *testing.T, conn driver.Conn, tables []table, q metrics.Query, terms *contracts.File) snapshot {
	t.Helper()
	ctx := context.Background()
	s := snapshot{tables: tables, kpis: map[string]float64{}, rows: map[string]uint64{}}
	var err error
	if s.stats, err = warehouse.ReadStats(ctx, conn); err != nil {
		t.Fatal(err)
	}
	groups, err := metrics.Run(ctx, conn, q, metrics.All(), reports.ContractTargets(terms, q.To))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		for k, v := range g.Values {
			s.kpis[g.Keys[metrics.ByPartner]+" "+k] = v
		}
	}
	for _, tb := range tables {
		final := ""
		if tb.replacing() {
			final = " FINAL"
		}
		s.rows[tb.name] = testenv.Count(t, conn, "SELECT count() FROM "+tb.name+final)
	}
	return s
}

// assertSameSnapshot reports every difference of got from want; KPI values
// agree to 1e-9 relative (sums over shards add in another order), NaN (no
// data) equals NaN.
func assertSameSnapshot(t *testing.T, when string, want, got snapshot) {
	t.Helper()
	if !reflect.DeepEqual(got.stats, want.stats) {
		t.Errorf("%s: stats %+v on the cluster, %+v on the single node", when, got.stats, want.stats)
	}
	if !reflect.DeepEqual(got.rows, want.rows) {
		t.Errorf("%s: rows per table %v on the cluster, %v on the single node", when, got.rows, want.rows)
	}
	keys := map[string]bool{}
	for k := range want.kpis {
		keys[k] = true
	}
	for k := range got.kpis {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		w, wok := want.kpis[k]
		g, gok := got.kpis[k]
		if !wok || !gok || !sameValue(w, g) {
			diffs = append(diffs, fmt.Sprintf("%s: %v (%v) on the cluster, %v (%v) on the single node", k, g, gok, w, wok))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("%s: %d of %d KPI values differ:\n%s", when, len(diffs), len(keys), strings.Join(diffs, "\n"))
	}
}

func sameValue(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// firstNode opens the cluster database of dsn on the first node dsn names
// only: the copy runs once, on one node.
func firstNode(t *testing.T, dsn, cluster string) driver.Conn {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = hostPort(t, dsn)
	cfg := warehouse.ConfigFor(u.String())
	cfg.Cluster = cluster
	conn, err := warehouse.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// hostPort is the first host:port of a DSN.
func hostPort(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Fatalf("DSN %q: want clickhouse://host:port… (%v)", dsn, err)
	}
	return strings.Split(u.Host, ",")[0]
}

// databaseOf is the database a DSN names.
func databaseOf(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Trim(u.Path, "/")
}
