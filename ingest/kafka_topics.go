package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"servicepulse/internal/kafkaconn"
)

// topicsReadyWait bounds the wait for created topics' partitions to get
// leaders, through one bootstrap address.
const topicsReadyWait = 30 * time.Second

// TopicSpec is how EnsureTopicsWith creates a topic.
type TopicSpec struct {
	Partitions int
	// ReplicationFactor is the number of copies of each partition. 0 means
	// 1 on a Kafka of one broker (the embedded one, a laptop's) and, on a
	// cluster, creating nothing: production topics are made by their owner
	// with the replication they need (README, "Production": 3 copies,
	// min.insync.replicas 2), and a topic made with one copy by accident
	// would lose data with its broker.
	ReplicationFactor int
	// Security is how to connect to the brokers (SASL, TLS), as every
	// other client of the same Kafka does. Default: plaintext.
	Security kafkaconn.Security
}

// EnsureTopics is EnsureTopicsWith with the given partitions and the
// default replication.
func EnsureTopics(ctx context.Context, brokers []string, partitions int, topics ...string) error {
	return EnsureTopicsWith(ctx, brokers, TopicSpec{Partitions: partitions}, topics...)
}

// EnsureTopicsWith creates the topics that do not exist yet, as spec says.
// Existing topics are left as they are. It asks the bootstrap addresses in
// turn until one of them gets the work done, so any of them may be down;
// the error names every address tried.
func EnsureTopicsWith(ctx context.Context, brokers []string, spec TopicSpec, topics ...string) error {
	if len(brokers) == 0 {
		return errors.New("create topics: no kafka address")
	}
	// Bounded, so that an address that does not answer (a host down, not
	// just a refused port) leaves time for the next one.
	d, err := spec.Security.Dialer(10 * time.Second)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	var errs []error
	for _, addr := range brokers {
		err := ensureTopicsVia(ctx, d, addr, spec, topics)
		if errors.Is(err, ErrTopicsMissing) {
			return err
		}
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
func ensureTopicsVia(ctx context.Context, d *kafka.Dialer, addr string, spec TopicSpec, topics []string) error {
	// Only the missing topics are created: Kafka checks the right to create
	// before it checks whether a topic exists, so asking for existing ones
	// would need that right on a cluster with ACLs.
	missing, brokers, err := missingTopics(ctx, addr, spec.Security, topics)
	if err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	rf := spec.ReplicationFactor
	if rf == 0 {
		if brokers > 1 {
			return fmt.Errorf("%w: %v do not exist on this %d-broker Kafka; create them with the replication they need (3 copies, min.insync.replicas 2), or give a replication factor",
				ErrTopicsMissing, missing, brokers)
		}
		rf = 1
	}
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
	cfgs := make([]kafka.TopicConfig, 0, len(missing))
	for _, t := range missing {
		cfgs = append(cfgs, kafka.TopicConfig{Topic: t, NumPartitions: spec.Partitions, ReplicationFactor: rf})
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

// ErrTopicsMissing is the error of EnsureTopicsWith when topics do not exist
// on a Kafka cluster and no replication factor was given.
var ErrTopicsMissing = errors.New("topics missing on a Kafka cluster")

// missingTopics returns the topics that do not exist, and the number of
// brokers, from metadata asked for without auto-creation (which
// kafka.Conn.ReadPartitions would request).
func missingTopics(ctx context.Context, addr string, sec kafkaconn.Security, topics []string) (missing []string, brokers int, err error) {
	tr, err := kafkaconn.Transport(sec)
	if err != nil {
		return nil, 0, err
	}
	defer tr.CloseIdleConnections()
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second, Transport: tr}
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, 0, fmt.Errorf("read metadata: %w", err)
	}
	found := map[string]bool{}
	for _, t := range md.Topics {
		if t.Error == nil && len(t.Partitions) > 0 {
			found[t.Name] = true
		}
	}
	for _, t := range topics {
		if !found[t] {
			missing = append(missing, t)
		}
	}
	return missing, len(md.Brokers), nil
}
