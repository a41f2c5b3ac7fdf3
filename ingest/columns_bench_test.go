package ingest_test

import (
	"testing"

	"servicepulse/transform"
)

// BenchmarkLayColumns measures laying one batch of about 50k generated
// messages out column by column, as ClickHouseSink.Write hands it to the
// driver (AppendColumns, a chunk at a time), without the server: the part of
// a write that the table declarations (transform.ServiceEventsTable,
// FeedbackTable) drive.
func BenchmarkLayColumns(b *testing.B) {
	batch := benchBatch(b, 50000)
	discard := func(int, any) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := transform.ServiceEventsTable.AppendColumns(batch.Events, discard); err != nil {
			b.Fatal(err)
		}
		if err := transform.FeedbackTable.AppendColumns(batch.Feedback, discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*(len(batch.Events)+len(batch.Feedback)))/b.Elapsed().Seconds(), "rows/s")
}
