package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/kafkaconn"
)

// produceBatch is the number of messages per write, as generator.Produce
// writes them.
const produceBatch = 10000

// lagBound is how far, in messages, the producer may run ahead of the
// group's committed offsets while ingest runs. It keeps the worker busy
// (each worker holds a batch being filled and one being written, and
// kafka-go queues 20,000 more) without letting a backlog build up: a
// producer faster than ingest would otherwise make every request's
// freshness the time to drain all the messages produced before it, a figure
// that grows with --tickets, not with what the refresh costs.
func lagBound(batchRows, workers int) int64 {
	return int64(4 * batchRows * workers)
}

// produced is what a live produce did.
type produced struct {
	Seconds        float64 // from the first write to the last acknowledgement
	BlockedSeconds float64 // waiting for ingest to commit, under the lag bound
}

// liveProducer writes messages as generator.Produce does (same partitioning
// by key, acknowledgements, batching and compression), from messages
// already in memory, keeping at most bound messages uncommitted by group.
type liveProducer struct {
	brokers []string
	topics  map[generator.Stream]string
	bound   int64
	lag     *ingest.LagReader
	// handing is told, in order, which messages are about to be written.
	handing func(lo, hi int)
}

// produce writes msgs, then returns; or the first error, ctx's included.
func (p liveProducer) produce(ctx context.Context, msgs []generator.Message) (produced, error) {
	tr, err := kafkaconn.WriterTransport(p.brokers, kafkaconn.Security{})
	if err != nil {
		return produced{}, err
	}
	kafkaconn.UseSmallLZ4Blocks() // as generator.Produce writes, and the Java client
	w := &kafka.Writer{
		Addr: kafka.TCP(p.brokers...), Transport: tr, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		BatchSize: produceBatch, BatchBytes: 1_000_000, BatchTimeout: 10 * time.Millisecond, Compression: kafka.Lz4,
	}
	defer w.Close()
	var (
		res       produced
		committed int64 // a lower bound of the group's committed messages
		batch     = make([]kafka.Message, 0, produceBatch)
	)
	start := time.Now()
	for lo := 0; lo < len(msgs); lo += produceBatch {
		hi := min(lo+produceBatch, len(msgs))
		if int64(hi)-committed > p.bound {
			waited := time.Now()
			if committed, err = p.waitForRoom(ctx, int64(lo), int64(hi)); err != nil {
				return res, err
			}
			res.BlockedSeconds += time.Since(waited).Seconds()
		}
		batch = batch[:0]
		for _, m := range msgs[lo:hi] {
			batch = append(batch, kafka.Message{Topic: p.topics[m.Topic], Key: m.Key, Value: m.Value})
		}
		if p.handing != nil {
			p.handing(lo, hi)
		}
		if err := w.WriteMessages(ctx, batch...); err != nil {
			return res, fmt.Errorf("produce to kafka %v: %w", p.brokers, err)
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// waitForRoom polls the group's lag until writing up to message hi keeps
// the uncommitted messages within the bound, and returns how many messages
// are committed. written messages are acknowledged: the lag counts them.
func (p liveProducer) waitForRoom(ctx context.Context, written, hi int64) (committed int64, err error) {
	for {
		l, err := p.lag.Lag(ctx)
		if err != nil {
			return 0, fmt.Errorf("read the ingest group's lag: %w", err)
		}
		if committed = written - l.Total; hi-committed <= p.bound {
			return committed, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
