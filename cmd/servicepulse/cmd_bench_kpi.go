package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sort"
	"text/tabwriter"
	"time"

	"servicepulse/contracts"
	"servicepulse/generator"
	"servicepulse/metrics"
	"servicepulse/sla"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

// kpiBenchDatabase is bench kpi's database by default (--database): bench kpi
// creates it with its ownership marker, resets it unless --reuse finds as
// many requests loaded, and refuses to touch a database of that name it did
// not create.
const kpiBenchDatabase = "servicepulse_bench_kpi"

type kpiLatency struct {
	KPI   string  `json:"kpi"`
	P50MS float64 `json:"p50_ms"`
	P95MS float64 `json:"p95_ms"`
}

type kpiBenchResult struct {
	Machine         string       `json:"machine"`
	Requests        uint64       `json:"requests"`
	QuarterRequests uint64       `json:"quarter_requests"`
	LoadSeconds     float64      `json:"load_seconds,omitempty"`
	Runs            int          `json:"runs"`
	PerKPI          []kpiLatency `json:"per_kpi"`
	SlowestKPIP95MS float64      `json:"slowest_kpi_p95_ms"`
	CatalogSumP50MS float64      `json:"catalog_sum_of_p50_ms"`
	CatalogOneQuery kpiLatency   `json:"catalog_single_query"`
}

// runBenchKPI loads N generated requests (generator → transform → sla.Build,
// the code paths of ingest and refresh, without Kafka) and times every KPI of
// the catalog for one quarter grouped by partner.
func runBenchKPI(ctx context.Context, args []string) error {
	var (
		c        warehouseFlags
		requests int
		runs     int
		reuse    bool
		database string
	)
	fs := newFlagSet("bench kpi", "")
	c.clickhouse = "clickhouse://127.0.0.1:9000" // the server: bench kpi works in --database
	c.register(fs)
	fs.IntVar(&requests, "requests", 10_000_000, "service requests to load, opened over 2026")
	fs.IntVar(&runs, "runs", 7, "timed runs of each query (after one warm-up)")
	fs.BoolVar(&reuse, "reuse", false, "keep the requests loaded by an earlier run if there are as many")
	fs.StringVar(&database, "database", kpiBenchDatabase, "database of its own on the --clickhouse server; it must not exist or be one bench kpi created (the DSN's database is ignored)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if runs < 1 {
		return usagef("--runs %d: must be at least 1", runs)
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	own, err := newOwnDatabase(c.clickhouse, database, "bench kpi", log)
	if err != nil {
		return err
	}
	res := kpiBenchResult{Machine: machine(), Runs: runs}

	var conn driverConn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	if reuse {
		// Reuse only what bench kpi loaded itself: claim the database first.
		if err := own.prepare(ctx, false, log); err != nil {
			return err
		}
		if conn, err = warehouse.Open(ctx, warehouse.ConfigFor(own.dsn), log); err != nil {
			return err
		}
		var have uint64
		_ = conn.QueryRow(ctx, "SELECT count() FROM request_state FINAL").Scan(&have)
		if have != uint64(requests) {
			log.Info("bench kpi: not reusing the loaded requests", "database", own.name, "have", have, "want", requests)
			conn.Close()
			conn = nil
		}
	}
	if conn == nil {
		if conn, err = freshDatabase(ctx, own, log); err != nil {
			return err
		}
		if _, err := contracts.Load(ctx, conn, contracts.Sample()); err != nil {
			return err
		}
		start := time.Now()
		if err := loadStates(ctx, conn, requests, log); err != nil {
			return err
		}
		res.LoadSeconds = time.Since(start).Seconds()
		// Merge the parts, as a long-running table would be; FINAL then
		// has little to collapse, as in steady state.
		if err := conn.Exec(ctx, "OPTIMIZE TABLE request_state FINAL"); err != nil {
			return fmt.Errorf("optimize request_state: %w", err)
		}
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM request_state FINAL").Scan(&res.Requests); err != nil {
		return err
	}
	q := metrics.Query{
		From: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		By: []metrics.Dimension{metrics.ByPartner}, AsOf: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM request_state FINAL WHERE opened_date >= '2026-07-01' AND opened_date < '2026-10-01'").Scan(&res.QuarterRequests); err != nil {
		return err
	}
	timeQuery := func(sql string) (kpiLatency, error) {
		var ds []float64
		for i := 0; i <= runs; i++ {
			start := time.Now()
			rows, err := conn.Query(ctx, sql)
			if err != nil {
				return kpiLatency{}, err
			}
			for rows.Next() {
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return kpiLatency{}, err
			}
			if i > 0 { // the first run warms caches
				ds = append(ds, float64(time.Since(start).Microseconds())/1000)
			}
		}
		sort.Float64s(ds)
		return kpiLatency{P50MS: ds[(len(ds)-1)/2], P95MS: ds[min(len(ds)-1, int(float64(len(ds))*0.95))]}, nil
	}
	for _, k := range metrics.All() {
		if k.Expr == "" {
			continue
		}
		l, err := timeQuery(q.SQL([]metrics.KPI{k}))
		if err != nil {
			return fmt.Errorf("kpi %s: %w", k.ID, err)
		}
		l.KPI = k.ID
		res.PerKPI = append(res.PerKPI, l)
		res.CatalogSumP50MS += l.P50MS
		res.SlowestKPIP95MS = max(res.SlowestKPIP95MS, l.P95MS)
		log.Info("kpi timed", "kpi", k.ID, "p50_ms", l.P50MS, "p95_ms", l.P95MS)
	}
	if res.CatalogOneQuery, err = timeQuery(q.SQL(metrics.All())); err != nil {
		return err
	}
	res.CatalogOneQuery.KPI = "whole catalog, one query"
	tw := tabwriter.NewWriter(os.Stderr, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "KPI\tp50 ms\tp95 ms\n")
	for _, l := range append(slices.Clone(res.PerKPI), res.CatalogOneQuery) {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\n", l.KPI, l.P50MS, l.P95MS)
	}
	tw.Flush()
	return printJSON(res)
}

// loadStates generates requests opened over 2026 and builds their states with
// the code of ingest and refresh (transform.Decode*, sla.Build, MarkRepeats),
// without Kafka. It generates in slices of about two weeks so memory holds one
// slice's events; request ids and serials get the slice's prefix, as the
// generator's ids restart with each run.
func loadStates(ctx context.Context, conn driverConn, requests int, log *slog.Logger) error {
	// About 40,000 requests a slice keeps the loader under 1 GB (a request's
	// decoded events and feedback take about 20 KB).
	slices_ := max(1, min(365, requests/40_000))
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	tr, err := transform.New(transform.Config{PIIKey: []byte(devPIIKey), Now: func() time.Time { return now }})
	if err != nil {
		return err
	}
	terms := contracts.Sample()
	var policies sla.Policies
	written := 0
	year := time.Date(2026, 1, 1, 0, 0, 0, 0, shanghai())
	for k := range slices_ {
		from := year.AddDate(0, 0, k*365/slices_)
		days := (k+1)*365/slices_ - k*365/slices_
		n := requests / slices_
		if k == slices_-1 {
			n = requests - n*(slices_-1)
		}
		prefix := fmt.Sprintf("S%03d-", k)
		inputs := map[string]*sla.Input{}
		var order []string
		get := func(id string) *sla.Input {
			in := inputs[id]
			if in == nil {
				in = &sla.Input{}
				inputs[id] = in
				order = append(order, id)
			}
			return in
		}
		var offset int64
		gen := generator.Config{Seed: int64(k + 1), Tickets: n, From: from, Days: days, Now: now}
		_, err := generator.Generate(gen, func(m generator.Message) error {
			src := transform.Source{Topic: "bench", Offset: offset}
			offset++
			if m.Topic == generator.Records {
				ev, rej := tr.DecodeRecord(src, m.Value)
				if rej != nil {
					return nil
				}
				ev.RequestID, ev.ProductSerial = prefix+ev.RequestID, prefix+ev.ProductSerial
				in := get(ev.RequestID)
				in.Events = append(in.Events, ev)
				return nil
			}
			fb, rej := tr.DecodeFeedback(src, m.Value)
			if rej != nil {
				return nil
			}
			fb.RequestID = prefix + fb.RequestID
			in := get(fb.RequestID)
			in.Feedback = append(in.Feedback, fb)
			return nil
		})
		if err != nil {
			return err
		}
		states := make([]sla.Request, 0, len(order))
		for _, id := range order {
			in := inputs[id]
			created, ok := sla.Opening(in.Events)
			if !ok {
				continue
			}
			p, err := policies.For(terms, created.ContractID, created.OccurredAt)
			if err != nil {
				return err
			}
			if s, ok := sla.Build(*in, p, now); ok {
				states = append(states, s)
			}
		}
		sla.MarkRepeats(states)
		for chunk := range slices.Chunk(states, 100_000) {
			if err := sla.WriteStates(ctx, conn, chunk); err != nil {
				return err
			}
		}
		written += len(states)
		if (k+1)%10 == 0 || k+1 == slices_ {
			log.Info("bench: request states loaded", "slice", k+1, "of", slices_, "requests", written)
		}
	}
	return nil
}
