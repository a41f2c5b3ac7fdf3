package main

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"servicepulse/daemon"
	"servicepulse/ingest"
	"servicepulse/internal/cli"
)

type ingestFlags struct {
	cli.KafkaFlags
	cli.ClickHouseFlags
	cli.LogFlags
	topics   cli.TopicFlags
	cfg      ingest.Config
	pii      cli.PIIKeyFlags
	listen   string
	memLimit string
	refresh  time.Duration
}

func (f *ingestFlags) register(fs *cli.FlagSet) {
	f.KafkaFlags.Register(fs)
	f.ClickHouseFlags.Register(fs)
	f.LogFlags.Register(fs)
	f.topics.Register(fs)
	f.cfg = ingest.DefaultConfig()
	fs.StringVar(&f.cfg.Group, "group", f.cfg.Group, "consumer group; processes of one group share the partitions")
	fs.IntVar(&f.cfg.Workers, "workers", f.cfg.Workers, "partition-bound pipelines (decode, batch, write, commit) in this process; the process is one group member whatever N is")
	fs.IntVar(&f.cfg.BatchRows, "batch-rows", f.cfg.BatchRows, "flush a batch at this many messages")
	fs.DurationVar(&f.cfg.BatchInterval, "batch-interval", f.cfg.BatchInterval, "flush a non-empty batch this long after its first message")
	fs.DurationVar(&f.cfg.UntilIdle, "until-idle", 0, "batch mode: exit 0 once caught up (every partition committed to its high-water mark) and no message arrived for this long (0: run until SIGTERM)")
	fs.DurationVar(&f.cfg.UntilIdleMax, "until-idle-max", 0, "with --until-idle: exit 1 if not caught up after this long, naming the messages left per partition (0: no bound)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:9464", "address serving /metrics and /healthz (empty: off)")
	fs.Env("listen", "SERVICEPULSE_LISTEN")
	fs.Check("listen", cli.CheckListen)
	f.pii.DevKey = daemon.DevPIIKey
	f.pii.Register(fs)
	fs.StringVar(&f.memLimit, "memory-limit", "150MiB", "soft limit of the Go heap (like GOMEMLIMIT) while ingest runs: the GC works harder near it instead of growing; the process's resident memory is about 30 MiB more (its code); a final refresh of over 200,000 pending requests adds the room of ingest's batches (about 1 KiB per --batch-rows row, two batches a worker); 0 disables")
	fs.Env("memory-limit", "SERVICEPULSE_MEMORY_LIMIT")
	fs.Check("memory-limit", func(v string) error { _, err := cli.ParseBytes(v); return err })
	fs.DurationVar(&f.refresh, "refresh-interval", 5*time.Second, "rebuild the request states (SLA outcomes) touched by new events at least this often, and soon after each commit; 0: leave it to `servicepulse refresh`")
}

func (f *ingestFlags) config() (ingest.Config, error) {
	cfg := f.cfg
	cfg.Brokers = f.BrokerList()
	cfg.RecordsTopic, cfg.FeedbackTopic, cfg.DLQTopic = f.topics.Records, f.topics.Feedback, f.topics.DLQ
	sec, err := f.Security()
	cfg.Security = sec
	return cfg, err
}

func runIngest(ctx context.Context, args []string) error {
	var f ingestFlags
	fs := app.NewFlagSet("ingest", "")
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := f.topics.Validate(); err != nil {
		return err
	}
	ingestCfg, err := f.config()
	if err != nil {
		return err
	}
	if err := ingestCfg.Validate(); err != nil {
		return fs.Invalid(err)
	}
	if f.refresh < 0 {
		return cli.Usagef("--refresh-interval %s: must not be negative", f.refresh)
	}
	limit, _ := cli.ParseBytes(f.memLimit) // checked at parse
	log, err := f.Logger()
	if err != nil {
		return err
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	key, err := f.pii.Key("ingest", log)
	if err != nil {
		return err
	}
	// daemon.Run validates cfg: each field was checked above or at parse.
	cfg := daemon.Config{Ingest: ingestCfg, ClickHouse: f.DSN, Cluster: f.Cluster, ClickHouseAccess: f.ClickHouseFlags.Access, Partitions: f.topics.Partitions, ReplicationFactor: f.topics.ReplicationFactor, PIIKey: key,
		Listen: f.listen, RefreshInterval: f.refresh, Log: log}
	totals, err := daemon.Run(ctx, cfg)
	var listenErr *daemon.ListenError
	switch {
	case errors.As(err, &listenErr):
		return fmt.Errorf("--listen %q: %w", listenErr.Addr, listenErr.Err)
	case errors.Is(err, ingest.ErrNotCaughtUp):
		// The summary still says what was done, and its lag what is left.
		return errors.Join(cli.PrintJSON(totals), fmt.Errorf("ingest --until-idle-max: %w", err))
	case err != nil:
		return err
	}
	return cli.PrintJSON(totals)
}
