package ingest

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"servicepulse/generator"
	"servicepulse/internal/kafkaconn"
	"servicepulse/internal/testenv"
	"servicepulse/transform"
)

// TestSecuredKafkaClients runs every Kafka client of servicepulse through
// SCRAM-SHA-512 over TLS against the embedded broker: topic creation, the
// generator's writer, the lag reader, the ingest reader (consumer group,
// commits) and the DLQ writer, with exact counts. The same calls without
// the security fail.
func TestSecuredKafkaClients(t *testing.T) {
	addr, sec := testenv.SecuredKafka(t, "ingest")
	brokers := []string{addr}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := DefaultConfig()
	cfg.Brokers, cfg.Security, cfg.Group = brokers, sec, testenv.Unique("group")
	cfg.RecordsTopic, cfg.FeedbackTopic, cfg.DLQTopic = testenv.Unique("records"), testenv.Unique("feedback"), testenv.Unique("dlq")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := kafkaconn.Check(ctx, brokers, sec); err != nil {
		t.Fatal(err)
	}

	topics := []string{cfg.RecordsTopic, cfg.FeedbackTopic, cfg.DLQTopic}
	short, stop := context.WithTimeout(ctx, 15*time.Second)
	err := EnsureTopicsWith(short, brokers, TopicSpec{Partitions: 4}, topics...)
	stop()
	if err == nil {
		t.Fatal("EnsureTopicsWith without TLS and SASL succeeded on a SASL_SSL broker")
	}
	if err := EnsureTopicsWith(ctx, brokers, TopicSpec{Partitions: 4, Security: sec}, topics...); err != nil {
		t.Fatal(err)
	}

	kc := generator.KafkaConfig{Brokers: brokers, RecordsTopic: cfg.RecordsTopic, FeedbackTopic: cfg.FeedbackTopic, BatchSize: 500, Security: sec}
	sum, err := generator.Produce(ctx, kc, generator.Config{Seed: 7, Tickets: 300, BadRate: 0.05}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		cfg.RecordsTopic:  sum.Records + sum.MalformedByTopic["records"],
		cfg.FeedbackTopic: sum.Feedback + sum.MalformedByTopic["feedback"],
	}
	total := want[cfg.RecordsTopic] + want[cfg.FeedbackTopic]
	if want[cfg.RecordsTopic] == 0 || want[cfg.FeedbackTopic] == 0 || sum.Malformed == 0 {
		t.Fatalf("generator summary %+v: want messages on both topics, malformed ones too", sum)
	}

	lr, err := NewSecureLagReader(brokers, sec, cfg.Group, 10*time.Second, cfg.RecordsTopic, cfg.FeedbackTopic)
	if err != nil {
		t.Fatal(err)
	}
	defer lr.Close()
	if l, err := lr.Lag(ctx); err != nil || l.Total != int64(total) {
		t.Fatalf("lag before consuming: %+v, %v; want %d, every message produced", l, err, total)
	}
	plain := NewLagReader(brokers, cfg.Group, 3*time.Second, cfg.RecordsTopic)
	defer plain.Close()
	if _, err := plain.Lag(ctx); err == nil {
		t.Error("a lag reader without TLS and SASL read a SASL_SSL broker")
	}

	// The ingest reader: the group's member, committing what it read.
	r := newReader(cfg, slog.New(slog.NewTextHandler(t.Output(), nil)))
	got := map[string]int{}
	for n := 0; n < total; n++ {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("fetch message %d of %d: %v", n+1, total, err)
		}
		got[m.Topic]++
		if err := r.CommitMessages(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	for topic, n := range want {
		if got[topic] != n {
			t.Errorf("read %d messages from %s, want %d", got[topic], topic, n)
		}
	}
	// Committed up to every high-water mark: nothing more was there.
	if l, err := lr.Lag(ctx); err != nil || !l.CaughtUp() {
		t.Errorf("lag after consuming: %+v, %v; want 0", l, err)
	}

	dlq, err := NewSecureKafkaDeadLetters(brokers, sec, cfg.DLQTopic, []byte(strings.Repeat("k", transform.MinPIIKeyBytes)))
	if err != nil {
		t.Fatal(err)
	}
	rejects := []transform.Reject{{Reason: transform.ReasonBadJSON, Source: transform.Source{Topic: cfg.RecordsTopic, Partition: 1, Offset: 2}}}
	if err := dlq.Write(ctx, rejects, []DeadLetter{{Value: []byte("{")}}); err != nil {
		t.Fatal(err)
	}
	if err := dlq.Close(); err != nil {
		t.Fatal(err)
	}
	dl, err := NewSecureLagReader(brokers, sec, testenv.Unique("dlq-reader"), 10*time.Second, cfg.DLQTopic)
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close()
	if l, err := dl.Lag(ctx); err != nil || l.Total != 1 {
		t.Errorf("dead letters on %s: %+v, %v; want 1", cfg.DLQTopic, l, err)
	}
}

// TestSecurityInConfig: ingest.Config validates its Security, naming the
// field as the config holds it.
func TestSecurityInConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Brokers = []string{"127.0.0.1:9092"}
	cfg.Security = kafkaconn.Security{Mechanism: kafkaconn.ScramSHA256, User: "ingest"}
	if err := cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), "Security.Password: is empty") {
		t.Errorf("Validate: %v, want Security.Password named", err)
	}
	cfg.Security = kafkaconn.Security{TLS: true, CAFile: filepath.Join(t.TempDir(), "none.pem")}
	if err := cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), "Security.CAFile") {
		t.Errorf("Validate: %v, want Security.CAFile named", err)
	}
	if _, err := NewSecureLagReader(cfg.Brokers, cfg.Security, "g", 0, "t"); err == nil {
		t.Error("NewSecureLagReader with an unreadable CA file succeeded")
	}
	if _, err := NewSecureKafkaDeadLetters(cfg.Brokers, cfg.Security, "t", nil); err == nil {
		t.Error("NewSecureKafkaDeadLetters with an unreadable CA file succeeded")
	}
	if err := EnsureTopicsWith(context.Background(), cfg.Brokers, TopicSpec{Partitions: 1, Security: cfg.Security}, "t"); err == nil {
		t.Error("EnsureTopicsWith with an unreadable CA file succeeded")
	}
}
