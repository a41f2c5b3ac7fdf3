package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"servicepulse/ingest"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
	"servicepulse/warehouse"
)

// The headline guarantee on a 2 × 2 ClickHouse cluster: 100,000 tickets with
// 1% malformed, two workers; read back through the Distributed tables, the
// facts are exactly the valid messages and the rejects exactly the malformed
// ones, per reason. Replaying from offset 0 changes nothing: every copy of
// an event, and of a reject, goes to the shard of the first (sharding keys
// in sql/cluster.go), where FINAL collapses them.
func TestIntegrationClusterExactAccounting(t *testing.T) {
	s := newStackWith(t, pipelinetest.Options{OnCluster: true, Log: clusterLog(t), Partitions: 4, Key: testKey})
	sum := s.produce(t, 100_000, 0.01)
	cfg := s.cfg
	cfg.Workers = 2
	start := time.Now()
	tot := s.ingest(t, cfg)
	t.Logf("ingested %d messages into the cluster in %s", tot.Consumed, time.Since(start).Round(time.Millisecond))
	if tot.Lag != 0 {
		t.Errorf("lag at exit = %d, want 0", tot.Lag)
	}
	s.assertExact(t, sum)
	s.assertDLQ(t, sum)

	again := cfg
	again.Group = testenv.Unique("replay")
	if tot := s.ingest(t, again); tot.Consumed < int64(sum.Records+sum.Feedback+sum.Malformed) {
		t.Errorf("replay consumed %d, want every message again", tot.Consumed)
	}
	s.assertExact(t, sum)
	// Every replica holds its shard's rows once replication has caught up.
	testenv.SyncReplicas(t, s.dsn)
	assertReplicasAgree(t, s.dsn)
}

// A replica that the DSN names first (the node the client is connected to)
// is stopped while ingest runs and started again: inserts go on through the
// other nodes, nothing is lost or doubled, and the returning replica catches
// up with its shard.
func TestIntegrationClusterReplicaStopped(t *testing.T) {
	c := testenv.PrivateCluster(t, 2, 2)
	dsn := testenv.ClusterDatabase(t, c.DSN, c.Name)
	s := newStackWith(t, pipelinetest.Options{DSN: dsn, Cluster: c.Name, Log: clusterLog(t), Partitions: 4, Key: testKey})
	sum := s.produce(t, 100_000, 0.01)
	first := c.Node(1, 1)
	if !strings.HasPrefix(strings.TrimPrefix(c.DSN, "clickhouse://"), fmt.Sprintf("127.0.0.1:%d,", c.Nodes[0].TCPPort)) || c.Nodes[0].Shard != 1 || c.Nodes[0].Replica != 1 {
		t.Fatalf("cluster DSN %s does not name shard 1 replica 1 first", c.DSN)
	}

	cfg := s.cfg
	cfg.BatchRows = 5000
	done := make(chan ingest.Totals, 1)
	go func() { done <- s.ingest(t, cfg) }()
	stored := func() uint64 {
		st, err := warehouse.ReadStats(context.Background(), s.conn)
		if err != nil {
			return 0
		}
		return st.Events + st.Feedback + st.Rejected
	}
	waitFor(t, 2*time.Minute, "the first rows in the cluster", func() bool { return stored() > 0 })
	if err := first.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	atStop := stored()
	waitFor(t, 2*time.Minute, "ingest going on with shard 1 replica 1 down", func() bool { return stored() > atStop+50_000 })
	t.Logf("stored %d rows when the replica stopped, %d while it was down", atStop, stored()-atStop)
	if err := first.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	tot := <-done
	if tot.Lag != 0 {
		t.Errorf("lag at exit = %d, want 0", tot.Lag)
	}
	s.assertExact(t, sum)
	testenv.SyncReplicas(t, dsn)
	assertReplicasAgree(t, dsn)
}

// `servicepulse ingest --cluster` is SIGKILLed once mid-stream. Every offset
// it committed must be in ClickHouse, read through the Distributed tables:
// an offset is committed only once its rows are on their shard
// (insert_distributed_sync). A restart then stores everything exactly once.
func TestIntegrationClusterSIGKILLMidStream(t *testing.T) {
	s := newStackWith(t, pipelinetest.Options{OnCluster: true, Log: clusterLog(t), Partitions: 4, Key: testKey})
	sum := s.produce(t, 30_000, 0.01)
	total := sum.Records + sum.Feedback + sum.Malformed

	first, _ := s.ingestProcess(t, "60s")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	lr := ingest.NewLagReader(s.brokers, s.cfg.Group, 10*time.Second, s.cfg.RecordsTopic, s.cfg.FeedbackTopic)
	defer lr.Close()
	committed := func() int64 {
		l, err := lr.Lag(context.Background())
		if err != nil {
			return 0
		}
		var n int64
		for _, p := range l.Partitions {
			n += max(p.Committed, 0)
		}
		return n
	}
	waitFor(t, 2*time.Minute, "a few commits", func() bool { return committed() > 20_000 })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()

	l, err := lr.Lag(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var behind int64
	for _, p := range l.Partitions {
		behind += p.Lag
		if p.Committed <= 0 {
			continue
		}
		if got := storedBelow(t, s, p.Topic, p.Partition, p.Committed); got != p.Committed {
			t.Errorf("%s/%d: committed offset %d, but ClickHouse holds %d of the messages before it", p.Topic, p.Partition, p.Committed, got)
		}
	}
	if behind == 0 {
		t.Fatal("the killed worker had committed everything: the kill did not land mid-stream")
	}
	t.Logf("killed with %d of %d messages committed", int64(total)-behind, total)

	rest, out := s.ingestProcess(t, "15s")
	if err := rest.Run(); err != nil {
		t.Fatalf("restarted worker: %v", err)
	}
	var res struct {
		Lag int64 `json:"lag"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Lag != 0 {
		t.Errorf("restarted worker printed %q (%v); want lag 0", out.String(), err)
	}
	s.assertExact(t, sum)
}

// clusterLog is the tests' logger, kept until a test fails.
func clusterLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), nil))
}

// storedBelow counts the distinct offsets of topic/partition below end that
// ClickHouse holds: each message is one row of a fact table or of rejects.
func storedBelow(t *testing.T, s *stack, topic string, partition int, end int64) int64 {
	t.Helper()
	var n uint64
	q := `SELECT uniqExact(src_offset) FROM (
		SELECT src_offset FROM service_events WHERE src_topic = ? AND src_partition = ? AND src_offset < ?
		UNION ALL SELECT src_offset FROM feedback WHERE src_topic = ? AND src_partition = ? AND src_offset < ?
		UNION ALL SELECT src_offset FROM rejects WHERE src_topic = ? AND src_partition = ? AND src_offset < ?)`
	args := []any{topic, int32(partition), end}
	if err := s.conn.QueryRow(context.Background(), q, append(append(args, args...), args...)...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return int64(n)
}

// assertReplicasAgree checks that the replicas of each shard hold the same
// distinct rows of every sharded table, node by node.
func assertReplicasAgree(t *testing.T, dsn string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.Trim(u.Path, "/")
	byShard := map[string]map[string]uint64{} // shard → host → rows
	for _, host := range strings.Split(u.Host, ",") {
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{host}})
		if err != nil {
			t.Fatal(err)
		}
		var shard string
		if err := conn.QueryRow(context.Background(), "SELECT substitution FROM system.macros WHERE macro = 'shard'").Scan(&shard); err != nil {
			t.Fatal(err)
		}
		var rows uint64
		for _, table := range []string{"service_events", "feedback", "rejects"} {
			var n uint64
			if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+db+"."+table+"_local FINAL").Scan(&n); err != nil {
				t.Fatal(err)
			}
			rows += n
		}
		conn.Close()
		if byShard[shard] == nil {
			byShard[shard] = map[string]uint64{}
		}
		byShard[shard][host] = rows
	}
	for shard, hosts := range byShard {
		var want uint64
		for _, n := range hosts {
			want = max(want, n)
		}
		for host, n := range hosts {
			if n != want || n == 0 {
				t.Errorf("shard %s: replica %s holds %d rows, its shard %d (%v)", shard, host, n, want, hosts)
			}
		}
	}
	if len(byShard) < 2 {
		t.Errorf("rows on %d shards, want 2: %v", len(byShard), byShard)
	}
}
