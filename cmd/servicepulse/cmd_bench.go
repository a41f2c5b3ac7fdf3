package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/broker"
	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/sql"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

// benchDatabase is bench's scratch database by default (--database): bench
// creates it with its ownership marker and resets it before every pass, and
// refuses to touch a database of that name it did not create.
const benchDatabase = "servicepulse_bench"

// benchResult is what `bench` prints.
type benchResult struct {
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
	StoredEvents     uint64    `json:"stored_events"`
	StoredFeedback   uint64    `json:"stored_feedback"`
	StoredRejects    uint64    `json:"stored_rejects"`
	AccountedExactly bool      `json:"accounted_exactly"`
}

func runBench(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "kpi" {
		return runBenchKPI(ctx, args[1:])
	}
	var (
		c         warehouseFlags
		gen       generator.Config
		workers   int
		batchRows int
		database  string
	)
	fs := newFlagSet("bench", "")
	c.clickhouse = "clickhouse://127.0.0.1:9000" // the server: bench works in --database
	c.register(fs)
	fs.IntVar(&gen.Tickets, "tickets", 100000, "service requests to generate (about 9 messages each)")
	fs.Float64Var(&gen.BadRate, "bad-rate", 0.01, "fraction of malformed messages")
	fs.IntVar(&workers, "workers", 1, "ingest workers in the measured process")
	fs.IntVar(&batchRows, "batch-rows", ingest.DefaultConfig().BatchRows, "rows per ClickHouse insert, raw and end to end")
	fs.StringVar(&database, "database", benchDatabase, "scratch database on the --clickhouse server, reset on every run; it must not exist or be one bench created (the DSN's database is ignored)")
	if err := parse(fs, args); err != nil {
		return err
	}
	gen.Seed = 1
	if err := gen.Validate(); err != nil {
		return usagef("%v", err)
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	own, err := newOwnDatabase(c.clickhouse, database, "bench", log)
	if err != nil {
		return err
	}
	dsn := own.dsn
	res := benchResult{Workers: workers, BatchRows: batchRows, Machine: machine()}

	// The messages, in memory: the raw bound inserts their rows directly.
	var msgs []generator.Message
	sum, err := generator.Generate(gen, func(m generator.Message) error { msgs = append(msgs, m); return nil })
	if err != nil {
		return err
	}
	res.Messages = len(msgs)

	conn, err := freshDatabase(ctx, own, log)
	if err != nil {
		return err
	}
	defer conn.Close()

	// The raw bound varies run to run on a shared 2-core machine (background
	// merges, page cache): take the median of three passes, each into a
	// fresh database.
	var rates []float64
	for pass := range 3 {
		if pass > 0 {
			conn.Close()
			if conn, err = freshDatabase(ctx, own, log); err != nil {
				return err
			}
		}
		log.Info("bench: raw ClickHouse insert rate (the bound)", "messages", len(msgs), "pass", pass+1)
		rows, secs, err := rawInsert(ctx, conn, msgs, batchRows)
		if err != nil {
			return err
		}
		res.RawRows = rows
		rates = append(rates, float64(rows)/secs)
	}
	slices.Sort(rates)
	res.RawRowsPerS, res.RawPasses = rates[1], rates

	if conn, err = freshDatabase(ctx, own, log); err != nil {
		return err
	}
	b, err := broker.Start(broker.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer b.Close()
	cfg := ingest.DefaultConfig()
	if err := ingest.EnsureTopics(ctx, []string{b.Addr()}, 4, cfg.RecordsTopic, cfg.FeedbackTopic, cfg.DLQTopic); err != nil {
		return err
	}
	log.Info("bench: producing to the embedded broker")
	start := time.Now()
	if _, err := generator.Produce(ctx, generator.KafkaConfig{Brokers: []string{b.Addr()}, RecordsTopic: cfg.RecordsTopic,
		FeedbackTopic: cfg.FeedbackTopic}, gen, log); err != nil {
		return err
	}
	res.ProducePerS = float64(len(msgs)) / time.Since(start).Seconds()

	log.Info("bench: end to end, Kafka → transform → ClickHouse, in a separate worker process")
	child, err := runIngestProcess(ctx, b.Addr(), dsn, workers, batchRows)
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
	st, err := warehouse.ReadStats(ctx, conn)
	if err != nil {
		return err
	}
	res.StoredEvents, res.StoredFeedback, res.StoredRejects = st.Events, st.Feedback, st.Rejected
	res.AccountedExactly = st.Events == uint64(sum.Records) && st.Feedback == uint64(sum.Feedback) && st.Rejected == uint64(sum.Malformed)
	if err := printJSON(res); err != nil {
		return err
	}
	if !res.AccountedExactly {
		return fmt.Errorf("bench: stored rows %d/%d/%d differ from generated %d/%d/%d", st.Events, st.Feedback, st.Rejected,
			sum.Records, sum.Feedback, sum.Malformed)
	}
	return nil
}

// driverConn is a ClickHouse connection.
type driverConn = driver.Conn

// ownDatabase is a database that one command (bench, bench kpi, demo)
// creates for itself on the server of --clickhouse, marked as its own
// (warehouse.ClaimDatabase), and may therefore reset.
type ownDatabase struct {
	command string // "bench", "bench kpi" or "demo"
	name    string
	server  string // DSN of the server, without a database
	dsn     string // DSN of the server with name as its database
}

// newOwnDatabase validates --database and takes only the server from the
// --clickhouse DSN; a database the DSN names is ignored, and logged.
func newOwnDatabase(dsn, name, command string, log *slog.Logger) (ownDatabase, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return ownDatabase{}, usagef("--clickhouse %q: want clickhouse://host:port", dsn)
	}
	if err := warehouse.ValidateDatabaseName(name); err != nil {
		return ownDatabase{}, usagef("--database: %v", err)
	}
	if db := strings.Trim(u.Path, "/"); db != "" && db != name {
		log.Info(command+" works in a database of its own; the database of --clickhouse is ignored",
			"ignored", db, "database", name)
	}
	u.Path = ""
	o := ownDatabase{command: command, name: name, server: u.String()}
	u.Path = "/" + name
	o.dsn = u.String()
	return o, nil
}

// prepare claims the database (reset false: create it if missing, accept it
// if it carries the command's marker) or resets it (drop and create again,
// only if it carries the command's marker); either refuses, with
// warehouse.ErrNotOwned, a database the command did not create.
func (o ownDatabase) prepare(ctx context.Context, reset bool, log *slog.Logger) error {
	conn, err := warehouse.Open(ctx, warehouse.ConfigFor(o.server), log)
	if err != nil {
		return err
	}
	defer conn.Close()
	if reset {
		return warehouse.ResetDatabase(ctx, conn, o.name, o.command)
	}
	return warehouse.ClaimDatabase(ctx, conn, o.name, o.command)
}

// freshDatabase resets the command's own database (warehouse.ResetDatabase:
// only if it carries the command's marker) and migrates it.
func freshDatabase(ctx context.Context, o ownDatabase, log *slog.Logger) (conn driver.Conn, err error) {
	if err := o.prepare(ctx, true, log); err != nil {
		return nil, err
	}
	if conn, err = warehouse.Open(ctx, warehouse.ConfigFor(o.dsn), log); err != nil {
		return nil, err
	}
	if _, err := sql.Migrate(ctx, conn, log); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// rawInsert decodes every message (untimed) and then times inserting the
// rows with the sink ingest uses, batchRows at a time, with no Kafka at all.
func rawInsert(ctx context.Context, conn driver.Conn, msgs []generator.Message, batchRows int) (rows int, secs float64, err error) {
	tr, err := transform.New(transform.Config{PIIKey: []byte(devPIIKey)})
	if err != nil {
		return 0, 0, err
	}
	var batches []*ingest.Batch
	cur := &ingest.Batch{}
	for i, m := range msgs {
		src := transform.Source{Topic: "bench", Partition: 0, Offset: int64(i)}
		cur.Consumed++
		if m.Topic == generator.Records {
			if ev, rej := tr.DecodeRecord(src, m.Value); rej == nil {
				cur.Events = append(cur.Events, ev)
			} else {
				cur.Rejects = append(cur.Rejects, *rej)
			}
		} else {
			if ev, rej := tr.DecodeFeedback(src, m.Value); rej == nil {
				cur.Feedback = append(cur.Feedback, ev)
			} else {
				cur.Rejects = append(cur.Rejects, *rej)
			}
		}
		if cur.Consumed == batchRows {
			batches = append(batches, cur)
			cur = &ingest.Batch{}
		}
	}
	batches = append(batches, cur)
	sink := ingest.NewClickHouseSink(conn)
	start := time.Now()
	for _, b := range batches {
		if err := sink.Write(ctx, b); err != nil {
			return 0, 0, err
		}
		rows += len(b.Events) + len(b.Feedback) + len(b.Rejects)
	}
	return rows, time.Since(start).Seconds(), nil
}

// runIngestProcess runs `servicepulse ingest` as a child process, so its
// memory is measured apart from the broker and the generator.
func runIngestProcess(ctx context.Context, brokers, dsn string, workers, batchRows int) (ingestResult, error) {
	self, err := os.Executable()
	if err != nil {
		return ingestResult{}, fmt.Errorf("find own executable: %w", err)
	}
	cmd := exec.CommandContext(ctx, self, "ingest", "--brokers", brokers, "--clickhouse", dsn, "--dev",
		"--until-idle", "2s", "--listen", "", "--refresh-interval", "0", "--group", "bench-"+strconv.FormatInt(time.Now().UnixNano(), 36),
		"--workers", strconv.Itoa(workers), "--batch-rows", strconv.Itoa(batchRows), "--log-level", "warn")
	if p := os.Getenv("SERVICEPULSE_CPU_PROFILE"); p != "" {
		cmd.Env = append(os.Environ(), "SERVICEPULSE_CPU_PROFILE="+p+".ingest")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return ingestResult{}, fmt.Errorf("ingest process: %w", err)
	}
	var res ingestResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return ingestResult{}, fmt.Errorf("ingest process printed %q: %w", out.String(), err)
	}
	return res, nil
}

func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range bytes.Split(b, []byte("\n")) {
			if v, ok := bytes.CutPrefix(line, []byte("model name")); ok {
				model = string(bytes.TrimSpace(bytes.TrimLeft(v, "\t :")))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s/%s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
}
