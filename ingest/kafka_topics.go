package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// EnsureTopics creates the topics that do not exist yet, with the given
// number of partitions. Existing topics are left as they are.
func EnsureTopics(ctx context.Context, brokers []string, partitions int, topics ...string) error {
	var d kafka.Dialer
	conn, err := d.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		return fmt.Errorf("connect to kafka %s: %w", brokers[0], err)
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		return fmt.Errorf("find kafka controller: %w", err)
	}
	cc, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		return fmt.Errorf("connect to kafka controller: %w", err)
	}
	defer cc.Close()
	cfgs := make([]kafka.TopicConfig, 0, len(topics))
	for _, t := range topics {
		cfgs = append(cfgs, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: 1})
	}
	if err := cc.CreateTopics(cfgs...); err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("create topics %v: %w", topics, err)
	}
	// Creation is asynchronous in Kafka (and in kfake with a data dir): wait
	// until every partition has a leader, so a producer started next does not
	// fail with "Unknown Topic Or Partition".
	deadline := time.Now().Add(30 * time.Second)
	for {
		parts, err := conn.ReadPartitions(topics...)
		if err == nil && leadersReady(parts, topics) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("topics %v created but not ready after 30s (last error: %v)", topics, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func leadersReady(parts []kafka.Partition, topics []string) bool {
	ready := map[string]bool{}
	for _, p := range parts {
		if p.Leader.Host == "" {
			return false
		}
		ready[p.Topic] = true
	}
	for _, t := range topics {
		if !ready[t] {
			return false
		}
	}
	return true
}
