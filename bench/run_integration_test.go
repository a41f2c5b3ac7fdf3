package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"servicepulse/bench"
	"servicepulse/generator"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
)

// Run prints every figure the issue asks for, each one measured: both
// end-to-end passes stored exactly the generated rows, every sampled request
// showed its last event in request_state, and the refresh-on pass had a
// final refresh.
func TestIntegrationRun(t *testing.T) {
	t.Parallel()
	server, conn := testenv.Server(t)
	database := testenv.DatabaseName(t, conn, "bench")
	var out bytes.Buffer
	err := bench.Run(context.Background(), bench.Config{ClickHouse: server, Database: database,
		Generator: generator.Config{Tickets: 2000, BadRate: 0.01}, Workers: 1, BatchRows: 50000,
		Executable: testenv.Binary(t), Log: slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), nil)), Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("Run printed %q: %v", out.String(), err)
	}
	positive := []string{"e2e_events_per_s", "e2e_no_refresh_events_per_s", "raw_rows_per_s", "worker_peak_rss_bytes",
		"worker_peak_rss_no_refresh_bytes", "freshness_p50_s", "freshness_p95_s", "final_refresh_s",
		"e2e_fraction_of_raw", "e2e_no_refresh_fraction_of_raw", "worker_cpu_s", "worker_no_refresh_cpu_s",
		"live_refresh_longest_wait_s"}
	for _, k := range positive {
		if v, ok := res[k].(float64); !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive number", k, res[k])
		}
	}
	// The final refresh rebuilds only what the live refresh had not yet
	// (sla.Refresher.RefreshCommitted): none or some, never a negative.
	if v, ok := res["final_refresh_requests"].(float64); !ok || v < 0 {
		t.Errorf("final_refresh_requests = %v, want a number ≥ 0", res["final_refresh_requests"])
	}
	// At least the first, watermark refresh finishes: the refresher lets
	// the refresh in flight at ingest's end finish. It wrote states when
	// it saw some of the rows, so either both counts are positive or no
	// state was written yet (the first refresh ran before the first row).
	if n, states := res["live_refreshes"], res["live_refresh_states"]; n == nil || n.(float64) < 1 || states == nil || states.(float64) < 0 {
		t.Errorf("live_refreshes = %v, live_refresh_states = %v; want at least 1 and a count ≥ 0", n, states)
	}
	if res["accounted_exactly"] != true || res["freshness_sampled"] != float64(200) || res["freshness_unseen"] != float64(0) {
		t.Errorf("accounted_exactly %v, freshness_sampled %v, freshness_unseen %v; want true, 200, 0",
			res["accounted_exactly"], res["freshness_sampled"], res["freshness_unseen"])
	}
	if p50, p95, top := res["freshness_p50_s"].(float64), res["freshness_p95_s"].(float64), res["freshness_max_s"].(float64); p50 > p95 || p95 > top {
		t.Errorf("freshness p50 %v, p95 %v, max %v: want them in that order", p50, p95, top)
	}
	if t.Failed() {
		t.Logf("Run printed:\n%s", out.String())
	}
}
