package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"golang.org/x/sync/errgroup"

	"servicepulse/ingest"
	"servicepulse/internal/kafkaconn"
	"servicepulse/metrics"
	"servicepulse/sla"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

// Result is what a run did: the pipeline's totals, and the process's time
// and memory. The ingest command prints it.
type Result struct {
	ingest.Totals
	Seconds float64 `json:"seconds"` // from the pipeline's start to its return
	// FinalRefreshSeconds is how long after ingest's end (the last commit)
	// the request states were current: the rest of the live refresh in
	// flight, then the final refresh. FinalRefreshRequests is the states the
	// final refresh wrote. Both 0 without a refresher, or when a stop
	// signal skipped it.
	FinalRefreshSeconds  float64 `json:"final_refresh_s"`
	FinalRefreshRequests int     `json:"final_refresh_requests"`
	// LiveRefreshes counts the refreshes that finished while ingest ran (the
	// one in flight at its end included), LiveRefreshStates the states they
	// wrote, and LiveRefreshLongestS the longest wait for one to finish,
	// from the start (the wait from the last one to ingest's end included).
	// LastLiveRefreshS is how long the refresh in flight at ingest's end
	// went on after it, before the final refresh.
	LiveRefreshes       int     `json:"live_refreshes"`
	LiveRefreshStates   int     `json:"live_refresh_states"`
	LiveRefreshLongestS float64 `json:"live_refresh_longest_wait_s"`
	LastLiveRefreshS    float64 `json:"last_live_refresh_s"`
	// PeakRSSBytes is the process's high-water mark (VmHWM), read after the
	// final refresh so that it covers it.
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// RollupSeconds is how long the daily KPI rollup took to build after
	// the final refresh, RollupMonths the months it built (metrics.Rollups).
	RollupSeconds float64 `json:"rollup_s"`
	RollupMonths  int     `json:"rollup_months"`
}

// Run connects, runs the pipeline until ctx ends or, with
// Config.Ingest.UntilIdle, until the group is caught up, and stops in the
// order the package documents. The Result is valid with ingest's errors
// too (ingest.ErrNotCaughtUp: its Lag says what is left).
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	// Kafka first, over the clients' own TLS and SASL: a wrong password or
	// certificate ends the run at once, before anything is consumed, where
	// kafka-go's reader would retry it forever.
	if w := cfg.Ingest.Security.Warning(); w != "" {
		cfg.Log.Warn(w)
	}
	if err := kafkaconn.Check(ctx, cfg.Ingest.Brokers, cfg.Ingest.Security); err != nil {
		return Result{}, err
	}
	log := cfg.Log
	conn, err := warehouse.Open(ctx, cfg.warehouse(), log)
	if err != nil {
		return Result{}, err
	}
	defer conn.Close()
	p, closeDLQ, err := pipeline(ctx, cfg, conn)
	if err != nil {
		return Result{}, err
	}
	defer closeDLQ()

	// Started first, stopped last (deferred): /metrics answers to the end.
	stopServer, err := serve(cfg.Listen, p.Handler(), log)
	if err != nil {
		return Result{}, err
	}
	defer stopServer()

	var (
		r       *sla.Refresher
		rollups *metrics.Rollups
	)
	if cfg.RefreshInterval > 0 {
		// Request states follow the events while ingest runs, so dashboards
		// see breaches within seconds; after a batch run (--until-idle) a last
		// refresh after the final commit leaves them current.
		r = sla.NewRefresher(conn, log)
		p.NotifyCommits(r)
		// The daily rollup follows the states: a month once it rests, every
		// month after the final refresh.
		rollups = metrics.NewRollups(conn, log)
	}

	start := time.Now()
	log.Info("ingest starting", "brokers", cfg.Ingest.Brokers, "kafka_security", cfg.Ingest.Security, "group", cfg.Ingest.Group, "workers", cfg.Ingest.Workers,
		"topics", []string{cfg.Ingest.RecordsTopic, cfg.Ingest.FeedbackTopic}, "dlq", cfg.Ingest.DLQTopic)
	// The workers and the refresher run together; the workers' end (a stop
	// signal, or caught up) stops the refresher, and Wait returns once both
	// are done.
	var (
		g      errgroup.Group
		totals ingest.Totals
	)
	// Once ingest ends, the refresh in flight finishes (a signal, ctx,
	// aborts it): what it rebuilds is not left to the final refresh.
	ingestDone := make(chan struct{})
	var ingestEnd time.Time
	g.Go(func() error {
		defer close(ingestDone)
		var err error
		totals, err = p.Run(ctx)
		ingestEnd = time.Now()
		if r != nil {
			// Ingest has ended: the refresh in flight (from its next
			// batch) and the final one may take both cores.
			r.SetParallel(true)
		}
		return err
	})
	if r != nil {
		g.Go(func() error { r.Run(ctx, cfg.RefreshInterval, ingestDone); return nil })
		g.Go(func() error { rollups.Run(ctx, cfg.RefreshInterval, ingestDone); return nil })
	}
	err = g.Wait()
	res := Result{Totals: totals, Seconds: time.Since(start).Seconds()}
	if r != nil {
		st := r.RunStats(ingestEnd)
		res.LiveRefreshes, res.LiveRefreshStates, res.LiveRefreshLongestS = st.Cycles, st.States, st.Longest.Seconds()
		res.LastLiveRefreshS = time.Since(ingestEnd).Seconds()
		giveBatchesRoom(cfg.Ingest, r.Pending(), backlogCycles*r.Cycle, log)
		seconds, requests := finalRefresh(ctx, r, log)
		// From ingest's end: the states are current when both are done.
		res.FinalRefreshSeconds, res.FinalRefreshRequests = res.LastLiveRefreshS+seconds, requests
		if ctx.Err() == nil {
			t0 := time.Now()
			n, err := rollups.Refresh(context.WithoutCancel(ctx), false)
			res.RollupSeconds, res.RollupMonths = time.Since(t0).Seconds(), n
			if err != nil {
				log.Warn("build the daily kpi rollup", "err", err)
			}
		}
	}
	res.PeakRSSBytes = peakRSS()
	return res, err
}

// pipeline makes sure the topics exist and builds the pipeline writing
// through conn; closeDLQ releases its dead-letter writer.
func pipeline(ctx context.Context, cfg Config, conn driver.Conn) (p *ingest.Pipeline, closeDLQ func(), err error) {
	c := cfg.Ingest
	spec := ingest.TopicSpec{Partitions: cfg.Partitions, ReplicationFactor: cfg.ReplicationFactor, Security: c.Security}
	if err := ingest.EnsureTopicsWith(ctx, c.Brokers, spec, c.RecordsTopic, c.FeedbackTopic, c.DLQTopic); err != nil {
		return nil, nil, err
	}
	tr, err := transform.New(transform.Config{PIIKey: cfg.PIIKey})
	if err != nil {
		return nil, nil, err
	}
	dlq, err := ingest.NewSecureKafkaDeadLetters(c.Brokers, c.Security, c.DLQTopic, cfg.PIIKey)
	if err != nil {
		return nil, nil, err
	}
	p, err = ingest.New(c, tr, ingest.NewClickHouseSink(conn), dlq, cfg.Log)
	if err != nil {
		dlq.Close()
		return nil, nil, err
	}
	return p, func() { dlq.Close() }, nil
}

// ListenError is Run's error when Config.Listen cannot be listened on.
type ListenError struct {
	Addr string // Config.Listen
	Err  error
}

func (e *ListenError) Error() string { return fmt.Sprintf("listen on %q: %v", e.Addr, e.Err) }

func (e *ListenError) Unwrap() error { return e.Err }

// serve serves h on addr until stop is called; an empty addr serves nothing.
// A server that fails while serving is logged: ingest goes on without it.
func serve(addr string, h http.Handler, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &ListenError{Addr: addr, Err: err}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	var g errgroup.Group
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Warn("serving /metrics and /healthz stopped", "err", err)
		}
		return nil
	})
	log.Info("serving /metrics and /healthz", "addr", ln.Addr().String())
	return func() { srv.Close(); _ = g.Wait() }, nil
}

// batchRowBytes is about what one row of an ingest batch holds while the
// batch is alive: the decoded row (456 bytes of struct and about 160 of
// strings), its share of the driver's columns and of the compressed insert.
const batchRowBytes = 1 << 10

// backlogCycles is the final refresh's backlog (requests still pending
// after ingest's last commit), in live cycles (sla.Refresher.Cycle), from
// which it gets the room of ingest's batches: 200,000 requests by default.
const backlogCycles = 10

// giveBatchesRoom raises the soft memory limit, if one is set, by what
// ingest's batches held (two a worker, each up to BatchRows rows) when the
// final refresh has more than backlog requests pending: the batches are
// gone once ingest has ended, and a backfill's final refresh holds every
// request still pending (about 750,000) beside its batches of states. Under
// ingest's own 150 MiB the GC worked for room and that final refresh took
// 61 s instead of 39 s (230 MiB resident with the room). A small backlog
// gains nothing from the room, and the GC would let the heap take it:
// `bench`'s final refresh of about 25,000 requests took 1.3–3.0 s without
// it and 2.3–3.3 s with it, at 190–201 MiB resident instead of 180.
func giveBatchesRoom(c ingest.Config, pending, backlog int, log *slog.Logger) {
	limit := debug.SetMemoryLimit(-1)
	if limit == math.MaxInt64 || pending <= backlog {
		return
	}
	room := int64(2*c.Workers*c.BatchRows) * batchRowBytes
	debug.SetMemoryLimit(limit + room)
	log.Info("final refresh of a backlog: memory limit raised by the room of ingest's batches", "pending", pending, "limit_bytes", limit+room)
}

// finalBatch is the final refresh's sla.Refresher.Batch.
const finalBatch = 10000

// finalRefresh brings the request states up to date after the last
// commit, unless ctx ended (a stop signal): a SIGTERM must not wait for a
// rebuild, and the refresh watermark keeps the place for the next ingest or
// `servicepulse refresh`. It returns how long the refresh took (a failed one
// included: the time was spent) and how many states it wrote.
func finalRefresh(ctx context.Context, r *sla.Refresher, log *slog.Logger) (seconds float64, requests int) {
	if ctx.Err() != nil {
		log.Info("stopping on signal: request states are brought up to date by the next ingest or `servicepulse refresh`")
		return 0, 0
	}
	start := time.Now()
	// Ingest has ended and its batches are gone, so the final refresh, which
	// the dashboards wait for, builds in larger batches than the live one:
	// fewer inserts. The year's backfill: a final refresh of about 750,000
	// requests in 52.8 s with batches of 10,000, 60.1 s with 6,000; the
	// process's peak stays ingest's. No live refresh runs any more (Run has
	// returned), so nothing else reads the field.
	r.Batch = max(r.Batch, finalBatch)
	// Once a watermark refresh has run, this process's commits are all the
	// refresh has left to do: a bounded refresh, not a rescan of every
	// recent row.
	refresh := r.Refresh
	if r.CaughtUp() {
		refresh = r.RefreshCommitted
	}
	res, err := refresh(context.WithoutCancel(ctx))
	seconds = time.Since(start).Seconds()
	if err != nil {
		log.Warn("final refresh of request states", "err", err, "seconds", seconds)
		return seconds, 0
	}
	log.Info("final refresh of request states", "requests", res.Requests, "seconds", seconds)
	return seconds, res.Requests
}

// peakRSS is the process's peak resident memory from /proc/self/status
// (VmHWM, in kB), or 0 where that file does not exist.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
