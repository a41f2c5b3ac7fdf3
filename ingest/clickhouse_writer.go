package ingest

import (
	"context"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/transform"
	"servicepulse/warehouse"
)

// ClickHouseSink writes batches into the fact tables and the rejects table.
// Writes are idempotent because of the tables' engines (see package doc).
type ClickHouseSink struct {
	conn driver.Conn
	now  func() time.Time
}

// NewClickHouseSink returns a sink writing through conn.
func NewClickHouseSink(conn driver.Conn) *ClickHouseSink {
	return &ClickHouseSink{conn: conn, now: time.Now}
}

// Write inserts the batch's rows, one insert per table, with the columns and
// values their declarations in package transform give. It stamps the rows
// with the time of the write (ingested_at, rejected_at). A failed write may
// have stored some rows; the retry stores them again, which the engines collapse.
func (s *ClickHouseSink) Write(ctx context.Context, b *Batch) error {
	now := s.now().UTC().Truncate(time.Second)
	if len(b.Events) > 0 {
		for i := range b.Events {
			b.Events[i].IngestedAt = now
		}
		if err := warehouse.Insert(ctx, s.conn, transform.ServiceEventsTable, b.Events); err != nil {
			return err
		}
	}
	if len(b.Feedback) > 0 {
		for i := range b.Feedback {
			b.Feedback[i].IngestedAt = now
		}
		if err := warehouse.Insert(ctx, s.conn, transform.FeedbackTable, b.Feedback); err != nil {
			return err
		}
	}
	if len(b.Rejects) > 0 {
		for i := range b.Rejects {
			b.Rejects[i].RejectedAt = now
		}
		if err := warehouse.Insert(ctx, s.conn, transform.RejectsTable, b.Rejects); err != nil {
			return err
		}
	}
	return nil
}
