package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"

	"servicepulse/daemon"
	"servicepulse/generator"
	"servicepulse/internal/fields"
	"servicepulse/transform"
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
	// Executable is the servicepulse binary run as the worker process
	// (`servicepulse ingest`). Default: this program (os.Executable), which
	// is that binary when the command runs; a test names the built binary.
	Executable string
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
	if c.Executable == "" {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("bench: find own executable: %w", err)
		}
		c.Executable = self
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

// Result is what Run prints. The end-to-end figures come from two passes of
// the same messages, each into a fresh database holding the sample
// contracts, with the messages produced while the worker process runs: the
// headline with ingest's defaults (the live refresh on), then with
// --refresh-interval 0. Each rate is all messages ÷ the worker's time from
// its first fetch to its last commit.
type Result struct {
	Machine     string    `json:"machine"`
	Messages    int       `json:"messages"`
	RawRows     int       `json:"raw_rows"`
	RawRowsPerS float64   `json:"raw_rows_per_s"` // median of RawPasses
	RawPasses   []float64 `json:"raw_passes_rows_per_s"`

	// With ingest's defaults: the live refresh on.
	E2EEventsPerS     float64 `json:"e2e_events_per_s"`
	E2EOfRaw          float64 `json:"e2e_fraction_of_raw"`
	E2ESeconds        float64 `json:"e2e_seconds"`
	WorkerPeakRSS     int64   `json:"worker_peak_rss_bytes"` // VmHWM, through the final refresh
	WorkerCPUSeconds  float64 `json:"worker_cpu_s"`
	WorkerWallSeconds float64 `json:"worker_wall_s"` // process start to exit
	// FinalRefreshS is how long after the last commit the states were
	// current (the live refresh in flight finishing, then the final
	// refresh), and FinalRefreshRequests the states the final refresh wrote.
	FinalRefreshS        float64 `json:"final_refresh_s"`
	FinalRefreshRequests int     `json:"final_refresh_requests"`
	// The live refreshes while ingest ran: how many finished, the states
	// they wrote (over the requests generated: how often each was rebuilt),
	// and the longest wait for one to finish.
	LiveRefreshes       int     `json:"live_refreshes"`
	LiveRefreshStates   int     `json:"live_refresh_states"`
	LiveRefreshLongestS float64 `json:"live_refresh_longest_wait_s"`
	// Freshness of the sampled requests: from the produce of a request's
	// last event to its state counting it in request_state.
	FreshnessP50S    float64 `json:"freshness_p50_s"`
	FreshnessP95S    float64 `json:"freshness_p95_s"`
	FreshnessMaxS    float64 `json:"freshness_max_s"`
	FreshnessSampled int     `json:"freshness_sampled"`
	FreshnessUnseen  int     `json:"freshness_unseen"`  // sampled states that never showed their last event
	ProduceBlockedS  float64 `json:"produce_blocked_s"` // the producer waiting on the lag bound: ingest was the bottleneck
	LagBound         int64   `json:"produce_lag_bound"` // messages the producer may run ahead of the commits
	ProduceSeconds   float64 `json:"produce_seconds"`   // first write to last acknowledgement

	// With --refresh-interval 0.
	E2ENoRefreshEventsPerS     float64 `json:"e2e_no_refresh_events_per_s"`
	E2ENoRefreshOfRaw          float64 `json:"e2e_no_refresh_fraction_of_raw"`
	E2ENoRefreshSeconds        float64 `json:"e2e_no_refresh_seconds"`
	WorkerPeakRSSNoRefresh     int64   `json:"worker_peak_rss_no_refresh_bytes"`
	WorkerCPUNoRefreshSeconds  float64 `json:"worker_no_refresh_cpu_s"`
	WorkerWallNoRefreshSeconds float64 `json:"worker_no_refresh_wall_s"`
	ProduceBlockedNoRefreshS   float64 `json:"produce_blocked_no_refresh_s"`

	Workers   int    `json:"workers"`
	BatchRows int    `json:"batch_rows"`
	Cluster   string `json:"cluster,omitempty"` // the ClickHouse cluster measured on, if any
	// The rows stored by the refresh-on pass; AccountedExactly holds when
	// both passes stored exactly the generated rows.
	StoredEvents     uint64 `json:"stored_events"`
	StoredFeedback   uint64 `json:"stored_feedback"`
	StoredRejects    uint64 `json:"stored_rejects"`
	AccountedExactly bool   `json:"accounted_exactly"`
}

// Run measures the raw insert bound, then the end-to-end path with the live
// refresh on and off, prints the Result, and fails when the stored rows
// differ from the generated ones, or when a sampled request's state never
// showed its last event.
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

	// The messages, in memory: the raw bound inserts their rows directly,
	// and each end-to-end pass produces them.
	var msgs []generator.Message
	sum, err := generator.Generate(cfg.Generator, func(m generator.Message) error { msgs = append(msgs, m); return nil })
	if err != nil {
		return err
	}
	res.Messages = len(msgs)
	samples, err := sampleOf(msgs)
	if err != nil {
		return err
	}
	if err := rawBound(ctx, own, msgs, cfg.BatchRows, &res, log); err != nil {
		return err
	}
	on, err := e2ePass(ctx, cfg, own, msgs, samples, true)
	if err != nil {
		return err
	}
	off, err := e2ePass(ctx, cfg, own, msgs, nil, false)
	if err != nil {
		return err
	}
	res.setPasses(on, off, sum)
	if err := printJSON(cfg.Stdout, res); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		passResult
	}{{"with the live refresh", on}, {"with --refresh-interval 0", off}} {
		if st := p.stats; !p.exact(sum) {
			return fmt.Errorf("bench: %s, stored rows %d/%d/%d differ from generated %d/%d/%d", p.name,
				st.Events, st.Feedback, st.Rejected, sum.Records, sum.Feedback, sum.Malformed)
		}
	}
	if on.unseen > 0 {
		return fmt.Errorf("bench: %d of %d sampled requests never showed all their events in request_state, final refresh included",
			on.unseen, on.sampled)
	}
	return nil
}

// sampleOf picks the requests whose freshness is measured, and what their
// states must show, decoding their records as ingest does.
func sampleOf(msgs []generator.Message) ([]sampled, error) {
	tr, err := transform.New(transform.Config{PIIKey: []byte(daemon.DevPIIKey)})
	if err != nil {
		return nil, err
	}
	return planSample(msgs, pickRequests(msgs, freshnessSample), tr), nil
}

// setPasses fills in the end-to-end figures of the refresh-on and the
// refresh-off pass.
func (r *Result) setPasses(on, off passResult, sum generator.Summary) {
	rate := func(p passResult) (perS, ofRaw float64) {
		if p.worker.ActiveSeconds > 0 {
			perS = float64(p.worker.Consumed) / p.worker.ActiveSeconds
		}
		if r.RawRowsPerS > 0 {
			ofRaw = perS / r.RawRowsPerS
		}
		return perS, ofRaw
	}
	r.E2EEventsPerS, r.E2EOfRaw = rate(on)
	r.E2ESeconds, r.WorkerPeakRSS = on.worker.ActiveSeconds, on.worker.PeakRSSBytes
	r.WorkerCPUSeconds, r.WorkerWallSeconds = on.worker.CPUSeconds, on.worker.WallSeconds
	r.FinalRefreshS, r.FinalRefreshRequests = on.worker.FinalRefreshSeconds, on.worker.FinalRefreshRequests
	r.LiveRefreshes, r.LiveRefreshStates, r.LiveRefreshLongestS = on.worker.LiveRefreshes, on.worker.LiveRefreshStates, on.worker.LiveRefreshLongestS
	r.FreshnessP50S, r.FreshnessP95S, r.FreshnessMaxS = percentile(on.fresh, 50), percentile(on.fresh, 95), percentile(on.fresh, 100)
	r.FreshnessSampled, r.FreshnessUnseen = on.sampled, on.unseen
	r.ProduceBlockedS, r.LagBound, r.ProduceSeconds = on.produce.BlockedSeconds, on.lagBound, on.produce.Seconds

	r.E2ENoRefreshEventsPerS, r.E2ENoRefreshOfRaw = rate(off)
	r.E2ENoRefreshSeconds, r.WorkerPeakRSSNoRefresh = off.worker.ActiveSeconds, off.worker.PeakRSSBytes
	r.WorkerCPUNoRefreshSeconds, r.WorkerWallNoRefreshSeconds = off.worker.CPUSeconds, off.worker.WallSeconds
	r.ProduceBlockedNoRefreshS = off.produce.BlockedSeconds

	r.StoredEvents, r.StoredFeedback, r.StoredRejects = on.stats.Events, on.stats.Feedback, on.stats.Rejected
	r.AccountedExactly = on.exact(sum) && off.exact(sum)
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

// printJSON writes v as the command's one-object result.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
