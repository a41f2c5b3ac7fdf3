package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"servicepulse/ingest"
	"servicepulse/sla"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

// devPIIKey pseudonymises in --dev mode only. It is public, so pseudonyms
// made with it protect nothing: --dev is for generated data.
const devPIIKey = "servicepulse-dev-key-NOT-SECRET-do-not-use-in-production"

type ingestFlags struct {
	kafkaFlags
	clickhouseFlags
	logFlags
	topics     topicFlags
	cfg        ingest.Config
	listen     string
	piiKeyFile string
	dev        bool
	memLimit   string
	refresh    time.Duration
}

func (f *ingestFlags) register(fs *flagSet) {
	f.kafkaFlags.register(fs)
	f.clickhouseFlags.register(fs)
	f.logFlags.register(fs)
	f.topics.register(fs)
	f.cfg = ingest.DefaultConfig()
	fs.StringVar(&f.cfg.Group, "group", f.cfg.Group, "consumer group; processes of one group share the partitions")
	fs.IntVar(&f.cfg.Workers, "workers", f.cfg.Workers, "partition-bound pipelines (decode, batch, write, commit) in this process; the process is one group member whatever N is")
	fs.IntVar(&f.cfg.BatchRows, "batch-rows", f.cfg.BatchRows, "flush a batch at this many messages")
	fs.DurationVar(&f.cfg.BatchInterval, "batch-interval", f.cfg.BatchInterval, "flush a non-empty batch this long after its first message")
	fs.DurationVar(&f.cfg.UntilIdle, "until-idle", 0, "batch mode: exit 0 once caught up (every partition committed to its high-water mark) and no message arrived for this long (0: run until SIGTERM)")
	fs.DurationVar(&f.cfg.UntilIdleMax, "until-idle-max", 0, "with --until-idle: exit 1 if not caught up after this long, naming the messages left per partition (0: no bound)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:9464", "address serving /metrics and /healthz (empty: off)")
	fs.env("listen", "SERVICEPULSE_LISTEN")
	fs.check("listen", listenCheck)
	fs.StringVar(&f.piiKeyFile, "pii-key-file", "", "file holding the HMAC key for personal data (unless $SERVICEPULSE_PII_KEY holds it)")
	fs.env("pii-key-file", "SERVICEPULSE_PII_KEY_FILE")
	fs.readsEnv(transform.PIIKeyEnv, "the HMAC key for personal data, at least 16 bytes; it takes precedence over --pii-key-file", true)
	fs.StringVar(&f.memLimit, "memory-limit", "256MiB", "soft limit of the Go heap (like GOMEMLIMIT): the GC works harder near it instead of growing; 0 disables")
	fs.env("memory-limit", "SERVICEPULSE_MEMORY_LIMIT")
	fs.check("memory-limit", func(v string) error {
		if _, err := parseBytes(v); err != nil {
			return errors.New("want a size like 256MiB, 1GiB or 0")
		}
		return nil
	})
	fs.DurationVar(&f.refresh, "refresh-interval", 5*time.Second, "rebuild the request states (SLA outcomes) touched by new events this often; 0: leave it to `servicepulse refresh`")
	fs.BoolVar(&f.dev, "dev", false, "allow running without a PII key, with a public development key (generated data only)")
}

// piiKey returns the pseudonymisation key, or the public development key when
// --dev allows it.
func (f *ingestFlags) piiKey(log *slog.Logger) ([]byte, error) {
	key, err := transform.LoadPIIKey(f.piiKeyFile)
	switch {
	case err == nil:
		return key, nil
	case errors.Is(err, transform.ErrNoPIIKey) && f.dev:
		log.Warn("!!! DEVELOPMENT MODE: no PII key set, pseudonymising with a PUBLIC key; personal data is NOT protected. Never use --dev with real customer data !!!")
		return []byte(devPIIKey), nil
	case errors.Is(err, transform.ErrNoPIIKey):
		return nil, usagef("ingest needs a PII key: set SERVICEPULSE_PII_KEY to at least 16 random bytes, or pass --pii-key-file FILE (or --dev for generated data)")
	}
	return nil, err
}

func (f *ingestFlags) config() ingest.Config {
	cfg := f.cfg
	cfg.Brokers = f.brokerList()
	cfg.RecordsTopic, cfg.FeedbackTopic, cfg.DLQTopic = f.topics.records, f.topics.feedback, f.topics.dlq
	if n, err := strconv.Atoi(os.Getenv("SERVICEPULSE_FAULT_CRASH_AFTER_WRITES")); err == nil {
		cfg.CrashAfterWrites = n
	}
	return cfg
}

func runIngest(ctx context.Context, args []string) error {
	var f ingestFlags
	fs := newFlagSet("ingest", "")
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.topics.validate(); err != nil {
		return err
	}
	cfg := f.config()
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	if f.refresh < 0 {
		return usagef("--refresh-interval %s: must not be negative", f.refresh)
	}
	limit, err := parseBytes(f.memLimit)
	if err != nil {
		return usagef("--memory-limit %q: want a size like 256MiB, 1GiB or 0", f.memLimit)
	}
	log, err := f.logger()
	if err != nil {
		return err
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	key, err := f.piiKey(log)
	if err != nil {
		return err
	}
	totals, err := ingestOnce(ctx, cfg, f.clickhouse, f.topics.partitions, key, f.listen, f.refresh, log)
	if errors.Is(err, ingest.ErrNotCaughtUp) {
		// The summary still says what was done, and its lag what is left.
		if perr := printJSON(totals); perr != nil {
			return perr
		}
		return fmt.Errorf("ingest --until-idle-max: %w", err)
	}
	if err != nil {
		return err
	}
	return printJSON(totals)
}

// ingestResult is what `ingest` prints.
type ingestResult struct {
	ingest.Totals
	Seconds      float64 `json:"seconds"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"` // the process's high-water mark (VmHWM)
}

// ingestOnce connects, runs the pipeline until ctx ends or it is idle, and
// returns its totals.
func ingestOnce(ctx context.Context, cfg ingest.Config, dsn string, partitions int, key []byte, listen string, refresh time.Duration, log *slog.Logger) (ingestResult, error) {
	conn, err := warehouse.Open(ctx, warehouse.ConfigFor(dsn), log)
	if err != nil {
		return ingestResult{}, err
	}
	defer conn.Close()
	if err := ingest.EnsureTopics(ctx, cfg.Brokers, partitions, cfg.RecordsTopic, cfg.FeedbackTopic, cfg.DLQTopic); err != nil {
		return ingestResult{}, err
	}
	tr, err := transform.New(transform.Config{PIIKey: key})
	if err != nil {
		return ingestResult{}, err
	}
	dlq := ingest.NewKafkaDeadLetters(cfg.Brokers, cfg.DLQTopic, key)
	defer dlq.Close()
	p, err := ingest.New(cfg, tr, ingest.NewClickHouseSink(conn), dlq, log)
	if err != nil {
		return ingestResult{}, err
	}
	if listen != "" {
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return ingestResult{}, fmt.Errorf("--listen %q: %w", listen, err)
		}
		srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		log.Info("serving /metrics and /healthz", "addr", ln.Addr().String())
	}
	if refresh > 0 {
		// Request states follow the events while ingest runs, so dashboards
		// see breaches within seconds; after a batch run (--until-idle) a last
		// refresh after the final commit leaves them current.
		r := sla.NewRefresher(conn, log)
		rctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { r.Run(rctx, refresh); close(done) }()
		defer func() {
			stop()
			<-done
			if ctx.Err() != nil {
				// Stopped by a signal: leave promptly. The refresh watermark
				// keeps the place, so the next ingest or refresh catches up.
				log.Info("stopping on signal: request states are brought up to date by the next ingest or `servicepulse refresh`")
				return
			}
			if _, err := r.Refresh(context.WithoutCancel(ctx)); err != nil {
				log.Warn("final refresh of request states", "err", err)
			}
		}()
	}
	start := time.Now()
	log.Info("ingest starting", "brokers", cfg.Brokers, "group", cfg.Group, "workers", cfg.Workers,
		"topics", []string{cfg.RecordsTopic, cfg.FeedbackTopic}, "dlq", cfg.DLQTopic)
	t, err := p.Run(ctx)
	secs := time.Since(start).Seconds()
	return ingestResult{Totals: t, Seconds: secs, PeakRSSBytes: peakRSS()}, err
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

// parseBytes reads a size such as 256MiB, 1GiB, 512KiB or a plain byte count.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}, {"", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("bad size %q", s)
			}
			return n * u.mult, nil
		}
	}
	return 0, fmt.Errorf("bad size %q", s)
}
