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

// topicsReadyWait bounds the wait for created topics' partitions to get
// leaders, through one bootstrap address.
const topicsReadyWait = 30 * time.Second

// EnsureTopics creates the topics that do not exist yet, with the given
// number of partitions. Existing topics are left as they are. It asks the
// bootstrap addresses in turn until one of them gets the work done, so any
// of them may be down; the error names every address tried.
func EnsureTopics(ctx context.Context, brokers []string, partitions int, topics ...string) error {
	if len(brokers) == 0 {
		return errors.New("create topics: no kafka address")
	}
	var errs []error
	for _, addr := range brokers {
		err := ensureTopicsVia(ctx, addr, partitions, topics)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("through %s: %w", addr, err))
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("create topics %v (tried %d kafka addresses %v): %w", topics, len(errs), brokers[:len(errs)], errors.Join(errs...))
}

// ensureTopicsVia creates the topics through the controller that the broker
// at addr names, and waits until the broker at addr sees a leader for every
// partition.
func ensureTopicsVia(ctx context.Context, addr string, partitions int, topics []string) error {
	// Bounded, so that an address that does not answer (a host down, not
	// just a refused port) leaves time for the next one.
	d := kafka.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		return fmt.Errorf("find controller: %w", err)
	}
	ctrlAddr := net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port))
	cc, err := d.DialContext(ctx, "tcp", ctrlAddr)
	if err != nil {
		return fmt.Errorf("connect to controller %s: %w", ctrlAddr, err)
	}
	defer cc.Close()
	cfgs := make([]kafka.TopicConfig, 0, len(topics))
	for _, t := range topics {
		cfgs = append(cfgs, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: 1})
	}
	if err := cc.CreateTopics(cfgs...); err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("create on controller %s: %w", ctrlAddr, err)
	}
	// Creation is asynchronous in Kafka (and in kfake with a data dir): wait
	// until every partition has a leader, so a producer started next does not
	// fail with "Unknown Topic Or Partition".
	deadline := time.Now().Add(topicsReadyWait)
	for {
		parts, err := conn.ReadPartitions(topics...)
		if err == nil && leadersReady(parts, topics) {
			return nil
		}
		var kerr kafka.Error
		if err != nil && !errors.As(err, &kerr) {
			// Not a broker's answer but a broken connection: the next
			// address may do better than waiting here.
			return fmt.Errorf("read partitions: %w", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("created but not ready after %s (last error: %v)", topicsReadyWait, err)
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
