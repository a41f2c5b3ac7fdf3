package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"servicepulse/broker"
	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
)

// clusterPartitions is the partition count of the cluster tests' topics:
// with 3 brokers, every node leads some.
const clusterPartitions = 6

// newClusterStack is newStack on a multi-broker cluster: a fresh database,
// new topics created through every address of b, and a run bounded by
// UntilIdleMax, so that a client that loses its way fails the test.
func newClusterStack(t *testing.T, b *broker.Broker) *stack {
	t.Helper()
	log := slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), &slog.HandlerOptions{Level: slog.LevelInfo}))
	s := newStackWith(t, pipelinetest.Options{Log: log, Partitions: clusterPartitions, Key: testKey, Brokers: b.Addrs()})
	s.cfg.Workers = 2
	s.cfg.BatchRows = 5000 // many batches and commits, so faults land between them
	s.cfg.BatchInterval = 200 * time.Millisecond
	s.cfg.UntilIdleMax = 3 * time.Minute
	s.cfg.LagInterval = 500 * time.Millisecond
	return s
}

func (s *stack) topics() []string {
	return []string{s.cfg.RecordsTopic, s.cfg.FeedbackTopic, s.cfg.DLQTopic}
}

// moveLeaders gives every partition of topics the node after its leader in
// nodes (the live ones) as its new leader, so every leader changes; it
// returns how many moved.
func moveLeaders(c *kfake.Cluster, nodes []int32, topics []string) (int, error) {
	moved := 0
	for _, topic := range topics {
		for p := int32(0); p < clusterPartitions; p++ {
			from := c.LeaderFor(topic, p)
			i := slices.Index(nodes, from)
			if i < 0 {
				return moved, fmt.Errorf("%s/%d is led by node %d, not one of %v", topic, p, from, nodes)
			}
			if err := c.MoveTopicPartition(topic, p, nodes[(i+1)%len(nodes)]); err != nil {
				return moved, err
			}
			moved++
		}
	}
	return moved, nil
}

// onProduce calls fn (on kfake's request loop) before the broker handles
// the k-th produce request: a fault that lands while messages are written.
func onProduce(c *kfake.Cluster, k int64, fn func()) {
	var n atomic.Int64
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		if n.Add(1) == k {
			fn()
		}
		return nil, nil, false // observe only: the broker handles the request
	})
}

// ingestAround runs the pipeline while produce (if not nil) writes, calls
// fault once the pipeline committed its first batches, and returns what
// was produced once both are done.
func (s *stack) ingestAround(t *testing.T, produce func(context.Context) (generator.Summary, error), fault func()) generator.Summary {
	t.Helper()
	p := s.pipeline(t, s.cfg)
	type ran struct {
		tot ingest.Totals
		err error
	}
	ingested := make(chan ran, 1)
	go func() { tot, err := p.Run(context.Background()); ingested <- ran{tot, err} }()
	type produced struct {
		sum generator.Summary
		err error
	}
	prod := make(chan produced, 1)
	go func() {
		// Bounded like the ingest (UntilIdleMax): a writer that lost its
		// way fails the test instead of hanging it.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		sum, err := produce(ctx)
		prod <- produced{sum, err}
	}()
	waitFor(t, 2*time.Minute, "the first committed batches", func() bool { return p.Totals().Batches >= 2 })
	producing := len(prod) == 0
	fault()
	t.Logf("fault after %d committed batches, generator still writing: %v", p.Totals().Batches, producing)
	pr := <-prod
	if pr.err != nil {
		t.Fatalf("produce: %v", pr.err)
	}
	r := <-ingested
	if r.err != nil {
		t.Fatalf("ingest: %v", r.err)
	}
	if r.tot.Lag != 0 {
		t.Errorf("lag at exit = %d, want 0", r.tot.Lag)
	}
	t.Logf("produced %d records, %d feedback, %d malformed; consumed %d in %d batches",
		pr.sum.Records, pr.sum.Feedback, pr.sum.Malformed, r.tot.Consumed, r.tot.Batches)
	return pr.sum
}

// generate writes the tests' traffic: tickets tickets, 1% malformed.
func (s *stack) generate(tickets int) func(context.Context) (generator.Summary, error) {
	return func(ctx context.Context) (generator.Summary, error) {
		return generator.Produce(ctx, generator.KafkaConfig{
			Brokers: s.brokers, RecordsTopic: s.cfg.RecordsTopic, FeedbackTopic: s.cfg.FeedbackTopic,
		}, generator.Config{Seed: 42, Tickets: tickets, BadRate: 0.01}, s.log)
	}
}

// TestIntegrationClusterLeadersMoved moves every partition leader twice: once
// while the generator writes (its 10th produce request), once after ingest
// committed its first batches. The reader, the DLQ writer, the lag reader
// of until-idle and the generator follow the leaders, and the counts are
// exact.
func TestIntegrationClusterLeadersMoved(t *testing.T) {
	b := testenv.KafkaCluster(t, 3)
	s := newClusterStack(t, b)
	c := b.Cluster()
	var midProduce atomic.Int64
	onProduce(c, 10, func() {
		n, err := moveLeaders(c, []int32{0, 1, 2}, s.topics())
		if err != nil {
			t.Errorf("move leaders mid-produce: %v", err)
		}
		midProduce.Store(int64(n))
	})
	sum := s.ingestAround(t, s.generate(20_000), func() {
		n, err := moveLeaders(c, []int32{0, 1, 2}, s.topics())
		if err != nil {
			t.Fatalf("move leaders mid-ingest: %v", err)
		}
		t.Logf("moved %d leaders mid-ingest", n)
	})
	if midProduce.Load() == 0 {
		t.Error("no leader was moved while the generator wrote")
	}
	s.assertExact(t, sum)
	s.assertDLQ(t, sum)
}

// TestIntegrationClusterBrokerRemoved removes node 0 once ingest committed
// its first batches: the first bootstrap address of every client, the
// leader of some partitions of each topic and the group's coordinator. Its
// open connections are closed, as in a crash. The group goes on with the
// other two brokers, and the counts are exact.
func TestIntegrationClusterBrokerRemoved(t *testing.T) {
	b := testenv.KafkaCluster(t, 3)
	s := newClusterStack(t, b)
	c := b.Cluster()
	// A group whose coordinator is node 0, so that its loss moves the group.
	for c.CoordinatorFor(s.cfg.Group) != 0 {
		s.cfg.Group = testenv.Unique("group")
	}
	for _, topic := range s.topics() {
		if err := c.MoveTopicPartition(topic, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	// Produced first: a broker lost mid-write makes kafka-go's producer,
	// which is not idempotent, store some batches twice (their answer was
	// lost, so they are sent again), at new offsets. Facts collapse by
	// event, but a reject is one per source position, so a duplicated
	// malformed message is rightly two rejects. The generator's own
	// recovery is TestClusterGeneratorBrokerRemoved's.
	sum := s.produce(t, 20_000, 0.01)
	none := func(context.Context) (generator.Summary, error) { return sum, nil }
	s.ingestAround(t, none, func() {
		if err := b.RemoveNode(0); err != nil {
			t.Fatal(err)
		}
		t.Logf("removed node 0 (%s)", s.brokers[0])
	})
	for _, topic := range s.topics() {
		if l := c.LeaderFor(topic, 0); l == 0 {
			t.Errorf("%s/0 is still led by the removed node", topic)
		}
	}
	// The DLQ is read through a live broker first: readAll dials brokers[0].
	live := *s
	live.brokers = s.brokers[1:]
	live.assertExact(t, sum)
	live.assertDLQ(t, sum)
}

// TestClusterEnsureTopicsFirstBrokerDown creates topics with the first
// bootstrap address refusing connections: the next one is used. With every
// address down, the error names each of them.
func TestClusterEnsureTopicsFirstBrokerDown(t *testing.T) {
	b := testenv.KafkaCluster(t, 3)
	if err := b.RemoveNode(0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	topics := []string{testenv.Unique("a"), testenv.Unique("b")}
	// On a cluster nothing is created without a replication factor.
	if err := ingest.EnsureTopics(ctx, b.Addrs(), 4, topics...); !errors.Is(err, ingest.ErrTopicsMissing) || !strings.Contains(err.Error(), topics[0]) {
		t.Fatalf("EnsureTopics of missing topics on a cluster without a replication factor: %v, want ErrTopicsMissing naming %s", err, topics[0])
	}
	if err := ingest.EnsureTopicsWith(ctx, b.Addrs(), ingest.TopicSpec{Partitions: 4, ReplicationFactor: 2}, topics...); err != nil {
		t.Fatalf("EnsureTopics with %s down: %v", b.Addrs()[0], err)
	}
	conn, err := kafka.DialContext(ctx, "tcp", b.Addrs()[1])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(topics...)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2*4 {
		t.Errorf("%d partitions, want 4 of each of %v", len(parts), topics)
	}
	for _, p := range parts {
		if p.Leader.ID == 0 || p.Leader.Host == "" {
			t.Errorf("%s/%d led by %+v, want a live node", p.Topic, p.ID, p.Leader)
		}
		if len(p.Replicas) != 2 {
			t.Errorf("%s/%d has %d replicas, want 2", p.Topic, p.ID, len(p.Replicas))
		}
	}
	// Again: existing topics are no error, with or without a replication factor.
	if err := ingest.EnsureTopics(ctx, b.Addrs(), 4, topics...); err != nil {
		t.Errorf("EnsureTopics of existing topics: %v", err)
	}

	down := []string{testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t)}
	err = ingest.EnsureTopics(ctx, down, 4, "never")
	if err == nil {
		t.Fatal("EnsureTopics with every address down succeeded")
	}
	for _, a := range down {
		if !strings.Contains(err.Error(), a) {
			t.Errorf("error %q does not name %s", err, a)
		}
	}
}

// TestClusterLagFirstBrokerDown reads a group's lag with the first bootstrap
// address down, and again after every leader moved: the totals are the
// messages produced (the group committed nothing). The generator writes
// them with the first address down too.
func TestClusterLagFirstBrokerDown(t *testing.T) {
	b := testenv.KafkaCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	records, feedback := testenv.Unique("records"), testenv.Unique("feedback")
	if err := ingest.EnsureTopicsWith(ctx, b.Addrs(), ingest.TopicSpec{Partitions: clusterPartitions, ReplicationFactor: 1}, records, feedback); err != nil {
		t.Fatal(err)
	}
	if err := b.RemoveNode(0); err != nil {
		t.Fatal(err)
	}
	sum, err := generator.Produce(ctx, generator.KafkaConfig{Brokers: b.Addrs(), RecordsTopic: records, FeedbackTopic: feedback},
		generator.Config{Seed: 7, Tickets: 500}, nil)
	if err != nil {
		t.Fatalf("produce with %s down: %v", b.Addrs()[0], err)
	}
	want := int64(sum.Records + sum.Feedback + sum.Malformed)
	r := ingest.NewLagReader(b.Addrs(), testenv.Unique("group"), 10*time.Second, records, feedback)
	defer r.Close()
	lag, err := r.Lag(ctx)
	if err != nil {
		t.Fatalf("lag with %s down: %v", b.Addrs()[0], err)
	}
	if lag.Total != want {
		t.Errorf("lag = %d, want the %d messages produced", lag.Total, want)
	}
	if _, err := moveLeaders(b.Cluster(), []int32{1, 2}, []string{records, feedback}); err != nil {
		t.Fatal(err)
	}
	lag, err = r.Lag(ctx)
	if err != nil {
		t.Fatalf("lag after the leaders moved: %v", err)
	}
	if lag.Total != want {
		t.Errorf("lag after the leaders moved = %d, want %d", lag.Total, want)
	}
}

// TestClusterGeneratorBrokerRemoved removes node 0, the first bootstrap
// address and the leader of partition 0 of each topic, at the generator's
// third produce request. The generator finishes without error, and every
// message it generated is in the topics: at least once, since kafka-go's
// producer is not idempotent and re-sends a batch whose answer was lost.
func TestClusterGeneratorBrokerRemoved(t *testing.T) {
	b := testenv.KafkaCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	records, feedback := testenv.Unique("records"), testenv.Unique("feedback")
	if err := ingest.EnsureTopicsWith(ctx, b.Addrs(), ingest.TopicSpec{Partitions: clusterPartitions, ReplicationFactor: 1}, records, feedback); err != nil {
		t.Fatal(err)
	}
	c := b.Cluster()
	for _, topic := range []string{records, feedback} {
		if err := c.MoveTopicPartition(topic, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	var removed atomic.Bool
	onProduce(c, 3, func() {
		if err := b.RemoveNode(0); err != nil {
			t.Errorf("remove node 0 mid-produce: %v", err)
			return
		}
		removed.Store(true)
	})
	sum, err := generator.Produce(ctx, generator.KafkaConfig{Brokers: b.Addrs(), RecordsTopic: records, FeedbackTopic: feedback, BatchSize: 500},
		generator.Config{Seed: 9, Tickets: 1000, BadRate: 0.01}, nil)
	if err != nil {
		t.Fatalf("produce with node 0 removed mid-write: %v", err)
	}
	if !removed.Load() {
		t.Fatal("node 0 was not removed while the generator wrote")
	}
	live := b.Addrs()[1:]
	distinct := map[string]bool{}
	total := 0
	for _, topic := range []string{records, feedback} {
		for _, m := range readAll(t, live, topic) {
			distinct[topic+"\x00"+string(m.Key)+"\x00"+string(m.Value)] = true
			total++
		}
	}
	want := sum.Records + sum.Feedback + sum.Malformed
	if len(distinct) != want {
		t.Errorf("topics hold %d distinct messages (%d in all), want the %d generated", len(distinct), total, want)
	}
	t.Logf("%d messages generated, %d stored (%d re-sent)", want, total, total-len(distinct))
}
