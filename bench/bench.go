package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"servicepulse/broker"
	"servicepulse/daemon"
	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/fields"
	"servicepulse/warehouse"
)

// DefaultDatabase is Run's scratch database by default (Config.Database):
// Run creates it with its ownership marker and resets it before every
// pass, and refuses to touch a database of that name it did not create.
const DefaultDatabase = "servicepulse_bench"

// Config configures Run. Validate fills in the defaults.
type Config struct {
	// ClickHouse is the DSN of the server; its database is ignored (Run
	// works in Database). Required.
	ClickHouse string
	// Database is the scratch database, reset on every run. Default:
	// DefaultDatabase.
	Database string
	// Cluster is the ClickHouse cluster to measure on (warehouse.Config.Cluster):
	// the scratch database is made on every node. Default: one server.
	Cluster string
	// ClickHouseAccess is the password file and TLS files of ClickHouse.
	ClickHouseAccess warehouse.Access
	// Generator says what traffic to generate; its Validate applies.
	Generator generator.Config
	// Workers is the number of ingest workers of the measured process: 1 to
	// 64. Required.
	Workers int
	// BatchRows is the number of rows per ClickHouse insert, raw and end to
	// end: 1 to 1000000. Required.
	BatchRows int
	// Log receives the log. Required.
	Log *slog.Logger
	// Stdout receives the result as JSON. Default: os.Stdout.
	Stdout io.Writer
}

// Validate fills in the defaults and reports the first invalid field, as a
// *fields.Error naming it (or the error of Generator.Validate).
func (c *Config) Validate() error {
	if c.Database == "" {
		c.Database = DefaultDatabase
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if err := c.Generator.Validate(); err != nil {
		return err
	}
	if err := validateServer(c.ClickHouse, c.Database); err != nil {
		return err
	}
	if c.Cluster != "" {
		w := warehouse.DefaultConfig()
		w.Cluster = c.Cluster
		if err := w.Validate(); err != nil {
			return err
		}
	}
	switch {
	case c.Workers < 1 || c.Workers > 64:
		return fields.Errorf("Workers", c.Workers, "must be between 1 and 64")
	case c.BatchRows < 1 || c.BatchRows > 1_000_000:
		return fields.Errorf("BatchRows", c.BatchRows, "must be between 1 and 1000000")
	case c.Log == nil:
		return errors.New("bench: no logger")
	}
	return nil
}

// Result is what Run prints.
type Result struct {
	Machine          string    `json:"machine"`
	Messages         int       `json:"messages"`
	RawRows          int       `json:"raw_rows"`
	RawRowsPerS      float64   `json:"raw_rows_per_s"` // median of RawPasses
	RawPasses        []float64 `json:"raw_passes_rows_per_s"`
	ProducePerS      float64   `json:"produce_messages_per_s"`
	E2EEventsPerS    float64   `json:"e2e_events_per_s"`
	E2EOfRaw         float64   `json:"e2e_fraction_of_raw"`
	E2ESeconds       float64   `json:"e2e_seconds"`
	WorkerPeakRSS    int64     `json:"worker_peak_rss_bytes"`
	Workers          int       `json:"workers"`
	BatchRows        int       `json:"batch_rows"`
	Cluster          string    `json:"cluster,omitempty"` // the ClickHouse cluster measured on, if any
	StoredEvents     uint64    `json:"stored_events"`
	StoredFeedback   uint64    `json:"stored_feedback"`
	StoredRejects    uint64    `json:"stored_rejects"`
	AccountedExactly bool      `json:"accounted_exactly"`
}

// Run measures the raw insert bound, then the end-to-end path, prints the
// Result, and fails when the stored rows differ from the generated ones.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.Log
	own, err := warehouse.NewOwnDatabase(cfg.ClickHouse, cfg.Database, "bench", log)
	if err != nil {
		return err
	}
	own.Cluster, own.Access = cfg.Cluster, cfg.ClickHouseAccess
	res := Result{Workers: cfg.Workers, BatchRows: cfg.BatchRows, Cluster: cfg.Cluster, Machine: machine()}

	// The messages, in memory: the raw bound inserts their rows directly.
	var msgs []generator.Message
	sum, err := generator.Generate(cfg.Generator, func(m generator.Message) error { msgs = append(msgs, m); return nil })
	if err != nil {
		return err
	}
	res.Messages = len(msgs)
	if err := rawBound(ctx, own, msgs, cfg.BatchRows, &res, log); err != nil {
		return err
	}

	conn, err := freshDatabase(ctx, own, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := endToEnd(ctx, cfg, own.DSN, len(msgs), &res); err != nil {
		return err
	}
	st, err := warehouse.ReadStats(ctx, conn)
	if err != nil {
		return err
	}
	res.StoredEvents, res.StoredFeedback, res.StoredRejects = st.Events, st.Feedback, st.Rejected
	res.AccountedExactly = st.Events == uint64(sum.Records) && st.Feedback == uint64(sum.Feedback) && st.Rejected == uint64(sum.Malformed)
	if err := printJSON(cfg.Stdout, res); err != nil {
		return err
	}
	if !res.AccountedExactly {
		return fmt.Errorf("bench: stored rows %d/%d/%d differ from generated %d/%d/%d", st.Events, st.Feedback, st.Rejected,
			sum.Records, sum.Feedback, sum.Malformed)
	}
	return nil
}

// rawBound times inserting the rows of msgs straight into ClickHouse. The
// rate varies run to run on a shared 2-core machine (background merges,
// page cache): it takes the median of three passes, each into a fresh
// database.
func rawBound(ctx context.Context, own warehouse.OwnDatabase, msgs []generator.Message, batchRows int, res *Result, log *slog.Logger) error {
	var rates []float64
	for pass := range 3 {
		conn, err := freshDatabase(ctx, own, log)
		if err != nil {
			return err
		}
		log.Info("bench: raw ClickHouse insert rate (the bound)", "messages", len(msgs), "pass", pass+1)
		rows, secs, err := rawInsert(ctx, conn, msgs, batchRows)
		conn.Close()
		if err != nil {
			return err
		}
		res.RawRows = rows
		rates = append(rates, float64(rows)/secs)
	}
	slices.Sort(rates)
	res.RawRowsPerS, res.RawPasses = rates[1], rates
	return nil
}

// endToEnd produces the traffic into an embedded broker, timed, and ingests
// it into dsn with a worker process.
func endToEnd(ctx context.Context, cfg Config, dsn string, messages int, res *Result) error {
	log := cfg.Log
	b, err := broker.Start(broker.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer b.Close()
	ic := ingest.DefaultConfig()
	if err := ingest.EnsureTopics(ctx, []string{b.Addr()}, 4, ic.RecordsTopic, ic.FeedbackTopic, ic.DLQTopic); err != nil {
		return err
	}
	log.Info("bench: producing to the embedded broker")
	start := time.Now()
	if _, err := generator.Produce(ctx, generator.KafkaConfig{Brokers: []string{b.Addr()}, RecordsTopic: ic.RecordsTopic,
		FeedbackTopic: ic.FeedbackTopic}, cfg.Generator, log); err != nil {
		return err
	}
	res.ProducePerS = float64(messages) / time.Since(start).Seconds()

	log.Info("bench: end to end, Kafka → transform → ClickHouse, in a separate worker process")
	child, err := runIngestProcess(ctx, cfg, b.Addr(), dsn)
	if err != nil {
		return err
	}
	res.E2ESeconds, res.WorkerPeakRSS = child.ActiveSeconds, child.PeakRSSBytes
	if child.ActiveSeconds > 0 {
		res.E2EEventsPerS = float64(child.Consumed) / child.ActiveSeconds
	}
	if res.RawRowsPerS > 0 {
		res.E2EOfRaw = res.E2EEventsPerS / res.RawRowsPerS
	}
	return nil
}

// runIngestProcess runs this program's own `servicepulse ingest` as a
// child process, so its memory is measured apart from the broker and the
// generator.
func runIngestProcess(ctx context.Context, cfg Config, brokers, dsn string) (daemon.Result, error) {
	self, err := os.Executable()
	if err != nil {
		return daemon.Result{}, fmt.Errorf("find own executable: %w", err)
	}
	// The DSN, which may hold a password, goes by the environment: a
	// process list shows the arguments.
	cmd := exec.CommandContext(ctx, self, "ingest", "--brokers", brokers, "--dev",
		"--until-idle", "2s", "--listen", "", "--refresh-interval", "0", "--group", "bench-"+strconv.FormatInt(time.Now().UnixNano(), 36),
		"--workers", strconv.Itoa(cfg.Workers), "--batch-rows", strconv.Itoa(cfg.BatchRows), "--log-level", "warn",
		"--cluster", cfg.Cluster)
	// File names, not secrets: the child reads them as this process did.
	for flag, path := range map[string]string{"--clickhouse-password-file": cfg.ClickHouseAccess.PasswordFile,
		"--clickhouse-tls-ca": cfg.ClickHouseAccess.TLSCAFile, "--clickhouse-tls-cert": cfg.ClickHouseAccess.TLSCertFile,
		"--clickhouse-tls-key": cfg.ClickHouseAccess.TLSKeyFile} {
		if path != "" {
			cmd.Args = append(cmd.Args, flag, path)
		}
	}
	cmd.Env = append(os.Environ(), "SERVICEPULSE_CLICKHOUSE="+dsn)
	if p := os.Getenv("SERVICEPULSE_CPU_PROFILE"); p != "" {
		cmd.Env = append(cmd.Env, "SERVICEPULSE_CPU_PROFILE="+p+".ingest")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return daemon.Result{}, fmt.Errorf("ingest process: %w", err)
	}
	var res daemon.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return daemon.Result{}, fmt.Errorf("ingest process printed %q: %w", out.String(), err)
	}
	return res, nil
}

// printJSON writes v as the command's one-object result.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
