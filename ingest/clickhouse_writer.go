package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/columns"
	"servicepulse/transform"
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
		if err := insert(ctx, s.conn, transform.ServiceEventsTable, b.Events); err != nil {
			return err
		}
	}
	if len(b.Feedback) > 0 {
		for i := range b.Feedback {
			b.Feedback[i].IngestedAt = now
		}
		if err := insert(ctx, s.conn, transform.FeedbackTable, b.Feedback); err != nil {
			return err
		}
	}
	if len(b.Rejects) > 0 {
		for i := range b.Rejects {
			b.Rejects[i].RejectedAt = now
		}
		if err := insert(ctx, s.conn, transform.RejectsTable, b.Rejects); err != nil {
			return err
		}
	}
	return nil
}

// insert writes rows into the table of their declaration column by column:
// the driver appends whole columns far faster than row by row.
func insert[T any](ctx context.Context, conn driver.Conn, table *columns.Table[T], rows []T) error {
	batch, err := conn.PrepareBatch(ctx, table.InsertSQL())
	if err != nil {
		return fmt.Errorf("prepare insert into %s: %w", table.Name(), err)
	}
	defer batch.Abort()
	if err := table.AppendColumns(rows, func(i int, values any) error {
		if err := batch.Column(i).Append(values); err != nil {
			return fmt.Errorf("insert into %s: column %s: %w", table.Name(), table.Names()[i], err)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert into %s: %w", table.Name(), err)
	}
	return nil
}
