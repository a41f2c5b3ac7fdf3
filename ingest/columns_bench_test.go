package ingest_test

import (
	"testing"

	"servicepulse/transform"
)

// BenchmarkLayColumns measures laying one batch of about 50k generated
// messages out column by column, as ClickHouseSink.Write hands it to the
// driver, without the server: the part of a write that the table
// declarations (transform.ServiceEventsTable, FeedbackTable) drive.
func BenchmarkLayColumns(b *testing.B) {
	batch := benchBatch(b, 50000)
	b.ReportAllocs()
	for b.Loop() {
		transform.ServiceEventsTable.ColumnsOf(batch.Events)
		transform.FeedbackTable.ColumnsOf(batch.Feedback)
	}
	b.ReportMetric(float64(b.N*(len(batch.Events)+len(batch.Feedback)))/b.Elapsed().Seconds(), "rows/s")
}
