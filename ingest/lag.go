package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/segmentio/kafka-go"

	"servicepulse/internal/kafkaconn"
)

// PartitionLag is how far a consumer group is behind on one partition.
type PartitionLag struct {
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	// Committed is the group's committed offset there: the next message it
	// will consume. -1 when the group has committed nothing on the partition.
	Committed int64 `json:"committed"`
	// HighWater is the partition's high-water mark: the offset the next
	// produced message will get.
	HighWater int64 `json:"high_water"`
	// Lag is the number of messages left: HighWater − Committed, or, without
	// a commit, HighWater − the log start (a new group reads from the start).
	Lag int64 `json:"lag"`
}

// Lag is a consumer group's position on every partition of its topics, read
// from the broker: the group's committed offsets against the high-water
// marks. It is the same whichever member, process or tool reads it, and it
// goes on rising while a worker is stalled or has no partitions.
type Lag struct {
	Group      string         `json:"group"`
	Partitions []PartitionLag `json:"partitions"`
	Total      int64          `json:"total"`
}

// CaughtUp reports whether every partition has its committed offset at the
// high-water mark.
func (l Lag) CaughtUp() bool { return l.Total == 0 }

// Behind returns a sentence naming how many messages are left and where, for
// errors and logs: "1,234 messages left on 2 partitions: t/0 (1,000), t/3 (234)".
func (l Lag) Behind() string {
	var parts []string
	for _, p := range l.Partitions {
		if p.Lag > 0 {
			parts = append(parts, fmt.Sprintf("%s/%d (%d)", p.Topic, p.Partition, p.Lag))
		}
	}
	if len(parts) == 0 {
		return "no message left"
	}
	return fmt.Sprintf("%d messages left on %d partitions: %s", l.Total, len(parts), strings.Join(parts, ", "))
}

// LagReader reads a group's lag. It talks to the cluster through its own
// transport, never through kafka-go's shared default, whose metadata cache
// can miss a topic created a moment ago. Safe for concurrent use.
type LagReader struct {
	group     string
	topics    []string
	client    *kafka.Client
	transport *kafka.Transport
}

// NewLagReader returns a reader of group's lag on topics, on a plaintext
// Kafka without SASL; see NewSecureLagReader.
func NewLagReader(brokers []string, group string, timeout time.Duration, topics ...string) *LagReader {
	r, _ := NewSecureLagReader(brokers, kafkaconn.Security{}, group, timeout, topics...) // plaintext: no file to read, no error
	return r
}

// NewSecureLagReader returns a reader of group's lag on topics that
// connects as sec says (SASL, TLS). Each call of Lag is bounded by timeout
// (default 10s when 0).
func NewSecureLagReader(brokers []string, sec kafkaconn.Security, group string, timeout time.Duration, topics ...string) (*LagReader, error) {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	tr, err := kafkaconn.Transport(sec)
	if err != nil {
		return nil, fmt.Errorf("lag reader: %w", err)
	}
	// Metadata is read on every call: partitions added to a topic count at once.
	tr.DialTimeout, tr.MetadataTTL = 5*time.Second, time.Second
	return &LagReader{
		group:     group,
		topics:    slices.Clone(topics),
		transport: tr,
		client:    &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: timeout, Transport: tr},
	}, nil
}

// Close releases the reader's connections.
func (r *LagReader) Close() { r.transport.CloseIdleConnections() }

// lagRetryFor bounds how long Lag retries a request that a broker refused
// as no longer its own (a leader or coordinator moved) or that a lost broker
// failed: three times the transport's metadata TTL, so the partition map is
// read anew in between.
const lagRetryFor = 3 * time.Second

// Lag reads the group's committed offsets and the partitions' high-water
// marks. A topic that does not exist is an error: a lag of 0 on it would
// claim a catch-up that never happened. A request that failed because a
// leader moved or a broker was lost is retried for up to 3s (within ctx),
// once the cluster's new layout is known.
func (r *LagReader) Lag(ctx context.Context) (Lag, error) {
	deadline := time.Now().Add(lagRetryFor)
	backoff := 100 * time.Millisecond
	for {
		l, err := r.lag(ctx)
		if err == nil || !retriable(err) || ctx.Err() != nil || time.Now().Add(backoff).After(deadline) {
			return l, err
		}
		select {
		case <-ctx.Done():
			return Lag{}, err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// errStale marks a lag request worth retrying once the metadata is fresh.
type errStale struct{ err error }

func (e errStale) Error() string { return e.err.Error() }
func (e errStale) Unwrap() error { return e.err }

// stale marks err as retriable when a broker said it is temporary (not the
// leader, coordinator moving, …) or when it is no broker's answer at all (a
// connection refused or lost): both pass once the client routes anew.
func stale(err error) error {
	var kerr kafka.Error
	if errors.As(err, &kerr) && !kerr.Temporary() {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return errStale{err}
}

func retriable(err error) bool {
	var s errStale
	return errors.As(err, &s)
}

func (r *LagReader) lag(ctx context.Context) (Lag, error) {
	md, err := r.client.Metadata(ctx, &kafka.MetadataRequest{Topics: r.topics})
	if err != nil {
		return Lag{}, fmt.Errorf("read metadata of %v: %w", r.topics, err)
	}
	partitions := map[string][]int{}
	for _, t := range md.Topics {
		if t.Error != nil {
			return Lag{}, fmt.Errorf("topic %q: %w", t.Name, t.Error)
		}
		for _, p := range t.Partitions {
			partitions[t.Name] = append(partitions[t.Name], p.ID)
		}
	}
	for _, t := range r.topics {
		if len(partitions[t]) == 0 {
			return Lag{}, fmt.Errorf("topic %q has no partitions (does it exist?)", t)
		}
	}
	// Two requests, not one with both timestamps per partition: a broker may
	// refuse a partition named twice in one ListOffsets request.
	first, err := r.offsets(ctx, partitions, kafka.FirstOffsetOf)
	if err != nil {
		return Lag{}, err
	}
	last, err := r.offsets(ctx, partitions, kafka.LastOffsetOf)
	if err != nil {
		return Lag{}, err
	}
	var all []topicPartition
	for t, ids := range partitions {
		for _, id := range ids {
			all = append(all, topicPartition{t, id})
		}
	}
	done, err := r.Committed(ctx, all)
	if err != nil {
		return Lag{}, stale(err)
	}
	out := Lag{Group: r.group}
	for _, t := range slices.Sorted(maps.Keys(partitions)) {
		ids := slices.Clone(partitions[t])
		slices.Sort(ids)
		for _, id := range ids {
			key := topicPartition{t, id}
			pl := PartitionLag{Topic: t, Partition: id, Committed: -1, HighWater: last[key]}
			if c, ok := done[key]; ok && c >= 0 {
				pl.Committed = c
				pl.Lag = max(pl.HighWater-c, 0)
			} else {
				pl.Lag = max(pl.HighWater-first[key], 0)
			}
			out.Partitions = append(out.Partitions, pl)
			out.Total += pl.Lag
		}
	}
	return out, nil
}

// Committed reads the group's committed offsets of partitions: the offset
// of the next message to read; a partition without one is left out.
func (r *LagReader) Committed(ctx context.Context, partitions []topicPartition) (map[topicPartition]int64, error) {
	req := &kafka.OffsetFetchRequest{GroupID: r.group, Topics: map[string][]int{}}
	for _, tp := range partitions {
		req.Topics[tp.topic] = append(req.Topics[tp.topic], tp.partition)
	}
	res, err := r.client.OffsetFetch(ctx, req)
	if err == nil {
		err = res.Error
	}
	if errors.Is(err, kafka.GroupIdNotFound) {
		return map[topicPartition]int64{}, nil // a group that never committed
	}
	if err != nil {
		return nil, fmt.Errorf("read committed offsets of group %q: %w", r.group, err)
	}
	out := make(map[topicPartition]int64, len(partitions))
	for topic, ps := range res.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return nil, fmt.Errorf("committed offset of group %q on %s/%d: %w", r.group, topic, p.Partition, p.Error)
			}
			if p.CommittedOffset >= 0 {
				out[topicPartition{topic, p.Partition}] = p.CommittedOffset
			}
		}
	}
	return out, nil
}

type topicPartition struct {
	topic     string
	partition int
}

func (r *LagReader) offsets(ctx context.Context, partitions map[string][]int, which func(int) kafka.OffsetRequest) (map[topicPartition]int64, error) {
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for t, ids := range partitions {
		for _, id := range ids {
			req.Topics[t] = append(req.Topics[t], which(id))
		}
	}
	res, err := r.client.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("list offsets of %v: %w", r.topics, stale(err))
	}
	out := map[topicPartition]int64{}
	for t, ps := range res.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return nil, fmt.Errorf("list offsets of %s/%d: %w", t, p.Partition, stale(p.Error))
			}
			off := p.LastOffset
			if off < 0 {
				off = p.FirstOffset
			}
			out[topicPartition{t, p.Partition}] = off
		}
	}
	for t, ids := range partitions {
		for _, id := range ids {
			if _, ok := out[topicPartition{t, id}]; !ok {
				return nil, errors.New("list offsets: no answer for " + t + "/" + strconv.Itoa(id))
			}
		}
	}
	return out, nil
}

// WriteTable prints l as an aligned table, one line per partition (a
// partition without a committed offset shows "none"), then the total.
func (l Lag) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "topic\tpartition\tcommitted\thigh water\tlag\t")
	for _, p := range l.Partitions {
		committed := strconv.FormatInt(p.Committed, 10)
		if p.Committed < 0 {
			committed = "none"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t\n", p.Topic, p.Partition, committed, p.HighWater, p.Lag)
	}
	fmt.Fprintf(tw, "total\t\t\t\t%d\t\n", l.Total)
	return tw.Flush()
}
