package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"servicepulse/broker"
	"servicepulse/contracts"
	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/kafkaconn"
	"servicepulse/warehouse"
)

// passResult is what one end-to-end pass measured.
type passResult struct {
	worker   workerResult
	produce  produced
	stats    warehouse.Stats
	fresh    []float64 // seconds, one per sampled request seen
	sampled  int
	unseen   int // sampled requests whose state never showed their last event
	lagBound int64
}

// exact reports whether ClickHouse holds exactly the generated rows.
func (p passResult) exact(sum generator.Summary) bool {
	return p.stats.Events == uint64(sum.Records) && p.stats.Feedback == uint64(sum.Feedback) &&
		p.stats.Rejected == uint64(sum.Malformed)
}

// e2ePass runs `servicepulse ingest` as a worker process on a fresh broker
// and a freshly reset database holding the sample contracts, and produces
// msgs while it runs, at most lagBound messages ahead of its commits. With
// refresh the worker runs with ingest's defaults (the live refresh on), and
// the freshness of samples is polled meanwhile; without, it runs with
// --refresh-interval 0 and samples are not followed.
func e2ePass(ctx context.Context, cfg Config, own warehouse.OwnDatabase, msgs []generator.Message, samples []sampled, refresh bool) (passResult, error) {
	log := cfg.Log
	conn, err := freshDatabase(ctx, own, log)
	if err != nil {
		return passResult{}, err
	}
	defer conn.Close()
	// As users do before they ingest: states are then built with the
	// contracts' terms and deadlines, which is what the refresh costs.
	if _, err := contracts.Load(ctx, conn, contracts.Sample()); err != nil {
		return passResult{}, fmt.Errorf("load the sample contracts: %w", err)
	}
	b, err := broker.Start(broker.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		return passResult{}, err
	}
	defer b.Close()
	brokers, ic := []string{b.Addr()}, ingest.DefaultConfig()
	if err := ingest.EnsureTopics(ctx, brokers, 4, ic.RecordsTopic, ic.FeedbackTopic, ic.DLQTopic); err != nil {
		return passResult{}, err
	}
	group := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	lag, err := ingest.NewSecureLagReader(brokers, kafkaconn.Security{}, group, 10*time.Second, ic.RecordsTopic, ic.FeedbackTopic)
	if err != nil {
		return passResult{}, err
	}
	defer lag.Close()

	out := passResult{lagBound: lagBound(cfg.BatchRows, cfg.Workers)}
	workerCtx, kill := context.WithCancel(ctx)
	defer kill()
	w, err := startWorker(workerCtx, cfg, b.Addr(), own.DSN, group, refresh)
	if err != nil {
		return out, err
	}
	// The worker's exit ends the produce (it cannot go on without a reader)
	// and, after one last read, the polling.
	produceCtx, stopProduce := context.WithCancel(ctx)
	defer stopProduce()
	exited := make(chan struct{})
	var workerErr error
	go func() {
		defer close(exited)
		out.worker, workerErr = w.wait()
		stopProduce()
	}()
	fresh := newFreshness(samples)
	var polling sync.WaitGroup
	if refresh {
		polling.Go(func() { fresh.poll(ctx, conn, exited, log) })
	}
	p := liveProducer{brokers: brokers, topics: map[generator.Stream]string{generator.Records: ic.RecordsTopic,
		generator.Feedback: ic.FeedbackTopic}, bound: out.lagBound, lag: lag}
	if refresh {
		p.handing = fresh.handing
	}
	log.Info("bench: end to end, producing while the worker process ingests", "refresh", refresh, "messages", len(msgs))
	out.produce, err = p.produce(produceCtx, msgs)
	if err != nil {
		kill()
	}
	<-exited
	polling.Wait()
	switch {
	case workerErr != nil:
		return out, workerErr
	case errors.Is(err, context.Canceled) && ctx.Err() == nil:
		return out, fmt.Errorf("the ingest process exited before every message was produced (%d): %w", len(msgs), err)
	case err != nil:
		return out, err
	}
	if out.stats, err = warehouse.ReadStats(ctx, conn); err != nil {
		return out, err
	}
	if refresh {
		out.fresh, out.sampled, out.unseen = fresh.seconds(), len(samples), fresh.unseen()
	}
	return out, nil
}
