package ingest_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/pipelinetest"
	"servicepulse/transform"
)

// benchBatch decodes generated traffic into one batch of about n messages.
func benchBatch(b *testing.B, n int) *ingest.Batch {
	b.Helper()
	tr, err := transform.New(transform.Config{PIIKey: testKey})
	if err != nil {
		b.Fatal(err)
	}
	return pipelinetest.Decoded(b, tr, generator.Config{Seed: 1, Tickets: n / 9, Now: time.Now()})
}

// BenchmarkIntegrationClickHouseSink measures writing one 50k-message batch
// into the real ClickHouse server (the raw bound of the pipeline).
func BenchmarkIntegrationClickHouseSink(b *testing.B) {
	ctx := context.Background()
	conn := pipelinetest.Migrated(b, "", slog.New(slog.DiscardHandler))
	batch := benchBatch(b, 50000)
	sink := ingest.NewClickHouseSink(conn)
	b.ResetTimer()
	for b.Loop() {
		if err := sink.Write(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*(len(batch.Events)+len(batch.Feedback)))/b.Elapsed().Seconds(), "rows/s")
}
