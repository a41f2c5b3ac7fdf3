package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"sync"
	"text/tabwriter"
	"time"

	"servicepulse/contracts"
	"servicepulse/internal/fields"
	"servicepulse/metrics"
	"servicepulse/warehouse"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// DefaultKPIDatabase is RunKPI's database by default (KPIConfig.Database):
// RunKPI creates it with its ownership marker, resets it unless Reuse finds
// as many requests loaded, and refuses to touch a database of that name it
// did not create.
const DefaultKPIDatabase = "servicepulse_bench_kpi"

// KPIConfig configures RunKPI. Validate fills in the defaults.
type KPIConfig struct {
	// ClickHouse is the DSN of the server; its database is ignored (RunKPI
	// works in Database). Required.
	ClickHouse string
	// Database is RunKPI's own database. Default: DefaultKPIDatabase.
	Database string
	// Requests is the number of service requests to load, opened over
	// 2026. Required: at least 1.
	Requests int
	// Runs is the number of timed runs of each query, after one warm-up.
	// Required: at least 1.
	Runs int
	// Reuse keeps the requests loaded by an earlier run if there are as
	// many.
	Reuse bool
	// Log receives the log. Required.
	Log *slog.Logger
	// Stdout receives the result as JSON, Stderr its table. Default:
	// os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
}

// Validate fills in the defaults and reports the first invalid field, as a
// *fields.Error naming it.
func (c *KPIConfig) Validate() error {
	if c.Database == "" {
		c.Database = DefaultKPIDatabase
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	switch {
	case c.Runs < 1:
		return fields.Errorf("Runs", c.Runs, "must be at least 1")
	case c.Requests < 1:
		return fields.Errorf("Requests", c.Requests, "must be at least 1")
	case c.Log == nil:
		return errors.New("bench kpi: no logger")
	}
	return validateServer(c.ClickHouse, c.Database)
}

// Latency is the time one query took, over KPIConfig.Runs runs.
type Latency struct {
	KPI   string  `json:"kpi"`
	P50MS float64 `json:"p50_ms"`
	P95MS float64 `json:"p95_ms"`
}

// KPIResult is what RunKPI prints.
type KPIResult struct {
	Machine         string  `json:"machine"`
	Requests        uint64  `json:"requests"`
	QuarterRequests uint64  `json:"quarter_requests"`
	LoadSeconds     float64 `json:"load_seconds,omitempty"`
	// RollupSeconds is how long building the daily KPI rollup of every
	// month took (what ingest and refresh leave behind), before the timing.
	RollupSeconds   float64   `json:"rollup_s"`
	Runs            int       `json:"runs"`
	PerKPI          []Latency `json:"per_kpi"`
	SlowestKPIP95MS float64   `json:"slowest_kpi_p95_ms"`
	CatalogSumP50MS float64   `json:"catalog_sum_of_p50_ms"`
	CatalogOneQuery Latency   `json:"catalog_single_query"`
	// CatalogConcurrent is the whole catalog's query run by
	// ConcurrentCatalogs clients at once (six dashboards refreshing), each
	// Runs times: the latencies of all of them.
	CatalogConcurrent Latency `json:"catalog_six_concurrent"`
}

// ConcurrentCatalogs is how many whole-catalog queries CatalogConcurrent
// runs at once, each on a connection of its own (the pool holds 10).
const ConcurrentCatalogs = 6

// kpiQuarter is the cohort timed: a quarter of 2026, by partner, as of the
// end of the year.
var kpiQuarter = metrics.Query{
	From: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
	By: []metrics.Dimension{metrics.ByPartner}, AsOf: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
}

// RunKPI loads KPIConfig.Requests generated requests (generator →
// transform → sla.BuildStates, the code paths of ingest and refresh,
// without Kafka) and times every KPI of the catalog for one quarter grouped
// by partner; it prints a table on Stderr and the KPIResult on Stdout.
func RunKPI(ctx context.Context, cfg KPIConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	own, err := warehouse.NewOwnDatabase(cfg.ClickHouse, cfg.Database, "bench kpi", cfg.Log)
	if err != nil {
		return err
	}
	res := KPIResult{Machine: machine(), Runs: cfg.Runs}
	conn, err := loaded(ctx, cfg, own, &res)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.QueryRow(ctx, "SELECT count() FROM request_state FINAL").Scan(&res.Requests); err != nil {
		return err
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM request_state FINAL WHERE opened_date >= '2026-07-01' AND opened_date < '2026-10-01'").Scan(&res.QuarterRequests); err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := metrics.NewRollups(conn, cfg.Log).Refresh(ctx, false); err != nil {
		return err
	}
	res.RollupSeconds = time.Since(t0).Seconds()
	if err := timeCatalog(ctx, conn, cfg, &res); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(cfg.Stderr, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "KPI\tp50 ms\tp95 ms\n")
	for _, l := range append(slices.Clone(res.PerKPI), res.CatalogOneQuery, res.CatalogConcurrent) {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\n", l.KPI, l.P50MS, l.P95MS)
	}
	tw.Flush()
	return printJSON(cfg.Stdout, res)
}

// loaded returns a connection to own holding cfg.Requests request states:
// with Reuse, those an earlier run loaded if there are as many; else
// freshly loaded (res.LoadSeconds says how long that took).
func loaded(ctx context.Context, cfg KPIConfig, own warehouse.OwnDatabase, res *KPIResult) (driver.Conn, error) {
	log := cfg.Log
	if cfg.Reuse {
		// Reuse only what bench kpi loaded itself: claim the database first.
		if err := own.Prepare(ctx, false, log); err != nil {
			return nil, err
		}
		conn, err := warehouse.Open(ctx, warehouse.ConfigFor(own.DSN), log)
		if err != nil {
			return nil, err
		}
		var have uint64
		_ = conn.QueryRow(ctx, "SELECT count() FROM request_state FINAL").Scan(&have)
		if have == uint64(cfg.Requests) {
			return conn, nil
		}
		log.Info("bench kpi: not reusing the loaded requests", "database", own.Name, "have", have, "want", cfg.Requests)
		conn.Close()
	}
	conn, err := freshDatabase(ctx, own, log)
	if err != nil {
		return nil, err
	}
	if err := load(ctx, conn, cfg.Requests, log, res); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// load loads the states and merges request_state's parts, as a
// long-running table would be: FINAL then has little to collapse, as in
// steady state.
func load(ctx context.Context, conn driver.Conn, requests int, log *slog.Logger, res *KPIResult) error {
	if _, err := contracts.Load(ctx, conn, contracts.Sample()); err != nil {
		return err
	}
	start := time.Now()
	if err := loadStates(ctx, conn, requests, false, log); err != nil {
		return err
	}
	res.LoadSeconds = time.Since(start).Seconds()
	if err := conn.Exec(ctx, "OPTIMIZE TABLE request_state FINAL"); err != nil {
		return fmt.Errorf("optimize request_state: %w", err)
	}
	return nil
}

// timeCatalog times each KPI that has SQL alone, then the whole catalog in
// one query, alone and ConcurrentCatalogs at once.
func timeCatalog(ctx context.Context, conn driver.Conn, cfg KPIConfig, res *KPIResult) error {
	q := kpiQuarter
	// As `servicepulse kpi` asks (metrics.Run): reading the daily rollup of
	// the connection's database where its builds are current.
	if err := conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&q.Database); err != nil {
		return err
	}
	for _, k := range metrics.All() {
		if k.Expr == "" {
			continue
		}
		l, err := timeQuery(ctx, conn, q.SQL([]metrics.KPI{k}), cfg.Runs)
		if err != nil {
			return fmt.Errorf("kpi %s: %w", k.ID, err)
		}
		l.KPI = k.ID
		res.PerKPI = append(res.PerKPI, l)
		res.CatalogSumP50MS += l.P50MS
		res.SlowestKPIP95MS = max(res.SlowestKPIP95MS, l.P95MS)
		cfg.Log.Info("kpi timed", "kpi", k.ID, "p50_ms", l.P50MS, "p95_ms", l.P95MS)
	}
	l, err := timeQuery(ctx, conn, q.SQL(metrics.All()), cfg.Runs)
	if err != nil {
		return err
	}
	l.KPI = "whole catalog, one query"
	res.CatalogOneQuery = l
	if l, err = timeConcurrent(ctx, conn, q.SQL(metrics.All()), ConcurrentCatalogs, cfg.Runs); err != nil {
		return err
	}
	l.KPI = fmt.Sprintf("whole catalog, %d queries at once", ConcurrentCatalogs)
	res.CatalogConcurrent = l
	return nil
}

// timeConcurrent runs sql from clients goroutines at once, each runs times
// (the caches are warm: timeQuery ran it), and returns the median and 95th
// percentile of every run's latency.
func timeConcurrent(ctx context.Context, conn driver.Conn, sql string, clients, runs int) (Latency, error) {
	// The first failure stops the other clients' queries too.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		ds    []float64
		errs  []error
		group sync.WaitGroup
	)
	for range clients {
		group.Go(func() {
			for range runs {
				start := time.Now()
				err := drain(ctx, conn, sql)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
					cancel()
				} else {
					ds = append(ds, float64(time.Since(start).Microseconds())/1000)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	group.Wait()
	if err := errors.Join(errs...); err != nil {
		return Latency{}, err
	}
	return percentiles(ds), nil
}

// drain runs sql and reads every row.
func drain(ctx context.Context, conn driver.Conn, sql string) error {
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	return rows.Err()
}

// percentiles is the median and 95th percentile of ds, sorted in place.
func percentiles(ds []float64) Latency {
	sort.Float64s(ds)
	return Latency{P50MS: ds[(len(ds)-1)/2], P95MS: ds[min(len(ds)-1, int(float64(len(ds))*0.95))]}
}

// timeQuery runs sql once to warm caches, then runs times, reading every
// row, and returns the median and 95th percentile.
func timeQuery(ctx context.Context, conn driver.Conn, sql string, runs int) (Latency, error) {
	var ds []float64
	for i := 0; i <= runs; i++ {
		start := time.Now()
		if err := drain(ctx, conn, sql); err != nil {
			return Latency{}, err
		}
		if i > 0 { // the first run warms caches
			ds = append(ds, float64(time.Since(start).Microseconds())/1000)
		}
	}
	return percentiles(ds), nil
}
