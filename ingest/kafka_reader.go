package ingest

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// newReader returns a consumer-group member reading both input topics.
// CommitInterval 0 makes CommitMessages synchronous: it returns once the
// broker stored the offsets, which the ack path relies on.
func newReader(cfg Config, log *slog.Logger) *kafka.Reader {
	start := kafka.FirstOffset
	if !cfg.FromBeginning {
		start = kafka.LastOffset
	}
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:        cfg.Brokers,
		GroupID:        cfg.Group,
		GroupTopics:    []string{cfg.RecordsTopic, cfg.FeedbackTopic},
		StartOffset:    start,
		CommitInterval: 0,
		MinBytes:       1,
		MaxBytes:       16 << 20,
		MaxWait:        200 * time.Millisecond,
		// Room for a few fetches per partition between the fetch goroutines
		// and the worker; bounded, so a stalled worker bounds memory.
		QueueCapacity: 20000,
		// A member learns of a rebalance from its heartbeat, and a crashed
		// member's partitions move after the session timeout: keep both short
		// so joins and crash recovery take seconds (kafka-go: 3s and 30s).
		HeartbeatInterval: time.Second,
		SessionTimeout:    10 * time.Second,
		ErrorLogger: kafka.LoggerFunc(func(msg string, args ...any) {
			text := fmt.Sprintf(msg, args...)
			// An idle long poll sometimes outlives kafka-go's own read
			// deadline (set to MaxWait); it reconnects and goes on. Not news.
			if strings.Contains(text, "i/o timeout") {
				log.Debug("kafka reader", "msg", text)
				return
			}
			log.Warn("kafka reader", "msg", text)
		}),
	})
}
