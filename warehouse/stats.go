package warehouse

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Stats counts what the pipeline has stored, as KPI queries see it: after
// deduplication, so a message delivered twice counts once.
type Stats struct {
	Events           uint64            `json:"events"`             // rows of service_events
	Feedback         uint64            `json:"feedback"`           // rows of feedback
	Rejected         uint64            `json:"rejected"`           // rows of rejects
	RejectedByReason map[string]uint64 `json:"rejected_by_reason"` // rows of rejects per reason; never nil
}

// ReadStats counts the rows of the fact tables. It reads with FINAL, which
// collapses copies that ReplacingMergeTree has not merged yet; that costs a
// merge at read time, fine for a status report, not for a dashboard loop.
func ReadStats(ctx context.Context, conn driver.Conn) (Stats, error) {
	s := Stats{RejectedByReason: map[string]uint64{}}
	for _, c := range []struct {
		table string
		n     *uint64
	}{{"service_events", &s.Events}, {"feedback", &s.Feedback}} {
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+c.table+" FINAL").Scan(c.n); err != nil {
			return Stats{}, fmt.Errorf("count %s: %w", c.table, err)
		}
	}

	rows, err := conn.Query(ctx, "SELECT reason, count() FROM rejects FINAL GROUP BY reason")
	if err != nil {
		return Stats{}, fmt.Errorf("count rejects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			reason string
			n      uint64
		)
		if err := rows.Scan(&reason, &n); err != nil {
			return Stats{}, fmt.Errorf("count rejects: %w", err)
		}
		s.RejectedByReason[reason] = n
		s.Rejected += n
	}
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("count rejects: %w", err)
	}
	return s, nil
}
