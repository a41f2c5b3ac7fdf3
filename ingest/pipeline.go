package ingest

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Pipeline runs Config.Workers consumer-group members in this process.
type Pipeline struct {
	cfg     Config
	decode  Decoder
	sink    Sink
	dead    DeadLetters
	log     *slog.Logger
	metrics *Metrics
	health  *health
	count   counters
	writes  atomic.Int64
}

// New returns a pipeline; call Run to start it.
func New(cfg Config, decode Decoder, sink Sink, dead DeadLetters, log *slog.Logger) (*Pipeline, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Pipeline{cfg: cfg, decode: decode, sink: sink, dead: dead, log: log, metrics: NewMetrics(), health: &health{}}, nil
}

// Run consumes until ctx is cancelled (SIGTERM) or, with UntilIdle, until the
// topics are idle. Either way every consumed message is written and committed
// before Run returns, unless the final flush fails, in which case it stays
// uncommitted for the next run.
func (p *Pipeline) Run(ctx context.Context) (Totals, error) {
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for i := range p.cfg.Workers {
		w := &worker{
			id: i, cfg: p.cfg, reader: newReader(p.cfg, p.log), decode: p.decode, sink: p.sink, dead: p.dead,
			log: p.log, metrics: p.metrics, count: &p.count, writes: &p.writes, health: p.health,
		}
		g.Go(func() error { return w.run(gctx) })
	}
	stopProgress := p.progress(ctx, start)
	err := g.Wait()
	stopProgress()
	t := p.count.totals()
	p.log.Info("ingest stopped", "consumed", t.Consumed, "events", t.Events, "feedback", t.Feedback,
		"rejected", t.Rejected, "batches", t.Batches, "took", time.Since(start).Round(time.Millisecond))
	return t, err
}

// Totals returns the counts so far.
func (p *Pipeline) Totals() Totals { return p.count.totals() }

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
