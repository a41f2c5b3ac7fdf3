// Package pipelinetest runs the real pipeline for tests: messages produced to
// Kafka, consumed by an ingest pipeline into a fresh ClickHouse database,
// request states refreshed. Tests of later stages (KPIs, dashboards, reports)
// start from data that went the whole way. KPI cases (cases.go) are folders
// of contracts, events, a query and hand-computed values run the same way.
package pipelinetest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"servicepulse/contracts"
	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/kafkaconn"
	"servicepulse/internal/testenv"
	"servicepulse/sla"
	"servicepulse/sql"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

// Key is the PII key of test pipelines.
var Key = []byte("pipelinetest-pii-key-0123456789")

// Stack is one test's private pipeline: a fresh database, its own topics.
type Stack struct {
	DSN     string
	Cluster string // the ClickHouse cluster of DSN, or "" for one server
	Conn    driver.Conn
	Brokers []string
	Config  ingest.Config
	Log     *slog.Logger
	Key     []byte // the PII key of Ingest and Pipeline
}

// Options change how New builds a stack; the zero value is New's.
type Options struct {
	// DSN is the database to migrate and use. Default: a fresh database on
	// the ClickHouse server under test (testenv.FreshDatabase).
	DSN string
	// Log receives the stack's logs. Default: text to LogSink(t).
	Log *slog.Logger
	// Partitions of each created topic. Default: 2.
	Partitions int
	// Key is the PII key. Default: Key.
	Key []byte
	// Brokers are the Kafka addresses. Default: the broker under test
	// (testenv.Brokers).
	Brokers []string
	// Cluster puts the stack on a ClickHouse cluster: DSN is a database of
	// it (default: a fresh one on the cluster under test,
	// testenv.FreshClusterDatabase), migrated on every node.
	Cluster string
	// OnCluster is Cluster with the cluster under test's name.
	OnCluster bool
	// KafkaSecurity is how every Kafka client of the stack connects (its
	// Config.Security). Default: plaintext.
	KafkaSecurity kafkaconn.Security
}

// New starts a stack: migrated fresh database, created topics.
func New(t testing.TB) *Stack {
	t.Helper()
	return NewWith(t, Options{})
}

// NewWith starts a stack as New does, with o's settings. Its Config has
// short idle and batch intervals, for small test inputs.
func NewWith(t testing.TB, o Options) *Stack {
	t.Helper()
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(LogSink(t), nil))
	}
	if o.OnCluster {
		_, o.Cluster = testenv.Cluster(t)
	}
	switch {
	case o.DSN == "" && o.Cluster != "":
		o.DSN, _, _ = testenv.FreshClusterDatabase(t)
	case o.DSN == "":
		o.DSN, _ = testenv.FreshDatabase(t)
	}
	if o.Partitions == 0 {
		o.Partitions = 2
	}
	if o.Key == nil {
		o.Key = Key
	}
	ctx := context.Background()
	conn := MigratedCluster(t, o.DSN, o.Cluster, o.Log)
	if got, err := warehouse.ClusterOf(ctx, conn, "service_events"); err != nil || got != o.Cluster {
		t.Fatalf("stack's service_events is distributed over cluster %q (err %v), want %q", got, err, o.Cluster)
	}
	brokers := o.Brokers
	if brokers == nil {
		brokers = testenv.Brokers(t)
	}
	cfg := ingest.DefaultConfig()
	cfg.Brokers, cfg.Security = brokers, o.KafkaSecurity
	cfg.RecordsTopic, cfg.FeedbackTopic, cfg.DLQTopic = testenv.Unique("records"), testenv.Unique("feedback"), testenv.Unique("dlq")
	cfg.Group = testenv.Unique("group")
	cfg.UntilIdle = 2 * time.Second
	cfg.BatchInterval = 200 * time.Millisecond
	// One copy: test topics, on the embedded broker or a kfake cluster that
	// keeps one copy anyway.
	spec := ingest.TopicSpec{Partitions: o.Partitions, ReplicationFactor: 1, Security: o.KafkaSecurity}
	if err := ingest.EnsureTopicsWith(ctx, brokers, spec, cfg.RecordsTopic, cfg.FeedbackTopic, cfg.DLQTopic); err != nil {
		t.Fatal(err)
	}
	return &Stack{DSN: o.DSN, Cluster: o.Cluster, Conn: conn, Brokers: brokers, Config: cfg, Log: o.Log, Key: o.Key}
}

// Migrated connects to the database of dsn ("" for a fresh one on the
// ClickHouse server under test) and migrates it; the connection is closed
// when the test ends.
func Migrated(t testing.TB, dsn string, log *slog.Logger) driver.Conn {
	t.Helper()
	return MigratedCluster(t, dsn, "", log)
}

// MigratedCluster is Migrated for a database of cluster (every node of it);
// "" is one server.
func MigratedCluster(t testing.TB, dsn, cluster string, log *slog.Logger) driver.Conn {
	t.Helper()
	if dsn == "" {
		dsn, _ = testenv.FreshDatabase(t)
	}
	ctx := context.Background()
	cfg := warehouse.ConfigFor(dsn)
	cfg.Cluster = cluster
	conn, err := warehouse.Open(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := sql.MigrateCluster(ctx, conn, cluster, warehouse.Dialer(cfg), log); err != nil {
		t.Fatal(err)
	}
	return conn
}

// LoadContracts loads a contracts file (YAML text) into the stack's database.
func (s *Stack) LoadContracts(t testing.TB, yamlText string) {
	t.Helper()
	f, err := contracts.Parse(bytes.NewReader([]byte(yamlText)), "fixture-contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := contracts.Load(context.Background(), s.Conn, f); err != nil {
		t.Fatal(err)
	}
}

// Produce writes JSON messages to the records topic (records) or the
// feedback topic, keyed by nothing in particular.
func (s *Stack) Produce(t testing.TB, records, feedback [][]byte) {
	t.Helper()
	// Own transport: kafka-go's shared one caches metadata that may predate
	// this test's topics.
	tr, err := kafkaconn.Transport(s.Config.Security)
	if err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(s.Brokers...), Transport: tr, RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond}
	defer w.Close()
	var msgs []kafka.Message
	for _, v := range records {
		msgs = append(msgs, kafka.Message{Topic: s.Config.RecordsTopic, Value: v})
	}
	for _, v := range feedback {
		msgs = append(msgs, kafka.Message{Topic: s.Config.FeedbackTopic, Value: v})
	}
	if len(msgs) == 0 {
		return
	}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatalf("produce %d messages: %v", len(msgs), err)
	}
}

// Ingest consumes everything produced so far into ClickHouse.
func (s *Stack) Ingest(t testing.TB) ingest.Totals {
	t.Helper()
	tot, err := Pipeline(t, s.Config, ingest.NewClickHouseSink(s.Conn), s.Key, s.Log).Run(context.Background())
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return tot
}

// Pipeline builds an ingest pipeline of cfg that writes to sink, with the
// real transform (PII key key) and a Kafka dead-letter writer closed when the
// test ends.
func Pipeline(t testing.TB, cfg ingest.Config, sink ingest.Sink, key []byte, log *slog.Logger) *ingest.Pipeline {
	t.Helper()
	tr, err := transform.New(transform.Config{PIIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	dlq, err := ingest.NewSecureKafkaDeadLetters(cfg.Brokers, cfg.Security, cfg.DLQTopic, key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dlq.Close() })
	p, err := ingest.New(cfg, tr, sink, dlq, log)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Refresh brings request states up to date.
func (s *Stack) Refresh(t testing.TB) sla.Result {
	t.Helper()
	res, err := sla.NewRefresher(s.Conn, s.Log).Refresh(context.Background())
	if err != nil {
		t.Fatalf("refresh request states: %v", err)
	}
	return res
}

// LogSink keeps a test's logs and prints them only if the test failed.
// (Writing to t.Log directly panics when a library goroutine logs after the
// test ended.)
func LogSink(t testing.TB) io.Writer {
	b := &Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(b.String())
		}
	})
	return b
}

// Buffer is a bytes.Buffer safe for concurrent writers, such as loggers.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Decoded decodes the traffic gen generates into one batch, as the worker
// would, keeping the valid events and feedback (malformed messages are
// counted in Consumed and dropped): facts for a sink or a build without a
// broker.
func Decoded(tb testing.TB, tr *transform.Transformer, gen generator.Config) *ingest.Batch {
	tb.Helper()
	b := &ingest.Batch{}
	_, err := generator.Generate(gen, func(m generator.Message) error {
		src := transform.Source{Topic: "generated", Offset: int64(b.Consumed)}
		b.Consumed++
		if m.Topic == generator.Records {
			if ev, rej := tr.DecodeRecord(src, m.Value); rej == nil {
				b.Events = append(b.Events, ev)
			}
		} else if ev, rej := tr.DecodeFeedback(src, m.Value); rej == nil {
			b.Feedback = append(b.Feedback, ev)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
