package generator

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"servicepulse/ingest"
	"servicepulse/internal/testenv"
)

// TestIntegrationProduce writes 2,000 tickets to a broker and reads them back:
// every message arrives once, on its topic, and the messages of one request
// sit in one partition in the order Generate made them.
func TestIntegrationProduce(t *testing.T) {
	brokers := testenv.Brokers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kc := KafkaConfig{
		Brokers:       brokers,
		RecordsTopic:  testenv.Unique("gen-records"),
		FeedbackTopic: testenv.Unique("gen-feedback"),
		BatchSize:     3000,
	}
	if err := ingest.EnsureTopics(ctx, brokers, 4, kc.RecordsTopic, kc.FeedbackTopic); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(2000, 0.05)
	want := generate(t, cfg)

	sum, err := Produce(ctx, kc, cfg, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Records != want.sum.Records || sum.Feedback != want.sum.Feedback || sum.Malformed != want.sum.Malformed {
		t.Fatalf("Produce summary %+v differs from Generate's %+v", sum, want.sum)
	}

	// The generated messages per topic and key, in order.
	type keyed struct{ topic, key string }
	wantByKey := map[keyed][][]byte{}
	wantCount := map[string]int{}
	for _, m := range want.msgs {
		topic := kc.RecordsTopic
		if m.Topic == Feedback {
			topic = kc.FeedbackTopic
		}
		wantByKey[keyed{topic, string(m.Key)}] = append(wantByKey[keyed{topic, string(m.Key)}], m.Value)
		wantCount[topic]++
	}

	got := map[string]int{}
	gotByKey := map[keyed][][]byte{}
	partitionOf := map[keyed]int{}
	for _, topic := range []string{kc.RecordsTopic, kc.FeedbackTopic} {
		for p, msgs := range readTopic(ctx, t, brokers, topic) {
			for _, m := range msgs {
				k := keyed{topic, string(m.Key)}
				if q, ok := partitionOf[k]; ok && q != p {
					t.Fatalf("request %s is in partitions %d and %d of %s", m.Key, q, p, topic)
				}
				partitionOf[k] = p
				gotByKey[k] = append(gotByKey[k], m.Value)
				got[topic]++
			}
		}
	}
	if got[kc.RecordsTopic] != sum.Records+sum.MalformedByTopic["records"] ||
		got[kc.FeedbackTopic] != sum.Feedback+sum.MalformedByTopic["feedback"] {
		t.Fatalf("read back %v, summary says %d+%d records and %d+%d feedback", got,
			sum.Records, sum.MalformedByTopic["records"], sum.Feedback, sum.MalformedByTopic["feedback"])
	}
	if got[kc.RecordsTopic] != wantCount[kc.RecordsTopic] || got[kc.FeedbackTopic] != wantCount[kc.FeedbackTopic] {
		t.Fatalf("read back %v, generated %v", got, wantCount)
	}
	for k, w := range wantByKey {
		if !slices.EqualFunc(w, gotByKey[k], bytes.Equal) {
			t.Fatalf("messages of %s on %s arrived out of order or changed", k.key, k.topic)
		}
	}
}

// readTopic reads every partition of a topic from the start to its current end.
func readTopic(ctx context.Context, t *testing.T, brokers []string, topic string) map[int][]kafka.Message {
	t.Helper()
	conn, err := kafka.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][]kafka.Message{}
	for _, p := range parts {
		pc, err := kafka.DialLeader(ctx, "tcp", brokers[0], topic, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		last, err := pc.ReadLastOffset()
		pc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if last == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID,
			MaxBytes: 16 << 20, MaxWait: 100 * time.Millisecond})
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				t.Fatalf("read %s/%d: %v", topic, p.ID, err)
			}
			out[p.ID] = append(out[p.ID], m)
			if m.Offset == last-1 {
				break
			}
		}
		r.Close()
	}
	return out
}

// testWriter sends log lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// BenchmarkProduce measures Produce end to end (generation included) against
// the broker of testenv.Brokers, 10,000 tickets per op.
func BenchmarkProduce(b *testing.B) {
	brokers := testenv.Brokers(b)
	ctx := context.Background()
	cfg := testConfig(10000, 0.01)
	var n, size int
	if _, err := Generate(cfg, func(m Message) error { n++; size += len(m.Key) + len(m.Value); return nil }); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		b.StopTimer()
		kc := KafkaConfig{Brokers: brokers, RecordsTopic: testenv.Unique("bench-records"), FeedbackTopic: testenv.Unique("bench-feedback")}
		if err := ingest.EnsureTopics(ctx, brokers, 4, kc.RecordsTopic, kc.FeedbackTopic); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := Produce(ctx, kc, cfg, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
