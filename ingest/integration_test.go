package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

var testKey = []byte("integration-test-pii-key-0123456789")

// stack is one test's private slice of the real servers (a
// pipelinetest.Stack: a fresh ClickHouse database and topic names no other
// test uses) with the ingest settings of these tests.
type stack struct {
	dsn     string
	cluster string // of the ClickHouse database, or ""
	conn    driver.Conn
	brokers []string
	cfg     ingest.Config
	log     *slog.Logger
}

func newStack(t *testing.T, logTo io.Writer) *stack {
	t.Helper()
	if logTo == nil {
		logTo = pipelinetest.LogSink(t)
	}
	log := slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return newStackOn(t, "", log)
}

// newStackOn builds the stack on database dsn ("" for a fresh one).
func newStackOn(t *testing.T, dsn string, log *slog.Logger) *stack {
	t.Helper()
	return newStackWith(t, pipelinetest.Options{DSN: dsn, Log: log, Partitions: 4, Key: testKey})
}

// newStackWith builds the stack as pipelinetest.NewWith does with o, with
// the ingest settings of these tests.
func newStackWith(t *testing.T, o pipelinetest.Options) *stack {
	t.Helper()
	p := pipelinetest.NewWith(t, o)
	cfg := ingest.DefaultConfig()
	cfg.Brokers = p.Brokers
	cfg.RecordsTopic, cfg.FeedbackTopic, cfg.DLQTopic, cfg.Group = p.Config.RecordsTopic, p.Config.FeedbackTopic, p.Config.DLQTopic, p.Config.Group
	cfg.UntilIdle = 3 * time.Second
	cfg.BatchRows = 20000
	cfg.RetryMin, cfg.RetryMax = 50*time.Millisecond, time.Second
	return &stack{dsn: p.DSN, cluster: p.Cluster, conn: p.Conn, brokers: p.Brokers, cfg: cfg, log: o.Log}
}

// produce writes generated traffic into the stack's topics.
func (s *stack) produce(t *testing.T, tickets int, badRate float64) generator.Summary {
	t.Helper()
	return s.produceConfig(t, generator.Config{Seed: 42, Tickets: tickets, BadRate: badRate})
}

func (s *stack) produceConfig(t *testing.T, gen generator.Config) generator.Summary {
	t.Helper()
	sum, err := generator.Produce(context.Background(), generator.KafkaConfig{
		Brokers: s.brokers, RecordsTopic: s.cfg.RecordsTopic, FeedbackTopic: s.cfg.FeedbackTopic,
	}, gen, s.log)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("produced %d records, %d feedback, %d malformed %v", sum.Records, sum.Feedback, sum.Malformed, sum.MalformedByReason)
	return sum
}

func (s *stack) pipeline(t *testing.T, cfg ingest.Config) *ingest.Pipeline {
	t.Helper()
	return pipelinetest.Pipeline(t, cfg, ingest.NewClickHouseSink(s.conn), testKey, s.log)
}

func (s *stack) ingest(t *testing.T, cfg ingest.Config) ingest.Totals {
	t.Helper()
	tot, err := s.pipeline(t, cfg).Run(context.Background())
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return tot
}

// assertExact checks that ClickHouse holds exactly the generated valid
// messages and exactly the malformed ones as rejects, per reason.
func (s *stack) assertExact(t *testing.T, sum generator.Summary) {
	t.Helper()
	st, err := warehouse.ReadStats(context.Background(), s.conn)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != uint64(sum.Records) || st.Feedback != uint64(sum.Feedback) || st.Rejected != uint64(sum.Malformed) {
		t.Errorf("stored events/feedback/rejects = %d/%d/%d, generated %d/%d/%d",
			st.Events, st.Feedback, st.Rejected, sum.Records, sum.Feedback, sum.Malformed)
	}
	want := map[string]uint64{}
	for r, n := range sum.MalformedByReason {
		want[r] = uint64(n)
	}
	if !maps.Equal(want, st.RejectedByReason) {
		t.Errorf("rejects by reason = %v, want %v", st.RejectedByReason, want)
	}
	if len(want) < len(transform.Reasons) {
		t.Errorf("generator covered %d reject reasons, want all %d", len(want), len(transform.Reasons))
	}
}

// TestIntegrationExactAccounting is the headline guarantee: 100,000 tickets
// with 1% malformed messages, two workers in one process; afterwards the
// fact tables hold exactly the valid messages and the rejects table exactly
// the malformed ones, per reason. Running again from offset 0 (a new group)
// changes nothing.
func TestIntegrationExactAccounting(t *testing.T) {
	s := newStack(t, nil)
	sum := s.produce(t, 100_000, 0.01)
	cfg := s.cfg
	cfg.Workers = 2
	tot := s.ingest(t, cfg)
	// Both workers share the process's one group member, so a clean start
	// has no rebalance and re-delivers nothing: rows written ÷ rows stored
	// is 1 (≤ 1.01 allowed). With one member per worker it was 1.07.
	want := int64(sum.Records + sum.Feedback + sum.Malformed)
	if tot.Consumed < want {
		t.Errorf("consumed %d messages, fewer than the %d produced", tot.Consumed, want)
	}
	if ratio := float64(tot.Ingested+tot.Rejected) / float64(want); ratio > 1.01 {
		t.Errorf("rows written ÷ rows stored = %.4f (%d written, %d stored), want ≤ 1.01: workers wrote partitions twice",
			ratio, tot.Ingested+tot.Rejected, want)
	}
	if tot.Lag != 0 {
		t.Errorf("lag at exit = %d, want 0", tot.Lag)
	}
	t.Logf("consumed %d, written %d rows for %d stored (re-delivered %d)", tot.Consumed, tot.Ingested+tot.Rejected, want, tot.Consumed-want)
	s.assertExact(t, sum)
	s.assertDLQ(t, sum)

	t.Run("same group again consumes nothing", func(t *testing.T) {
		tot := s.ingest(t, cfg)
		if tot.Consumed != 0 {
			t.Errorf("second run of the same group consumed %d messages, want 0 (offsets were committed)", tot.Consumed)
		}
	})
	t.Run("new group from offset 0 double-counts nothing", func(t *testing.T) {
		again := cfg
		again.Group = testenv.Unique("replay")
		tot := s.ingest(t, again)
		if tot.Consumed < int64(sum.Records+sum.Feedback+sum.Malformed) {
			t.Errorf("replay consumed %d, want every message again", tot.Consumed)
		}
		s.assertExact(t, sum)
	})
}

// assertDLQ reads the dead-letter topic: every malformed message is there with
// its reason in the headers and its original bytes sealed.
func (s *stack) assertDLQ(t *testing.T, sum generator.Summary) {
	t.Helper()
	byReason := map[string]int{}
	seen := map[string]bool{}
	for _, m := range readAll(t, s.brokers, s.cfg.DLQTopic) {
		h := headers(m)
		pos := h[ingest.HeaderTopic] + "/" + h[ingest.HeaderPartition] + "/" + h[ingest.HeaderOffset]
		if seen[pos] { // at-least-once: a duplicate dead letter is allowed, counted once
			continue
		}
		seen[pos] = true
		byReason[h[ingest.HeaderReason]]++
		if _, err := transform.OpenDLQ(testKey, m.Value); err != nil {
			t.Fatalf("dead letter %s: cannot open sealed payload: %v", pos, err)
		}
	}
	if !maps.Equal(byReason, sum.MalformedByReason) {
		t.Errorf("DLQ by reason = %v, want %v", byReason, sum.MalformedByReason)
	}
}

func headers(m kafka.Message) map[string]string {
	h := map[string]string{}
	for _, x := range m.Headers {
		h[x.Key] = string(x.Value)
	}
	return h
}

// readAll reads a topic from the beginning to its current end.
func readAll(t *testing.T, brokers []string, topic string) []kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := kafka.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out []kafka.Message
	for _, p := range parts {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MaxWait: 100 * time.Millisecond})
		pc, err := kafka.DialLeader(ctx, "tcp", brokers[0], topic, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		last, err := pc.ReadLastOffset()
		pc.Close()
		if err != nil {
			t.Fatal(err)
		}
		for off := int64(0); off < last; off++ {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				t.Fatalf("read %s/%d: %v", topic, p.ID, err)
			}
			out = append(out, m)
		}
		r.Close()
	}
	return out
}

// TestIntegrationClickHouseOutage stops a private ClickHouse server for
// several seconds in the middle of ingest: the workers retry with backoff,
// /healthz reports the failure, fetching pauses, and once the server is back
// everything lands exactly once.
func TestIntegrationClickHouseOutage(t *testing.T) {
	srv := testenv.PrivateClickHouse(t)
	var logs pipelinetest.Buffer
	log := slog.New(slog.NewTextHandler(io.MultiWriter(&logs, pipelinetest.LogSink(t)), nil))
	s := newStackOn(t, srv.DSN()+"/outage", log)
	sum := s.produce(t, 30_000, 0.01)

	cfg := s.cfg
	cfg.BatchRows = 5000 // many batches, so the outage lands mid-stream
	cfg.UntilIdle = 8 * time.Second
	p := s.pipeline(t, cfg)
	health := httptest.NewServer(p.Handler())
	defer health.Close()

	done := make(chan error, 1)
	go func() { _, err := p.Run(context.Background()); done <- err }()

	waitFor(t, 60*time.Second, "first batches written", func() bool { return p.Totals().Batches >= 2 })
	ctx := context.Background()
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	t.Log("clickhouse stopped")
	waitFor(t, 30*time.Second, "/healthz to report the outage", func() bool {
		resp, err := http.Get(health.URL + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	during := p.Totals().Consumed
	time.Sleep(4 * time.Second)
	if after := p.Totals().Consumed; after != during {
		t.Errorf("committed %d more messages while ClickHouse was down", after-during)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Log("clickhouse started again")
	if err := <-done; err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Error("no retry was logged during the outage")
	}
	resp, err := http.Get(health.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz after recovery = %d, want 200", resp.StatusCode)
	}
	s.assertExact(t, sum)
	assertMetrics(t, health.URL+"/metrics", sum)
}

// assertMetrics reads /metrics: the counters agree with what was produced and
// the batch, latency, retry and lag series are exported.
func assertMetrics(t *testing.T, url string, sum generator.Summary) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	text := string(body)
	want := []string{
		fmt.Sprintf(`servicepulse_ingest_rejected_total{reason="bad_json"} %d`, sum.MalformedByReason["bad_json"]),
		fmt.Sprintf(`servicepulse_ingest_ingested_total{table="service_events"} %d`, sum.Records),
		fmt.Sprintf(`servicepulse_ingest_ingested_total{table="feedback"} %d`, sum.Feedback),
		"servicepulse_ingest_batch_messages_count",
		"servicepulse_ingest_batch_write_seconds_bucket",
		`servicepulse_ingest_retries_total{op="write batch to clickhouse"}`,
		// Labels come sorted by name: the group's, then the partition's.
		`servicepulse_ingest_consumer_lag{group="`,
		`",partition="0",topic="`,
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("/metrics lacks %q", w)
		}
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestIntegrationWorkersShareGroup runs two separate pipelines in one group:
// both get partitions, and together they store everything exactly once.
//
// The traffic is produced once both members are in the group. A member that
// loses a partition in a rebalance while a batch of it is on its way may
// still commit that batch under the new generation (kafka-go#1308): workers
// refuse to move an offset back (worker.notBehind), but a commit sent while
// the rebalance is still running can land after the new owner's; that
// window is not this test's subject, which is sharing.
func TestIntegrationWorkersShareGroup(t *testing.T) {
	s := newStack(t, nil)
	cfg := s.cfg
	// Longer than a rebalance, and than the wait for both members below:
	// before the traffic, the group is caught up on empty topics.
	cfg.UntilIdle = 20 * time.Second
	// Bounded, so that a group that never settles fails the test naming
	// the partitions left, instead of hanging it.
	cfg.UntilIdleMax = 3 * time.Minute
	var wg sync.WaitGroup
	totals := make([]ingest.Totals, 2)
	for i := range totals {
		wg.Add(1)
		go func() {
			defer wg.Done()
			totals[i] = s.ingest(t, cfg)
		}()
	}
	waitFor(t, time.Minute, "both members in the group", func() bool { return groupMembers(s.brokers, cfg.Group) == 2 })
	sum := s.produce(t, 20_000, 0.01)
	// A run that takes far longer than usual (about 25 s) is stuck: log the
	// group's members and assignments while it is, for the failure report.
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(90 * time.Second):
			logGroup(t, s.brokers, cfg.Group)
		}
	}()
	wg.Wait()
	close(done)
	for i, tot := range totals {
		if tot.Consumed == 0 {
			t.Errorf("member %d consumed nothing: the partitions were not shared", i)
		}
	}
	if got, want := totals[0].Consumed+totals[1].Consumed, int64(sum.Records+sum.Feedback+sum.Malformed); got < want {
		t.Errorf("members consumed %d together, want at least %d", got, want)
	}
	s.assertExact(t, sum)
}

// groupMembers is the number of members of a stable group, else 0.
func groupMembers(brokers []string, group string) int {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}}
	res, err := client.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil || len(res.Groups) != 1 || res.Groups[0].GroupState != "Stable" {
		return 0
	}
	return len(res.Groups[0].Members)
}

// logGroup logs the group's state, members and their assignments.
func logGroup(t *testing.T, brokers []string, group string) {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}}
	res, err := client.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		t.Logf("describe group %s: %v", group, err)
		return
	}
	for _, g := range res.Groups {
		t.Logf("group %s: state %s, error %v, %d members", g.GroupID, g.GroupState, g.Error, len(g.Members))
		for _, m := range g.Members {
			t.Logf("  member %s (%s): assignment %v", m.MemberID, m.ClientHost, m.MemberAssignments.Topics)
		}
	}
}

// stallingSink holds every write until release is closed: a worker stuck in
// its ack path, which flushes nothing.
type stallingSink struct {
	inner   ingest.Sink
	release chan struct{}
}

func (s stallingSink) Write(ctx context.Context, b *ingest.Batch) error {
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.inner.Write(ctx, b)
}

// TestIntegrationLagGaugeWhileStalled stalls the worker's writes while
// messages keep arriving: the /metrics lag gauge comes from the group's
// committed offsets on a timer, so it rises although no batch is flushed,
// and it falls to 0 once the worker catches up.
func TestIntegrationLagGaugeWhileStalled(t *testing.T) {
	s := newStack(t, nil)
	cfg := s.cfg
	cfg.LagInterval = 200 * time.Millisecond
	release := make(chan struct{})
	p := pipelinetest.Pipeline(t, cfg, stallingSink{ingest.NewClickHouseSink(s.conn), release}, testKey, s.log)
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	type result struct {
		tot ingest.Totals
		err error
	}
	done := make(chan result, 1)
	go func() { tot, err := p.Run(context.Background()); done <- result{tot, err} }()

	first := s.produceConfig(t, generator.Config{Seed: 1, Tickets: 500})
	var seen float64
	waitFor(t, 30*time.Second, "the lag gauge to show the first messages", func() bool {
		seen = lagGauge(t, srv.URL)
		return seen >= float64(first.Records+first.Feedback)/2
	})
	second := s.produceConfig(t, generator.Config{Seed: 2, Tickets: 500})
	waitFor(t, 30*time.Second, "the lag gauge to rise with no batch flushed", func() bool {
		return lagGauge(t, srv.URL) >= float64(first.Records+first.Feedback+second.Records+second.Feedback)
	})
	if n := p.Totals().Batches; n != 0 {
		t.Fatalf("%d batches committed while the sink was stalled", n)
	}
	close(release)
	res := <-done
	if res.err != nil {
		t.Fatalf("ingest: %v", res.err)
	}
	if res.tot.Lag != 0 {
		t.Errorf("lag at exit = %d, want 0", res.tot.Lag)
	}
	if g := lagGauge(t, srv.URL); g != 0 {
		t.Errorf("lag gauge after catching up = %v, want 0", g)
	}
}

// lagGauge sums servicepulse_ingest_consumer_lag over its partitions.
func lagGauge(t *testing.T, url string) float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, "servicepulse_ingest_consumer_lag{"); ok {
			var v float64
			if _, err := fmt.Sscan(rest[strings.LastIndex(rest, " ")+1:], &v); err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			sum += v
		}
	}
	return sum
}

// TestIntegrationUntilIdleMaxNamesWhatIsLeft stalls every write: the batch
// run cannot catch up, so past UntilIdleMax it stops with ErrNotCaughtUp and
// a sentence naming the messages left per partition, and its lag says so.
func TestIntegrationUntilIdleMaxNamesWhatIsLeft(t *testing.T) {
	s := newStack(t, nil)
	cfg := s.cfg
	cfg.UntilIdle, cfg.UntilIdleMax, cfg.ShutdownTimeout = time.Second, 3*time.Second, 500*time.Millisecond
	p := pipelinetest.Pipeline(t, cfg, stallingSink{ingest.NewClickHouseSink(s.conn), make(chan struct{})}, testKey, s.log)
	sum := s.produceConfig(t, generator.Config{Seed: 3, Tickets: 200})
	tot, err := p.Run(context.Background())
	if !errors.Is(err, ingest.ErrNotCaughtUp) {
		t.Fatalf("Run = %v, want ErrNotCaughtUp", err)
	}
	if want := cfg.RecordsTopic + "/"; !strings.Contains(err.Error(), "messages left on") || !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name the messages left on %s…", err, want)
	}
	if want := int64(sum.Records + sum.Feedback); tot.Lag != want {
		t.Errorf("lag at exit = %d, want all %d produced (nothing was written)", tot.Lag, want)
	}
}
