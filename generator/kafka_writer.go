package generator

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"servicepulse/internal/fields"
	"servicepulse/internal/kafkaconn"
)

// KafkaConfig says where Produce writes.
type KafkaConfig struct {
	// Brokers are the bootstrap addresses, host:port: every broker of a
	// cluster, so that writes go on when any one of them is lost. Required.
	Brokers []string
	// RecordsTopic receives the service records. It must exist.
	// Default: servicepulse.service-records.
	RecordsTopic string
	// FeedbackTopic receives the feedback. It must exist.
	// Default: servicepulse.feedback.
	FeedbackTopic string
	// BatchSize is the number of messages per WriteMessages call and the
	// writer's batch limit per partition. Default: 10000.
	BatchSize int
	// Security is how the writer connects: SASL, TLS. Default: plaintext.
	Security kafkaconn.Security
}

// Default topic names of docs/events.md.
const (
	DefaultRecordsTopic  = "servicepulse.service-records"
	DefaultFeedbackTopic = "servicepulse.feedback"
)

// Validate fills in defaults and reports the first invalid value.
func (kc *KafkaConfig) Validate() error {
	if kc.RecordsTopic == "" {
		kc.RecordsTopic = DefaultRecordsTopic
	}
	if kc.FeedbackTopic == "" {
		kc.FeedbackTopic = DefaultFeedbackTopic
	}
	if kc.BatchSize == 0 {
		kc.BatchSize = 10000
	}
	if len(kc.Brokers) == 0 {
		return fields.Errorf("Brokers", nil, "is empty: give at least one Kafka address host:port")
	}
	if kc.RecordsTopic == kc.FeedbackTopic {
		return fields.Errorf("FeedbackTopic", strconv.Quote(kc.FeedbackTopic), "must differ from {RecordsTopic}")
	}
	if kc.BatchSize < 1 || kc.BatchSize > 1_000_000 {
		return fields.Errorf("BatchSize", kc.BatchSize, "must be between 1 and 1000000")
	}
	return kc.Security.Validate()
}

// maxBatchBytes keeps every produce request's record batch below the
// broker's default message.max.bytes (1,048,588) with room for overhead,
// while still taking one oversize (64 KiB + 2 KiB) message.
const maxBatchBytes = 1_000_000

// progressEvery is how often Produce logs its progress.
const progressEvery = 2 * time.Second

// Produce generates the traffic of cfg and writes it to Kafka: records and
// feedback to their topics, keyed by request_id and partitioned by a hash of
// the key, so that the events of one request stay in order in one partition.
// Every write is acknowledged by all in-sync replicas. The topics must exist.
// Generation runs ahead of the writes by at most two batches. Produce logs its
// progress about every 2 s and returns the Summary once everything is written,
// or the first error (a cancelled ctx included).
func Produce(ctx context.Context, kc KafkaConfig, cfg Config, log *slog.Logger) (Summary, error) {
	if err := kc.Validate(); err != nil {
		return Summary{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tr, err := kafkaconn.WriterTransport(kc.Brokers, kc.Security)
	if err != nil {
		return Summary{}, err
	}
	kafkaconn.UseSmallLZ4Blocks()
	w := &kafka.Writer{
		Addr:         kafka.TCP(kc.Brokers...),
		Transport:    tr,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchSize:    kc.BatchSize,
		BatchBytes:   maxBatchBytes,
		BatchTimeout: 10 * time.Millisecond,
		Compression:  compression,
	}
	defer w.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan []kafka.Message, 2)
	empty := make(chan []kafka.Message, 3)
	for range cap(empty) {
		empty <- make([]kafka.Message, 0, kc.BatchSize)
	}
	type result struct {
		sum Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer close(full)
		batch := <-empty
		topics := map[Stream]string{Records: kc.RecordsTopic, Feedback: kc.FeedbackTopic}
		send := func() error {
			select {
			case full <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case batch = <-empty:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		sum, err := Generate(cfg, func(m Message) error {
			batch = append(batch, kafka.Message{Topic: topics[m.Topic], Key: m.Key, Value: m.Value})
			if len(batch) < kc.BatchSize {
				return nil
			}
			return send()
		})
		if err == nil && len(batch) > 0 {
			err = send()
		}
		done <- result{sum, err}
	}()

	start := time.Now()
	last, lastN, written := start, 0, 0
	var werr error
	for batch := range full {
		if werr != nil {
			continue // drain until the generator sees the cancellation
		}
		if err := w.WriteMessages(ctx, batch...); err != nil {
			werr = fmt.Errorf("produce to kafka %v: %w", kc.Brokers, err)
			cancel()
			continue
		}
		written += len(batch)
		clear(batch) // drop references to the written bytes
		empty <- batch[:0]
		if now := time.Now(); now.Sub(last) >= progressEvery {
			log.Info("generator: producing", "messages", written,
				"per_second", int(float64(written-lastN)/now.Sub(last).Seconds()))
			last, lastN = now, written
		}
	}
	res := <-done
	if werr != nil {
		return res.sum, werr
	}
	if res.err != nil {
		return res.sum, fmt.Errorf("generate: %w", res.err)
	}
	elapsed := time.Since(start)
	log.Info("generator: produced", "messages", written, "records", res.sum.Records, "feedback", res.sum.Feedback,
		"malformed", res.sum.Malformed, "seconds", elapsed.Seconds(), "per_second", int(float64(written)/elapsed.Seconds()))
	return res.sum, nil
}

// compression of produced batches. Measured with 100,000 tickets against the
// embedded broker on the 2-core development machine: lz4 ~390–450k msg/s,
// none ~245k, snappy ~250–350k, zstd ~190–280k (batch 10,000).
const compression = kafka.Lz4
