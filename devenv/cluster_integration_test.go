package devenv_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"servicepulse/devenv"
	"servicepulse/internal/testenv"
)

// clusterConfig is a 2 × 2 cluster of the test's own, in a temporary
// directory, on free ports.
func clusterConfig(t *testing.T) devenv.ClusterConfig {
	t.Helper()
	privateConfig(t) // clickhouse-server must be installed
	if _, err := devenv.FindZooKeeper(); err != nil {
		msg := "integration test needs zookeeper installed (apt-get install -y --no-install-recommends zookeeper): " + err.Error()
		if testenv.Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cfg := devenv.DefaultClusterConfig()
	cfg.Dir = t.TempDir()
	cfg.Install = false
	return cfg
}

// openCluster connects to dsn with Distributed inserts made synchronous, so
// that an insert returns once its rows are on their shards. The caller
// closes it: a server being stopped waits (10 s) for open connections.
func openCluster(t *testing.T, dsn string) clickhouse.Conn {
	t.Helper()
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	opts.Settings = clickhouse.Settings{"insert_distributed_sync": 1}
	opts.DialTimeout = 5 * time.Second
	conn, err := clickhouse.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// A 2 × 2 cluster runs cluster DDL, Replicated and Distributed tables,
// survives the loss of the DSN's first node, and stops by its pid files.
func TestIntegrationCluster(t *testing.T) {
	cfg := clusterConfig(t)
	ctx := t.Context()
	start := time.Now()
	c, err := devenv.StartCluster(ctx, cfg, newTextLogger(t.Output()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	t.Logf("2 x 2 cluster and zookeeper started in %s; dsn %s", time.Since(start).Round(time.Millisecond), c.DSN)
	if len(c.Nodes) != 4 || c.Name != "servicepulse" {
		t.Fatalf("cluster %q with %d nodes; want servicepulse with 4", c.Name, len(c.Nodes))
	}

	conn := openCluster(t, c.DSN)
	defer conn.Close()
	for _, q := range []string{
		"CREATE DATABASE d ON CLUSTER servicepulse",
		"CREATE TABLE d.t_local ON CLUSTER servicepulse (k String, v UInt64) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/d/t_local', '{replica}', v) ORDER BY k",
		"CREATE TABLE d.t ON CLUSTER servicepulse AS d.t_local ENGINE = Distributed(servicepulse, d, t_local, cityHash64(k))",
	} {
		testenv.Exec(t, conn, q)
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO d.t (k, v)")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		if err := batch.Append(fmt.Sprintf("key-%d", i), uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	// The insert wrote each shard's rows to one of its replicas, and a read
	// through d.t may ask the other: wait for the replicas first.
	checkShards(t, c, 1000)
	if n := testenv.Count(t, conn, "SELECT count() FROM d.t"); n != 1000 {
		t.Fatalf("count() through d.t = %d; want 1000", n)
	}
	conn.Close()

	// The DSN's first node down: a new client connects to the next one,
	// and the Distributed table reads shard 1 from its other replica.
	if err := c.Node(1, 1).Stop(ctx); err != nil {
		t.Fatal(err)
	}
	again := openCluster(t, c.DSN)
	defer again.Close()
	if n := testenv.Count(t, again, "SELECT count() FROM d.t"); n != 1000 {
		t.Fatalf("count() through d.t with shard 1 replica 1 down = %d; want 1000", n)
	}
	again.Close()

	checkStopDir(t, c)
}

// checkShards holds every shard to a share of the rows, the same on each of
// its replicas, and the shards to total rows in all.
func checkShards(t *testing.T, c *devenv.Cluster, total uint64) {
	t.Helper()
	shards := map[int]struct{ rows, hash uint64 }{}
	for _, n := range c.Nodes {
		d := nodeDigest(t, n)
		t.Logf("shard %d replica %d: %d rows", n.Shard, n.Replica, d.rows)
		if d.rows == 0 {
			t.Errorf("shard %d replica %d holds no rows", n.Shard, n.Replica)
		}
		if first, ok := shards[n.Shard]; ok && first != d {
			t.Errorf("shard %d replica %d holds %+v; replica 1 holds %+v", n.Shard, n.Replica, d, first)
		}
		shards[n.Shard] = d
	}
	var sum uint64
	for _, d := range shards {
		sum += d.rows
	}
	if sum != total {
		t.Errorf("the shards hold %d rows in all; want %d, each row on one shard", sum, total)
	}
}

// nodeDigest returns the rows of n's d.t_local and a hash of them, once n
// has fetched the parts its replica wrote (replication runs in the
// background).
func nodeDigest(t *testing.T, n devenv.ClusterNode) (d struct{ rows, hash uint64 }) {
	t.Helper()
	conn := openCluster(t, fmt.Sprintf("clickhouse://127.0.0.1:%d", n.TCPPort))
	defer conn.Close()
	testenv.Exec(t, conn, "SYSTEM SYNC REPLICA d.t_local")
	if err := conn.QueryRow(t.Context(), "SELECT count(), sum(cityHash64(k, v)) FROM d.t_local").Scan(&d.rows, &d.hash); err != nil {
		t.Fatal(err)
	}
	return d
}

// checkStopDir stops the cluster as `clickhouse stop` does, by its pid
// files, and checks that every process is gone.
func checkStopDir(t *testing.T, c *devenv.Cluster) {
	t.Helper()
	if err := devenv.StopDir(c.Dir); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Nodes {
		if devenv.Alive(n.PID) {
			t.Errorf("shard %d replica %d (pid %d) still runs after StopDir", n.Shard, n.Replica, n.PID)
		}
		if _, err := os.Stat(filepath.Join(n.Dir, devenv.PIDFileName)); !os.IsNotExist(err) {
			t.Errorf("pid file of shard %d replica %d left: %v", n.Shard, n.Replica, err)
		}
	}
	if devenv.Alive(c.ZooKeeper.PID) {
		t.Errorf("zookeeper (pid %d) still runs after StopDir", c.ZooKeeper.PID)
	}
}
