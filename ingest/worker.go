package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"syscall"
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

// fetcher is the part of *kafka.Reader a worker uses.
type fetcher interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
	Close() error
}

// pending is a batch on its way through the ack path, with the last message
// of each partition it covers: committing those commits the whole batch.
type pending struct {
	batch *Batch
	last  []kafka.Message
}

type worker struct {
	id      int
	cfg     Config
	reader  fetcher
	decode  Decoder
	sink    Sink
	dead    DeadLetters
	log     *slog.Logger
	metrics *Metrics
	count   *counters
	writes  *atomic.Int64 // successful sink writes of the process, for the crash fault point
	health  *health

	lastMessage atomic.Int64 // unix nanos of the last fetched message
}

// run fetches until ctx is done or the topic has been idle for UntilIdle, then
// drains: the last batch is written and committed before run returns.
func (w *worker) run(ctx context.Context) error {
	w.lastMessage.Store(time.Now().UnixNano())
	// Two batches at most are alive: one being filled, one in the ack path.
	// When the ack path blocks (ClickHouse down), the fetch loop blocks on this
	// channel and stops reading from Kafka.
	toAck := make(chan pending)
	free := make(chan *Batch, 2)
	free <- &Batch{}
	free <- &Batch{}

	// The ack path outlives ctx by ShutdownTimeout, so a stop signal still
	// writes and commits the batches already consumed.
	ackCtx, cancelAck := context.WithCancel(context.Background())
	defer cancelAck()
	stopAfter := context.AfterFunc(ctx, func() { time.AfterFunc(w.cfg.ShutdownTimeout, cancelAck) })
	defer stopAfter()

	ackErr := make(chan error, 1)
	go func() { ackErr <- w.ackLoop(ackCtx, toAck, free) }()

	fetchErr := w.fetchLoop(ctx, toAck, free)
	close(toAck)
	err := <-ackErr
	closeErr := w.reader.Close()
	return errors.Join(fetchErr, err, closeErr)
}

func (w *worker) fetchLoop(ctx context.Context, toAck chan<- pending, free <-chan *Batch) error {
	var (
		b        *Batch
		last     = map[partitionKey]kafka.Message{}
		deadline time.Time
	)
	flush := func() error {
		if b == nil || b.Len() == 0 {
			return nil
		}
		p := pending{batch: b, last: make([]kafka.Message, 0, len(last))}
		for _, m := range last {
			p.last = append(p.last, m)
			w.metrics.observeLag(m)
		}
		clear(last)
		b = nil
		select {
		case toAck <- p:
			return nil
		case <-ctx.Done():
			// Shutting down: still hand the batch over so it is written and
			// committed; the ack loop uses its own shutdown deadline.
			toAck <- p
			return nil
		}
	}
	for {
		if b == nil {
			select {
			case b = <-free:
			case <-ctx.Done():
				return nil
			}
			b.reset()
			deadline = time.Time{}
		}
		// One context per batch window, not per message: FetchMessage gives up
		// at the window's end so the partial batch gets flushed.
		window := w.cfg.BatchInterval
		if deadline.IsZero() {
			deadline = time.Now().Add(window)
		}
		fctx, cancel := context.WithDeadline(ctx, deadline)
		err := w.fetchInto(fctx, b, last)
		cancel()
		switch {
		case ctx.Err() != nil:
			return flush()
		case err == nil: // batch full
			if err := flush(); err != nil {
				return err
			}
		case errors.Is(err, context.DeadlineExceeded):
			if b.Len() > 0 {
				if err := flush(); err != nil {
					return err
				}
			} else {
				deadline = time.Time{}
			}
			if w.cfg.UntilIdle > 0 && time.Since(time.Unix(0, w.lastMessage.Load())) >= w.cfg.UntilIdle {
				w.log.Info("topics idle, stopping", "worker", w.id, "idle_for", w.cfg.UntilIdle)
				return flush()
			}
		default:
			_ = flush()
			return fmt.Errorf("fetch: %w", err)
		}
	}
}

type partitionKey struct {
	topic     string
	partition int
}

// fetchInto fills b until it holds BatchRows messages (returns nil) or ctx ends.
func (w *worker) fetchInto(ctx context.Context, b *Batch, last map[partitionKey]kafka.Message) error {
	for b.Len() < w.cfg.BatchRows {
		m, err := w.reader.FetchMessage(ctx)
		if err != nil {
			return err
		}
		now := time.Now().UnixNano()
		w.lastMessage.Store(now)
		w.count.firstFetch.CompareAndSwap(0, now)
		w.add(b, m)
		// Keep only what a commit needs; the payload is already decoded.
		last[partitionKey{m.Topic, m.Partition}] = kafka.Message{
			Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, HighWaterMark: m.HighWaterMark,
		}
	}
	return nil
}

func (w *worker) add(b *Batch, m kafka.Message) {
	src := transform.Source{Topic: m.Topic, Partition: int32(m.Partition), Offset: m.Offset}
	b.Consumed++
	var rej *transform.Reject
	switch m.Topic {
	case w.cfg.RecordsTopic:
		var ev transform.ServiceEvent
		if ev, rej = w.decode.DecodeRecord(src, m.Value); rej == nil {
			b.Events = append(b.Events, ev)
			return
		}
	case w.cfg.FeedbackTopic:
		var ev transform.FeedbackEvent
		if ev, rej = w.decode.DecodeFeedback(src, m.Value); rej == nil {
			b.Feedback = append(b.Feedback, ev)
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
// offsets, in that order. It returns when toAck is closed and drained.
func (w *worker) ackLoop(ctx context.Context, toAck <-chan pending, free chan<- *Batch) error {
	for p := range toAck {
		if err := w.ack(ctx, p); err != nil {
			// Drain the rest without committing: it will be re-delivered.
			for range toAck {
			}
			return err
		}
		free <- p.batch
	}
	return nil
}

func (w *worker) ack(ctx context.Context, p pending) error {
	b := p.batch
	start := time.Now()
	if err := w.retry(ctx, "write batch to clickhouse", func(ctx context.Context) error { return w.sink.Write(ctx, b) }); err != nil {
		return err
	}
	w.metrics.observeWrite(b, time.Since(start))
	if n := w.writes.Add(1); w.cfg.CrashAfterWrites > 0 && n >= int64(w.cfg.CrashAfterWrites) {
		w.log.Warn("fault point: crashing after clickhouse write, before commit", "writes", n)
		_ = syscall.Kill(syscall.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
	if len(b.Rejects) > 0 {
		if err := w.retry(ctx, "publish dead letters", func(ctx context.Context) error {
			return w.dead.Write(ctx, b.Rejects, b.Dead)
		}); err != nil {
			return err
		}
	}
	if err := w.retry(ctx, "commit offsets", func(ctx context.Context) error {
		return w.reader.CommitMessages(ctx, p.last...)
	}); err != nil {
		return err
	}
	w.count.consumed.Add(int64(b.Consumed))
	w.count.events.Add(int64(len(b.Events)))
	w.count.feedback.Add(int64(len(b.Feedback)))
	w.count.rejected.Add(int64(len(b.Rejects)))
	w.count.batches.Add(1)
	w.count.lastCommit.Store(time.Now().UnixNano())
	w.log.Debug("batch committed", "worker", w.id, "messages", b.Consumed, "events", len(b.Events),
		"feedback", len(b.Feedback), "rejected", len(b.Rejects), "took", time.Since(start))
	return nil
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
