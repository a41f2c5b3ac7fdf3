package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"servicepulse/transform"
)

// Sink stores batches durably. Write returns nil only once every row of the
// batch is acknowledged by the store. It may be called again with the same
// rows after a crash or a failed attempt, so it must be idempotent. Write is
// called from one goroutine per worker; it must not retry by itself.
type Sink interface {
	Write(ctx context.Context, b *Batch) error
}

// DeadLetters publishes rejected messages. Write returns nil once the broker
// acknowledged all of them; it may publish some twice across retries.
type DeadLetters interface {
	Write(ctx context.Context, rejects []transform.Reject, dead []DeadLetter) error
}

// Decoder turns consumed bytes into rows or rejects; *transform.Transformer
// implements it. Safe for concurrent use.
type Decoder interface {
	DecodeRecord(src transform.Source, value []byte) (transform.ServiceEvent, *transform.Reject)
	DecodeFeedback(src transform.Source, value []byte) (transform.FeedbackEvent, *transform.Reject)
}

// CommitNotifier is told that a batch's offsets were committed: its rows are
// in ClickHouse and will not be re-delivered to this group. The request-state
// refresher implements it, to rebuild exactly the requests that changed soon
// after their rows land, instead of scanning the fact tables for them.
// Committed gets the distinct request ids of the batch's events and feedback
// (rejects have none); the slice is the notifier's to keep. It is called
// from the ack path of every worker, after each commit, so it must be cheap
// and must not block; calls may come concurrently, and an id may come again.
// A missed one costs nothing but time: the refresher's periodic watermark
// refresh is the catch-up path.
type CommitNotifier interface {
	Committed(requests []string)
}

// requestIDs returns the distinct request ids of b's events and feedback.
func requestIDs(b *Batch) []string {
	seen := make(map[string]struct{}, len(b.Events)/4+len(b.Feedback))
	ids := make([]string, 0, len(b.Events)/4+len(b.Feedback))
	add := func(id string) {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			ids = append(ids, id)
		}
	}
	for i := range b.Events {
		add(b.Events[i].RequestID)
	}
	for i := range b.Feedback {
		add(b.Feedback[i].RequestID)
	}
	return ids
}

// Totals counts what workers did. Counters include re-deliveries.
type Totals struct {
	Consumed int64 `json:"consumed"`
	Ingested int64 `json:"ingested"` // fact rows written: events + feedback
	Events   int64 `json:"events"`
	Feedback int64 `json:"feedback"`
	Rejected int64 `json:"rejected"`
	Batches  int64 `json:"batches"`
	// ActiveSeconds runs from the first message fetched to the last batch
	// committed: the time spent working, without start-up or idle waiting.
	ActiveSeconds float64 `json:"active_seconds"`
	// Lag is the number of messages left on the group's partitions when Run
	// returned (committed offsets against high-water marks): 0 after a
	// normal exit, -1 when the broker could not tell.
	Lag int64 `json:"lag"`
}

type counters struct {
	consumed, events, feedback, rejected, batches atomic.Int64
	firstFetch, lastCommit                        atomic.Int64 // unix nanos
}

func (c *counters) totals() Totals {
	t := Totals{
		Consumed: c.consumed.Load(), Events: c.events.Load(), Feedback: c.feedback.Load(),
		Rejected: c.rejected.Load(), Batches: c.batches.Load(),
	}
	t.Ingested = t.Events + t.Feedback
	if first, last := c.firstFetch.Load(), c.lastCommit.Load(); first > 0 && last > first {
		t.ActiveSeconds = time.Duration(last - first).Seconds()
	}
	return t
}

// committer is the part of *kafka.Reader a worker uses. CommitMessages is
// synchronous (CommitInterval 0): it returns once the broker stored the
// offsets. kafka-go serialises commits, so workers may call it concurrently.
type committer interface {
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
}

// committedOffsets reads the group's committed offsets of partitions;
// *LagReader implements it.
type committedOffsets interface {
	Committed(ctx context.Context, partitions []topicPartition) (map[topicPartition]int64, error)
}

// pending is a batch on its way through the ack path, with the last message
// of each partition it covers: committing those commits the whole batch.
type pending struct {
	batch *Batch
	last  []kafka.Message
}

// worker is one partition-bound pipeline of the process: it receives the
// messages of the partitions the dispatcher routes to it (each partition
// always to the same worker, so its offsets are committed in order), batches
// them, and runs each batch through the ack path. The process has one
// consumer-group member feeding all its workers, so adding workers never
// makes the group rebalance.
type worker struct {
	id      int
	cfg     Config
	commit  committer
	offsets committedOffsets
	decode  Decoder
	sink    Sink
	dead    DeadLetters
	log     *slog.Logger
	metrics *Metrics
	count   *counters
	notify  CommitNotifier // may be nil
	health  *health
	// failed is closed when the ack path gave up: the worker stops taking
	// batches, and onFail stops the process's fetching.
	failed chan struct{}
	onFail func()
}

// run batches the messages of in until in is closed, then drains: the last
// batch is written and committed before run returns. fetchDone is closed when
// the process stops fetching (a stop signal, or caught up); from then on the
// ack path has cfg.ShutdownTimeout to finish, and what it cannot finish stays
// uncommitted, to be re-delivered.
func (w *worker) run(in <-chan kafka.Message, fetchDone <-chan struct{}) error {
	w.failed = make(chan struct{})
	// Two batches at most are alive: one being filled, one in the ack path.
	// When the ack path blocks (ClickHouse down), filling blocks on free, the
	// dispatcher blocks on in, and the process stops reading from Kafka.
	toAck := make(chan pending)
	free := make(chan *Batch, 2)
	free <- &Batch{}
	free <- &Batch{}

	ackCtx, cancelAck := context.WithCancel(context.Background())
	defer cancelAck()
	go func() {
		select {
		case <-fetchDone:
		case <-ackCtx.Done():
			return
		}
		t := time.NewTimer(w.cfg.ShutdownTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			cancelAck()
		case <-ackCtx.Done():
		}
	}()

	ackErr := make(chan error, 1)
	go func() { ackErr <- w.ackLoop(ackCtx, toAck, free) }()
	w.fill(in, toAck, free)
	close(toAck)
	err := <-ackErr
	// After a failure, what is still routed here is dropped uncommitted: it
	// is re-delivered to the next run.
	for range in {
	}
	return err
}

// fill cuts batches by size (BatchRows) and time (BatchInterval after a
// batch's first message) and hands them to the ack path.
func (w *worker) fill(in <-chan kafka.Message, toAck chan<- pending, free <-chan *Batch) {
	var (
		b     *Batch
		last  = map[partitionKey]kafka.Message{}
		timer = time.NewTimer(time.Hour)
	)
	timer.Stop()
	defer timer.Stop()
	flush := func() {
		timer.Stop()
		if b == nil || b.Len() == 0 {
			return
		}
		p := pending{batch: b, last: make([]kafka.Message, 0, len(last))}
		for _, m := range last {
			p.last = append(p.last, m)
		}
		clear(last)
		b = nil
		toAck <- p // the ack loop always receives, even after a failure
	}
	for {
		if b == nil {
			select {
			case b = <-free:
				b.reset()
			case <-w.failed:
				return
			}
		}
		select {
		case m, ok := <-in:
			if !ok {
				flush()
				return
			}
			if b.Len() == 0 {
				timer.Reset(w.cfg.BatchInterval)
			}
			w.add(b, m)
			// Keep only what a commit needs; the payload is already decoded.
			last[partitionKey{m.Topic, m.Partition}] = kafka.Message{
				Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, HighWaterMark: m.HighWaterMark,
			}
			if b.Len() >= w.cfg.BatchRows {
				flush()
			}
		case <-timer.C:
			flush()
		case <-w.failed:
			return
		}
	}
}

type partitionKey struct {
	topic     string
	partition int
}

func (w *worker) add(b *Batch, m kafka.Message) {
	src := transform.Source{Topic: m.Topic, Partition: int32(m.Partition), Offset: m.Offset}
	b.Consumed++
	var rej *transform.Reject
	switch m.Topic {
	case w.cfg.RecordsTopic:
		var ev transform.ServiceEvent
		if ev, rej = w.decode.DecodeRecord(src, m.Value); rej == nil {
			b.Events = append(roomForOne(b.Events, w.cfg.BatchRows), ev)
			return
		}
	case w.cfg.FeedbackTopic:
		var ev transform.FeedbackEvent
		if ev, rej = w.decode.DecodeFeedback(src, m.Value); rej == nil {
			b.Feedback = append(roomForOne(b.Feedback, w.cfg.BatchRows), ev)
			return
		}
	default:
		// Cannot happen with GroupTopics set to our two topics; keep the
		// message anyway rather than drop it.
		rej = &transform.Reject{Reason: transform.ReasonUnknownEventType, Detail: "topic " + m.Topic,
			Payload: transform.Redact(m.Value), PayloadSize: len(m.Value), Source: src}
	}
	b.Rejects = append(b.Rejects, *rej)
	b.Dead = append(b.Dead, DeadLetter{Key: m.Key, Value: m.Value})
}

// ackLoop writes each batch, publishes its dead letters and commits its
// offsets, in that order. It returns when toAck is closed and drained. After
// a failure it acknowledges nothing more: the rest is re-delivered.
func (w *worker) ackLoop(ctx context.Context, toAck <-chan pending, free chan<- *Batch) error {
	var failure error
	for p := range toAck {
		if failure == nil {
			if err := w.ack(ctx, p); err != nil {
				failure = err
				if ctx.Err() != nil {
					w.log.Warn("shutdown timeout reached: batch left uncommitted, it will be re-delivered to the next run",
						"worker", w.id, "messages", p.batch.Consumed, "shutdown_timeout", w.cfg.ShutdownTimeout, "err", err)
				}
				close(w.failed)
				w.onFail()
			}
		}
		free <- p.batch
	}
	return failure
}

func (w *worker) ack(ctx context.Context, p pending) error {
	b := p.batch
	start := time.Now()
	if err := w.retry(ctx, "write batch to clickhouse", func(ctx context.Context) error { return w.sink.Write(ctx, b) }); err != nil {
		return err
	}
	w.metrics.observeWrite(b, time.Since(start))
	if len(b.Rejects) > 0 {
		if err := w.retry(ctx, "publish dead letters", func(ctx context.Context) error {
			return w.dead.Write(ctx, b.Rejects, b.Dead)
		}); err != nil {
			return err
		}
	}
	if err := w.retry(ctx, "commit offsets", func(ctx context.Context) error {
		last, err := w.notBehind(ctx, p.last)
		if err != nil || len(last) == 0 {
			return err
		}
		return w.commit.CommitMessages(ctx, last...)
	}); err != nil {
		return err
	}
	w.count.consumed.Add(int64(b.Consumed))
	w.count.events.Add(int64(len(b.Events)))
	w.count.feedback.Add(int64(len(b.Feedback)))
	w.count.rejected.Add(int64(len(b.Rejects)))
	w.count.batches.Add(1)
	w.count.lastCommit.Store(time.Now().UnixNano())
	if w.notify != nil {
		w.notify.Committed(requestIDs(b))
	}
	w.log.Debug("batch committed", "worker", w.id, "messages", b.Consumed, "events", len(b.Events),
		"feedback", len(b.Feedback), "rejected", len(b.Rejects), "took", time.Since(start))
	return nil
}

// notBehind drops from last the messages of partitions whose committed
// offset is already past them, so that a commit never moves a partition's
// offset back. That happens after a rebalance: kafka-go commits a batch
// fetched under the old generation with the new one, which the broker
// accepts even when the partition now belongs to another member
// (segmentio/kafka-go#1308). If that member has committed further, the
// stale commit would rewind the offset below what it has read, and the
// group would never catch up again until the next rebalance. The rows of
// a dropped commit are stored; the partition's new owner has read past them.
func (w *worker) notBehind(ctx context.Context, last []kafka.Message) ([]kafka.Message, error) {
	if w.offsets == nil {
		return last, nil
	}
	tps := make([]topicPartition, len(last))
	for i, m := range last {
		tps[i] = topicPartition{m.Topic, m.Partition}
	}
	committed, err := w.offsets.Committed(ctx, tps)
	if err != nil {
		return nil, err
	}
	keep := last[:0:0]
	for _, m := range last {
		// A commit stores the offset of the next message to read.
		if c, ok := committed[topicPartition{m.Topic, m.Partition}]; ok && c > m.Offset+1 {
			w.log.Info("not committing a partition another member has committed past (it moved in a rebalance)",
				"worker", w.id, "topic", m.Topic, "partition", m.Partition, "ours", m.Offset+1, "committed", c)
			continue
		}
		keep = append(keep, m)
	}
	return keep, nil
}

// retry runs op until it succeeds or ctx ends, backing off exponentially.
// While it fails, /healthz reports the worker unhealthy.
func (w *worker) retry(ctx context.Context, what string, op func(context.Context) error) error {
	backoff := w.cfg.RetryMin
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			if attempt > 1 {
				w.log.Info("recovered", "worker", w.id, "op", what, "attempts", attempt)
				w.health.setFailing(w.id, "")
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: gave up after %d attempts: %w", what, attempt, err)
		}
		w.health.setFailing(w.id, fmt.Sprintf("%s: %v", what, err))
		w.metrics.retries.WithLabelValues(what).Inc()
		w.log.Warn("retrying", "worker", w.id, "op", what, "attempt", attempt, "backoff", backoff, "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return fmt.Errorf("%s: gave up after %d attempts: %w", what, attempt, err)
		}
		backoff = min(backoff*2, w.cfg.RetryMax)
	}
}
