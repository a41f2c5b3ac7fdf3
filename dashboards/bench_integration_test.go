package dashboards

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
)

// BenchmarkIntegrationDashboards times what a quality manager's dashboards
// ask ClickHouse: every SQL query of every dashboard (panels and variables)
// and of the alert rules, expanded as the plugin expands them with every
// variable at All, over request states filled straight into request_state
// (10,000,000 opened over 2026; SERVICEPULSE_BENCH_REQUESTS overrides),
// for a quarter (2026-Q3) and for the year. Each query runs three times
// and counts its median; each dashboard reports the sum of its queries and
// its slowest. The figures go to stdout as one JSON object, and the year's
// sums as benchmark metrics. Targets ([5/7]): over the year of 10M, under
// 3 s per dashboard and no query over 1 s. (The pipeline's own panels read
// service_events and rejects, which this fill leaves empty: they cost
// nothing here.) SERVICEPULSE_BENCH_DASHBOARDS (uids, comma-separated)
// times those dashboards only.
func BenchmarkIntegrationDashboards(b *testing.B) {
	n := pipelinetest.BenchRequests(b)
	ctx := context.Background()
	conn := pipelinetest.Migrated(b, "", slog.New(slog.NewTextHandler(pipelinetest.LogSink(b), nil)))
	pipelinetest.FillStates(b, conn, n, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 365)
	// As ingest and refresh leave it: the daily rollup of every month.
	t0 := time.Now()
	months, err := metrics.NewRollups(conn, slog.New(slog.NewTextHandler(pipelinetest.LogSink(b), nil))).Refresh(ctx, false)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built the daily rollup of %d months in %s", months, time.Since(t0).Round(time.Millisecond))
	var db string
	if err := conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
		b.Fatal(err)
	}
	set := testSetFor(b, db)
	ranges := []struct {
		name string
		r    timeRange
	}{
		{"quarter", q3},
		{"year", timeRange{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			To: time.Date(2026, 12, 31, 23, 59, 59, 999e6, time.UTC), Interval: 24 * time.Hour}},
	}
	type slowest struct {
		Panel   string  `json:"panel"`
		Seconds float64 `json:"seconds"`
	}
	type timing struct {
		Queries    int       `json:"queries"`
		SumSeconds float64   `json:"sum_s"`
		Slowest    slowest   `json:"slowest"`
		Each       []slowest `json:"each"` // every query's median, in the dashboard's order
	}
	only := strings.Split(os.Getenv("SERVICEPULSE_BENCH_DASHBOARDS"), ",") // uids; empty: all
	out := map[string]map[string]*timing{}                                 // range → dashboard uid → timing
	b.ResetTimer()
	for b.Loop() {
		for _, rg := range ranges {
			per := map[string]*timing{}
			out[rg.name] = per
			for _, q := range set.Queries() {
				if only[0] != "" && !slices.Contains(only, q.Dashboard) {
					continue
				}
				sql, err := expandFor(q, rg.r, nil)
				if err != nil {
					b.Fatalf("%s/%s: %v", q.Dashboard, q.Panel, err)
				}
				var runs []float64
				for range 3 {
					t0 := time.Now()
					rows, err := conn.Query(ctx, sql)
					if err == nil {
						for rows.Next() {
						}
						err = rows.Err()
						rows.Close()
					}
					if err != nil {
						b.Fatalf("%s/%s: %v\n%s", q.Dashboard, q.Panel, err, sql)
					}
					runs = append(runs, time.Since(t0).Seconds())
				}
				slices.Sort(runs)
				t := per[q.Dashboard]
				if t == nil {
					t = &timing{}
					per[q.Dashboard] = t
				}
				t.Queries++
				t.SumSeconds += runs[1]
				t.Each = append(t.Each, slowest{Panel: q.Panel, Seconds: runs[1]})
				if runs[1] > t.Slowest.Seconds {
					t.Slowest = slowest{Panel: q.Panel, Seconds: runs[1]}
				}
			}
		}
	}
	b.StopTimer()
	for uid, t := range out["year"] {
		b.ReportMetric(t.SumSeconds, uid+"_year_s")
	}
	j, err := json.MarshalIndent(map[string]any{"requests": n, "dashboards": out}, "", "  ")
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintln(os.Stdout, string(j))
}
