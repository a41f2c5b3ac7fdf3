package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
)

// ErrNotCaughtUp is returned by Run when Config.UntilIdleMax passed before
// the group caught up.
var ErrNotCaughtUp = errors.New("not caught up")

// Pipeline runs the ingest of one process: one consumer-group member whose
// messages a dispatcher routes, partition by partition, to Config.Workers
// workers that batch, write and commit them.
type Pipeline struct {
	cfg     Config
	decode  Decoder
	sink    Sink
	dead    DeadLetters
	log     *slog.Logger
	metrics *Metrics
	health  *health
	count   counters
	notify  CommitNotifier

	lastMessage atomic.Int64 // unix nanos of the last fetched message
}

// New returns a pipeline; call Run to start it.
func New(cfg Config, decode Decoder, sink Sink, dead DeadLetters, log *slog.Logger) (*Pipeline, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Pipeline{cfg: cfg, decode: decode, sink: sink, dead: dead, log: log, metrics: NewMetrics(), health: &health{}}, nil
}

// NotifyCommits makes every worker tell n after each offset commit. Call it
// before Run.
func (p *Pipeline) NotifyCommits(n CommitNotifier) { p.notify = n }

// Run consumes until ctx is cancelled (SIGTERM) or, with UntilIdle, until the
// group is caught up. Either way every consumed message is written and
// committed before Run returns, unless the final flush fails or outlasts
// ShutdownTimeout, in which case it stays uncommitted for the next run.
//
// With UntilIdle, "caught up" is judged once for the process on the broker's
// view: every partition of the two topics has the group's committed offset at
// its high-water mark, and no message arrived for UntilIdle. Time without
// partitions (a rebalance, dead members' sessions still open) is therefore
// never mistaken for idleness.
func (p *Pipeline) Run(ctx context.Context) (Totals, error) {
	start := time.Now()
	p.lastMessage.Store(start.UnixNano())
	reader := newReader(p.cfg, p.log)
	// The same security as the reader: the commit guard and the lag at exit
	// read offsets through it.
	lag, err := NewSecureLagReader(p.cfg.Brokers, p.cfg.Security, p.cfg.Group, 10*time.Second, p.cfg.RecordsTopic, p.cfg.FeedbackTopic)
	if err != nil {
		return Totals{}, fmt.Errorf("lag reader: %w", err)
	}
	defer lag.Close()

	// fetchCtx ends fetching: on a stop signal, once caught up, past
	// UntilIdleMax, or when a worker's ack path gave up.
	fetchCtx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()
	var notCaughtUp atomic.Bool

	lanes := make([]chan kafka.Message, p.cfg.Workers)
	var wg sync.WaitGroup
	errs := make([]error, p.cfg.Workers)
	for i := range lanes {
		// A small buffer per worker smooths the dispatcher; kafka-go's own
		// queue (QueueCapacity) is the main one.
		lanes[i] = make(chan kafka.Message, 1024)
		w := &worker{
			id: i, cfg: p.cfg, commit: reader, offsets: lag, decode: p.decode, sink: p.sink, dead: p.dead,
			log: p.log, metrics: p.metrics, count: &p.count, notify: p.notify, health: p.health, onFail: stopFetch,
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.run(lanes[i], fetchCtx.Done())
		}()
	}
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		p.watch(fetchCtx, lag, start, func(caughtUp bool) {
			notCaughtUp.Store(!caughtUp)
			stopFetch()
		})
	}()
	stopProgress := p.progress(fetchCtx, start)

	fetchErr := p.dispatch(fetchCtx, reader, lanes)
	stopFetch()
	wg.Wait()
	<-watchDone
	stopProgress()

	t := p.count.totals()
	t.Lag = -1
	// Bounded like the rest of a stop: with the broker gone, four requests
	// of 10s each would otherwise hold the exit.
	lagCtx, cancelLag := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.CloseTimeout)
	final, lagErr := lag.Lag(lagCtx)
	cancelLag()
	if lagErr != nil {
		p.log.Warn("could not read the group's lag at exit", "group", p.cfg.Group, "err", lagErr)
	} else {
		t.Lag = final.Total
		p.metrics.setLag(final)
	}
	closeErr := p.leave(reader)
	p.log.Info("ingest stopped", "consumed", t.Consumed, "events", t.Events, "feedback", t.Feedback,
		"rejected", t.Rejected, "batches", t.Batches, "lag", t.Lag, "took", time.Since(start).Round(time.Millisecond))

	errs = append(errs, fetchErr, closeErr)
	if notCaughtUp.Load() {
		behind := "the group's lag could not be read"
		if lagErr == nil {
			behind = final.Behind()
		}
		errs = append([]error{fmt.Errorf("%w after %s (the until-idle bound): %s", ErrNotCaughtUp, p.cfg.UntilIdleMax, behind)}, errs...)
	}
	return t, errors.Join(errs...)
}

// Totals returns the counts so far.
func (p *Pipeline) Totals() Totals { return p.count.totals() }

// dispatch fetches from the group member and routes each message to the
// worker of its partition, until ctx ends; then it closes the lanes, which
// lets the workers drain. A message fetched but not routed when ctx ends is
// uncommitted and comes back on the next run.
func (p *Pipeline) dispatch(ctx context.Context, reader *kafka.Reader, lanes []chan kafka.Message) error {
	defer func() {
		for _, l := range lanes {
			close(l)
		}
	}()
	for {
		m, err := reader.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("fetch: %w", err)
		}
		now := time.Now().UnixNano()
		p.lastMessage.Store(now)
		p.count.firstFetch.CompareAndSwap(0, now)
		select {
		case lanes[p.laneOf(m)] <- m:
		case <-ctx.Done():
			return nil
		}
	}
}

// laneOf routes a partition to a worker: always the same one, so each
// partition's offsets are committed in order; the two topics are offset by
// one so that their partition 0s do not share a worker.
func (p *Pipeline) laneOf(m kafka.Message) int {
	topic := 0
	if m.Topic == p.cfg.FeedbackTopic {
		topic = 1
	}
	return (m.Partition + topic) % p.cfg.Workers
}

// watch reads the group's lag every LagInterval for /metrics and, with
// UntilIdle, decides when the process is done: stop(true) once caught up and
// idle, stop(false) past UntilIdleMax. It returns when ctx ends.
func (p *Pipeline) watch(ctx context.Context, lag *LagReader, start time.Time, stop func(caughtUp bool)) {
	poll := p.cfg.LagInterval
	if p.cfg.UntilIdle > 0 {
		poll = min(poll, 250*time.Millisecond)
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	var lastRead, lastNote time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		idleFor := now.Sub(time.Unix(0, p.lastMessage.Load()))
		idle := p.cfg.UntilIdle > 0 && idleFor >= p.cfg.UntilIdle
		// Idle checks read the lag at most once a second; otherwise every
		// LagInterval, for the gauge.
		if now.Sub(lastRead) < p.cfg.LagInterval && !(idle && now.Sub(lastRead) >= time.Second) {
			continue
		}
		lastRead = now
		l, err := lag.Lag(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.log.Warn("read the group's lag", "group", p.cfg.Group, "err", err)
		} else {
			p.metrics.setLag(l)
		}
		switch {
		case idle && err == nil && l.CaughtUp():
			p.log.Info("caught up: every partition committed to its high-water mark, stopping",
				"group", p.cfg.Group, "idle_for", idleFor.Round(time.Millisecond))
			stop(true)
			return
		case p.cfg.UntilIdle > 0 && p.cfg.UntilIdleMax > 0 && now.Sub(start) >= p.cfg.UntilIdleMax:
			p.log.Warn("not caught up within the until-idle bound, stopping", "group", p.cfg.Group,
				"bound", p.cfg.UntilIdleMax)
			stop(false)
			return
		case idle && err == nil && now.Sub(lastNote) >= 5*time.Second:
			// No message for a while, yet messages are left: this member has
			// no partitions yet (a rebalance, or dead members' sessions not
			// expired), or a worker is stalled. Not idle.
			lastNote = now
			p.log.Info("no message for a while but not caught up: waiting for partitions", "group", p.cfg.Group,
				"idle_for", idleFor.Round(time.Second), "behind", l.Behind())
		}
	}
}

// leave closes the group member within CloseTimeout. kafka-go's Close waits
// for its group goroutines without a bound (a JoinGroup in flight can take
// the whole rebalance timeout); past the bound the leave is abandoned, and
// the group's next member waits out this member's session timeout instead.
func (p *Pipeline) leave(reader *kafka.Reader) error {
	done := make(chan error, 1)
	go func() { done <- reader.Close() }()
	t := time.NewTimer(p.cfg.CloseTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("leave consumer group %q: %w", p.cfg.Group, err)
		}
		return nil
	case <-t.C:
		p.log.Warn("leaving the consumer group took too long; abandoned: its next member waits out the session timeout for this member's partitions",
			"group", p.cfg.Group, "close_timeout", p.cfg.CloseTimeout, "session_timeout", sessionTimeout)
		return nil
	}
}

// progress logs throughput every few seconds while work is being done.
func (p *Pipeline) progress(ctx context.Context, start time.Time) (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		var prev int64
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				t := p.count.totals()
				if t.Consumed == prev {
					continue
				}
				p.log.Info("ingest progress", "consumed", t.Consumed, "ingested", t.Ingested, "rejected", t.Rejected,
					"rate_per_s", (t.Consumed-prev)/5, "elapsed", time.Since(start).Round(time.Second))
				prev = t.Consumed
			}
		}
	}()
	return func() { close(done) }
}
