package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"servicepulse/bench"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
)

// RunRefresh loads facts and states, then each cycle rebuilds the changed
// requests and the few on their serials, not the table: with 40 of 1,500
// requests changed, a cycle that rebuilt more than twice as many would have
// found its work by something other than the change log.
func TestIntegrationRunRefresh(t *testing.T) {
	t.Parallel()
	server, conn := testenv.Server(t)
	database := testenv.DatabaseName(t, conn, "bench_refresh")
	var out bytes.Buffer
	err := bench.RunRefresh(context.Background(), bench.RefreshConfig{ClickHouse: server, Database: database, Requests: 1500,
		Changed: 40, Cycles: 1, Log: slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), nil)), Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	var res bench.RefreshResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("RunRefresh printed %q: %v", out.String(), err)
	}
	if res.Requests != 1500 || res.FactRows < 8000 || res.LoadSeconds <= 0 || len(res.Cycles) != 2 {
		t.Fatalf("RunRefresh: %+v; want 1,500 requests with their facts, one cycle of each kind", res)
	}
	for _, c := range res.Cycles {
		if c.Requests < 40 || c.Requests > 80 {
			t.Errorf("%s cycle rebuilt %d requests; want the 40 changed and the few on their serials", c.Path, c.Requests)
		}
	}
	// The re-delivered copies collapse: one creation event per request.
	if n := testenv.Count(t, conn, "SELECT uniqExact(request_id) FROM `"+database+"`.service_events WHERE event_type = 'request_created'"); n != 1500 {
		t.Errorf("%d requests have a creation event; want 1,500", n)
	}
}
