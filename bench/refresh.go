package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/contracts"
	"servicepulse/ingest"
	"servicepulse/internal/fields"
	"servicepulse/sla"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

// DefaultRefreshDatabase is RunRefresh's database by default; like
// DefaultKPIDatabase it is created with an ownership marker and reset
// unless Reuse finds as many requests loaded.
const DefaultRefreshDatabase = "servicepulse_bench_refresh"

// RefreshConfig configures RunRefresh. Validate fills in the defaults.
type RefreshConfig struct {
	// ClickHouse is the DSN of the server; its database is ignored. Required.
	ClickHouse string
	// Database is RunRefresh's own database. Default: DefaultRefreshDatabase.
	Database string
	// Requests is the number of service requests whose facts and states are
	// loaded, opened over 2026. Required: at least 1.
	Requests int
	// Changed is how many stored requests get a new row before each cycle.
	// Required: at least 1, at most Requests.
	Changed int
	// Cycles is the number of timed cycles of each kind. Required: at least 1.
	Cycles int
	// Reuse keeps the facts and states of an earlier run if there are as
	// many requests.
	Reuse bool
	// Log receives the log. Required.
	Log *slog.Logger
	// Stdout receives the result as JSON. Default: os.Stdout.
	Stdout io.Writer
}

// Validate fills in the defaults and reports the first invalid field.
func (c *RefreshConfig) Validate() error {
	if c.Database == "" {
		c.Database = DefaultRefreshDatabase
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	switch {
	case c.Requests < 1:
		return fields.Errorf("Requests", c.Requests, "must be at least 1")
	case c.Changed < 1 || c.Changed > c.Requests:
		return fields.Errorf("Changed", c.Changed, "must be between 1 and the number of requests")
	case c.Cycles < 1:
		return fields.Errorf("Cycles", c.Cycles, "must be at least 1")
	case c.Log == nil:
		return errors.New("bench refresh: no logger")
	}
	return validateServer(c.ClickHouse, c.Database)
}

// Cycle is one timed refresh.
type Cycle struct {
	// Path is "watermark" (Refresher.Refresh: find what changed since the
	// last refresh, as every live tick does) or "committed"
	// (Refresher.RefreshCommitted: the ids the ack path handed over).
	Path     string  `json:"path"`
	Seconds  float64 `json:"seconds"`
	Requests int     `json:"requests"` // states written: the changed requests and their serials' others
}

// RefreshResult is what RunRefresh prints.
type RefreshResult struct {
	Machine     string  `json:"machine"`
	Requests    uint64  `json:"requests"`  // request states stored
	FactRows    uint64  `json:"fact_rows"` // events and feedback stored
	LoadSeconds float64 `json:"load_seconds,omitempty"`
	// MergeWaitSeconds is how long the load's background merges ran on
	// before the first cycle (they would compete with it).
	MergeWaitSeconds float64 `json:"merge_wait_seconds,omitempty"`
	Changed          int     `json:"changed_per_cycle"`
	Cycles           []Cycle `json:"cycles"`
	WatermarkP50S    float64 `json:"watermark_cycle_p50_s"`
	CommittedP50S    float64 `json:"committed_cycle_p50_s"`
}

// RunRefresh measures what one refresh cycle costs over a large table: it
// loads Requests generated requests (generator → transform → the ingest
// sink for the facts, sla.BuildStates for the states, no Kafka), then, for
// each cycle, writes a redelivered copy of one event of Changed requests
// spread over the whole table and times the refresh that brings their
// states up to date. Run with 1M and 10M requests: the cycle should cost
// about the same.
func RunRefresh(ctx context.Context, cfg RefreshConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	own, err := warehouse.NewOwnDatabase(cfg.ClickHouse, cfg.Database, "bench refresh", cfg.Log)
	if err != nil {
		return err
	}
	res := RefreshResult{Machine: machine(), Changed: cfg.Changed}
	conn, sample, err := loadedFacts(ctx, cfg, own, &res)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.QueryRow(ctx, "SELECT uniqExact(request_id) FROM request_state").Scan(&res.Requests); err != nil {
		return err
	}
	if err := conn.QueryRow(ctx, "SELECT (SELECT count() FROM service_events) + (SELECT count() FROM feedback)").Scan(&res.FactRows); err != nil {
		return err
	}
	if err := timeCycles(ctx, conn, cfg, sample, &res); err != nil {
		return err
	}
	return printJSON(cfg.Stdout, res)
}

// loadedFacts returns a connection to own holding the facts and states of
// cfg.Requests requests, and the creation events of a sample of them spread
// over the load (the rows each cycle re-delivers).
func loadedFacts(ctx context.Context, cfg RefreshConfig, own warehouse.OwnDatabase, res *RefreshResult) (driver.Conn, []transform.ServiceEvent, error) {
	log := cfg.Log
	if cfg.Reuse {
		if err := own.Prepare(ctx, false, log); err != nil {
			return nil, nil, err
		}
		conn, err := warehouse.Open(ctx, warehouse.ConfigFor(own.DSN), log)
		if err != nil {
			return nil, nil, err
		}
		// Distinct requests: the cycles of an earlier run wrote newer
		// states of some, which merges collapse only in time.
		var have uint64
		_ = conn.QueryRow(ctx, "SELECT uniqExact(request_id) FROM request_state").Scan(&have)
		if have == uint64(cfg.Requests) {
			sample, err := storedSample(ctx, conn, sampleSize(cfg))
			return conn, sample, err
		}
		log.Info("bench refresh: not reusing the loaded requests", "database", own.Name, "have", have, "want", cfg.Requests)
		conn.Close()
	}
	conn, err := freshDatabase(ctx, own, log)
	if err != nil {
		return nil, nil, err
	}
	if _, err := contracts.Load(ctx, conn, contracts.Sample()); err != nil {
		conn.Close()
		return nil, nil, err
	}
	start := time.Now()
	if err := loadFacts(ctx, conn, cfg.Requests, log); err != nil {
		conn.Close()
		return nil, nil, err
	}
	res.LoadSeconds = time.Since(start).Seconds()
	start = time.Now()
	if err := waitForMerges(ctx, conn, 10*time.Minute, log); err != nil {
		conn.Close()
		return nil, nil, err
	}
	res.MergeWaitSeconds = time.Since(start).Seconds()
	sample, err := storedSample(ctx, conn, sampleSize(cfg))
	return conn, sample, err
}

// sampleSize is how many creation events the cycles re-deliver: Changed per
// cycle, two kinds of cycle.
func sampleSize(cfg RefreshConfig) int { return min(cfg.Requests, 2*cfg.Cycles*cfg.Changed) }

// loadFacts is loadStates with the facts written too, and a refresh
// watermark recorded at the end, as if a refresh had just caught up.
func loadFacts(ctx context.Context, conn driver.Conn, requests int, log *slog.Logger) error {
	if err := loadStates(ctx, conn, requests, true, log); err != nil {
		return err
	}
	// Two seconds on, so that the last rows written are older than the
	// watermark minus the cycles' margin (a second): the first cycle must
	// not count the load as a change.
	time.Sleep(2 * time.Second)
	return recordWatermark(ctx, conn, time.Now().UTC())
}

// recordWatermark writes a refresh record, as sla.Refresher does after a
// refresh (a batch insert: INSERT … VALUES through Exec hangs on 18.16).
func recordWatermark(ctx context.Context, conn driver.Conn, at time.Time) error {
	b, err := conn.PrepareBatch(ctx, "INSERT INTO state_refreshes (refreshed_at, watermark, requests)")
	if err != nil {
		return fmt.Errorf("record watermark: %w", err)
	}
	defer b.Abort()
	if err := b.Append(at, at, uint64(0)); err != nil {
		return fmt.Errorf("record watermark: %w", err)
	}
	return b.Send()
}

// waitForMerges waits until the server runs no merge in this database, at
// most limit: the cycles should not share the cores with the load's
// merges. Past limit it logs and goes on.
func waitForMerges(ctx context.Context, conn driver.Conn, limit time.Duration, log *slog.Logger) error {
	deadline := time.Now().Add(limit)
	for {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.merges WHERE database = currentDatabase()").Scan(&n); err != nil {
			return fmt.Errorf("count merges: %w", err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			log.Warn("bench refresh: merges still running; timing the cycles anyway", "merges", n, "waited", limit)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// storedSample reads the creation events of n requests spread evenly over
// the stored ones (every k-th by request id).
func storedSample(ctx context.Context, conn driver.Conn, n int) ([]transform.ServiceEvent, error) {
	var total uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM service_events WHERE event_type = 'request_created'").Scan(&total); err != nil {
		return nil, fmt.Errorf("count creation events: %w", err)
	}
	step := max(1, total/uint64(n))
	table := transform.ServiceEventsTable.Subset(sampleColumns...)
	rows, err := conn.Query(ctx, table.SelectSQL()+fmt.Sprintf(` WHERE event_type = 'request_created' AND cityHash64(request_id) %% %d = 0 LIMIT %d`, step, n))
	if err != nil {
		return nil, fmt.Errorf("sample creation events: %w", err)
	}
	defer rows.Close()
	var out []transform.ServiceEvent
	var dest []any
	for rows.Next() {
		out = append(out, transform.ServiceEvent{})
		dest = table.Dest(dest, &out[len(out)-1])
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("sample creation events: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("bench refresh: no creation event to re-deliver")
	}
	return out, nil
}

// sampleColumns are the columns of a re-delivered creation event: enough to
// be the same event (same sort key, same values that matter to the state).
var sampleColumns = []string{"event_id", "event_type", "schema_version", "occurred_at", "request_id", "contract_id", "partner_id",
	"channel", "region", "product_serial", "product_model", "purchase_date", "customer_ref", "warranty", "currency"}

// timeCycles alternates the two kinds of cycle: before each, Changed
// requests of the sample get a re-delivered copy of their creation event
// (the sink stamps it with the time of the write, so it is a change).
func timeCycles(ctx context.Context, conn driver.Conn, cfg RefreshConfig, sample []transform.ServiceEvent, res *RefreshResult) error {
	r := sla.NewRefresher(conn, cfg.Log)
	// A cycle reads from a second before the last watermark (instead of a
	// minute), and every cycle records its start as the watermark: with
	// its changes written two seconds before its start, and the next
	// changes three seconds after its end, a watermark cycle sees its own
	// changes and none of the previous cycle's.
	r.Margin = time.Second
	sink := ingest.NewClickHouseSink(conn)
	next := 0
	change := func() ([]string, error) {
		b := &ingest.Batch{}
		for range cfg.Changed {
			b.Events = append(b.Events, sample[next%len(sample)])
			next++
		}
		ids := make([]string, len(b.Events))
		for i := range b.Events {
			ids[i] = b.Events[i].RequestID
		}
		return ids, sink.Write(ctx, b)
	}
	var wm, cm []float64
	for i := range cfg.Cycles {
		for _, path := range []string{"watermark", "committed"} {
			time.Sleep(3 * time.Second)
			ids, err := change()
			if err != nil {
				return err
			}
			time.Sleep(2 * time.Second)
			start := time.Now()
			var got sla.Result
			if path == "watermark" {
				got, err = r.Refresh(ctx)
			} else {
				r.Committed(ids)
				got, err = r.RefreshCommitted(ctx)
			}
			if err != nil {
				return fmt.Errorf("cycle %d (%s): %w", i+1, path, err)
			}
			c := Cycle{Path: path, Seconds: time.Since(start).Seconds(), Requests: got.Requests}
			res.Cycles = append(res.Cycles, c)
			if path == "watermark" {
				wm = append(wm, c.Seconds)
			} else {
				cm = append(cm, c.Seconds)
			}
			cfg.Log.Info("bench refresh: cycle", "n", i+1, "path", path, "seconds", c.Seconds, "requests", c.Requests)
		}
	}
	res.WatermarkP50S, res.CommittedP50S = median(wm), median(cm)
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
