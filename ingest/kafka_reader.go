package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"servicepulse/internal/kafkaconn"
)

// Group timing. A member learns of a rebalance from its heartbeat, and a
// crashed member's partitions move after its session timeout: both are kept
// short so joins and crash recovery take seconds (kafka-go: 3s and 30s).
// The rebalance timeout is how long the coordinator waits for every member
// to rejoin; kafka-go's 30s default also made a Close during a rebalance
// hang that long. Our members rejoin within a heartbeat, so 10s is ample.
const (
	heartbeatInterval = time.Second
	sessionTimeout    = 10 * time.Second
	rebalanceTimeout  = 10 * time.Second
)

// newReader returns the process's consumer-group member reading both input
// topics. CommitInterval 0 makes CommitMessages synchronous: it returns once
// the broker stored the offsets, which the ack path relies on.
//
// It needs no help on a cluster: given every address in cfg.Brokers, kafka-go
// tries them in turn to find the group's coordinator, and each partition's
// reader looks up the partition's leader anew whenever it reconnects, so a
// lost broker or a moved leader costs a reconnect and, for the coordinator,
// a rebalance (cluster_kafka_integration_test.go, 3 brokers).
//
// It connects as cfg.Security says. kafka-go retries a refused login
// forever while FetchMessage blocks, so a wrong password must be caught
// before (kafkaconn.Check); that it stays right is all this reader can
// hope for.
func newReader(cfg Config, log *slog.Logger) *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:     cfg.Brokers,
		Dialer:      readerDialer(cfg.Security),
		GroupID:     cfg.Group,
		GroupTopics: []string{cfg.RecordsTopic, cfg.FeedbackTopic},
		// A new group reads each partition from its start: a fresh
		// deployment ingests the history the topics hold.
		StartOffset:    kafka.FirstOffset,
		CommitInterval: 0,
		MinBytes:       1,
		MaxBytes:       16 << 20,
		MaxWait:        200 * time.Millisecond,
		// Room between the fetch goroutines and the dispatcher, bounded so a
		// stalled worker bounds memory. 4096 messages keep the workers fed
		// (the fetch is not what waits); 20000 held 15 MB of payloads, a
		// tenth of the heap at its peak.
		QueueCapacity:     4096,
		HeartbeatInterval: heartbeatInterval,
		SessionTimeout:    sessionTimeout,
		RebalanceTimeout:  rebalanceTimeout,
		// After a failed join, retry soon (kafka-go: 5s): the failure is
		// usually a rebalance that just started.
		JoinGroupBackoff: time.Second,
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

// readerDialTimeout bounds each connection of the reader, as kafka-go's
// default dialer does.
const readerDialTimeout = 10 * time.Second

// readerDialer is the reader's dialer for sec. sec was validated with the
// Config (New), which read its files; should they have become unreadable
// since, every dial fails with that error (logged by the reader) rather
// than connecting without the TLS or SASL asked for.
func readerDialer(sec kafkaconn.Security) *kafka.Dialer {
	d, err := sec.Dialer(readerDialTimeout)
	if err != nil {
		return &kafka.Dialer{Timeout: readerDialTimeout, DialFunc: func(context.Context, string, string) (net.Conn, error) {
			return nil, err
		}}
	}
	return d
}
