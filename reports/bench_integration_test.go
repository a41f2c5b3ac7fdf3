package reports_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
	"servicepulse/reports"
)

// BenchmarkIntegrationQuarterReport builds the report of 2026-Q3 over
// synthetic request states written straight into request_state (default 10
// million requests over 2026-03 … 2026-09, so the trend quarters have data
// too; SERVICEPULSE_BENCH_REQUESTS overrides). Target ([5/7]): under 15 s
// per report, under 1 GB allocated.
func BenchmarkIntegrationQuarterReport(b *testing.B) {
	n := pipelinetest.BenchRequests(b)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(pipelinetest.LogSink(b), nil))
	conn := pipelinetest.Migrated(b, "", log)
	pipelinetest.FillStates(b, conn, n, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 214)
	p, _ := reports.ParsePeriod("2026-Q3")
	asOf := time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for b.Loop() {
		if _, err := reports.Build(ctx, conn, p, asOf, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "requests")
}
