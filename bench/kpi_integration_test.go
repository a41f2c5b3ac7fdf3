package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"servicepulse/bench"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
)

// RunKPI loads the requests asked for through sla.BuildStates, each with a
// state, and times every KPI; with Reuse, a second run keeps them.
func TestIntegrationRunKPI(t *testing.T) {
	t.Parallel()
	server, conn := testenv.Server(t)
	database := testenv.DatabaseName(t, conn, "bench_kpi")
	run := func(reuse bool) bench.KPIResult {
		var out, table bytes.Buffer
		err := bench.RunKPI(context.Background(), bench.KPIConfig{ClickHouse: server, Database: database, Requests: 300, Runs: 1,
			Reuse: reuse, Log: slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), nil)), Stdout: &out, Stderr: &table})
		if err != nil {
			t.Fatal(err)
		}
		var res bench.KPIResult
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("RunKPI printed %q: %v", out.String(), err)
		}
		if !bytes.Contains(table.Bytes(), []byte("whole catalog, one query")) || !bytes.Contains(table.Bytes(), []byte(fmt.Sprintf("whole catalog, %d queries at once", bench.ConcurrentCatalogs))) {
			t.Errorf("RunKPI's table lacks the catalog's line:\n%s", table.String())
		}
		return res
	}
	res := run(false)
	if res.Requests != 300 || res.LoadSeconds <= 0 || res.QuarterRequests == 0 || res.QuarterRequests >= 300 || len(res.PerKPI) == 0 || res.Runs != 1 {
		t.Fatalf("RunKPI: %+v; want 300 requests loaded, some but not all in the quarter, per-KPI timings", res)
	}
	if res.CatalogOneQuery.P95MS <= 0 || res.CatalogConcurrent.P95MS <= 0 {
		t.Errorf("RunKPI timed the catalog in %+v alone and %+v six at once; want both", res.CatalogOneQuery, res.CatalogConcurrent)
	}
	// Repeats are judged within a slice's requests, as the refresher judges
	// them among the requests on a serial.
	if n := testenv.Count(t, conn, "SELECT count() FROM `"+database+"`.request_state FINAL WHERE is_repeat = 1"); n == 0 {
		t.Error("no loaded request is a repeat repair; the generator makes some")
	}
	again := run(true)
	if again.Requests != 300 || again.LoadSeconds != 0 {
		t.Fatalf("RunKPI with Reuse: %+v, want the 300 requests kept (no load)", again)
	}
}
