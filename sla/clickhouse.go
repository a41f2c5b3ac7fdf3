package sla

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/metrics"
	"servicepulse/transform"
)

// WriteStates inserts request states, row by row, with the columns and values
// of RequestStateTable. Rows replace earlier computations of the same request
// (ReplacingMergeTree on computed_at).
func WriteStates(ctx context.Context, conn driver.Conn, rs []Request) error {
	if len(rs) == 0 {
		return nil
	}
	batch, err := conn.PrepareBatch(ctx, RequestStateTable.InsertSQL())
	if err != nil {
		return fmt.Errorf("prepare insert into request_state: %w", err)
	}
	defer batch.Abort()
	var values []any
	for i := range rs {
		values = RequestStateTable.Row(values, &rs[i])
		if err := batch.Append(values...); err != nil {
			return fmt.Errorf("append state of %s: %w", rs[i].RequestID, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d request states: %w", len(rs), err)
	}
	return nil
}

// The columns Build reads of the fact tables.
var (
	eventInputs = transform.ServiceEventsTable.Subset("event_id", "event_type", "occurred_at", "request_id", "contract_id", "partner_id",
		"channel", "region", "product_serial", "product_model", "customer_ref",
		"technician_id", "technician_certified", "visit_no", "planned_follow_up",
		"part_line_id", "part_no", "part_from_stock", "cause", "warranty", "parts_fee", "labour_fee", "pause_reason")
	feedbackInputs = transform.FeedbackTable.Subset("event_id", "event_type", "occurred_at", "request_id", "csat", "nps", "ces",
		"complaint_id", "complaint_category")
)

// loadInputs reads the events and feedback of the given requests, grouped by
// request. Copies of an event not yet collapsed by ClickHouse are removed by Build.
func loadInputs(ctx context.Context, conn driver.Conn, ids []string) (map[string]*Input, error) {
	in := make(map[string]*Input, len(ids))
	get := func(id string) *Input {
		if in[id] == nil {
			in[id] = &Input{}
		}
		return in[id]
	}
	list := metrics.QuoteList(ids)
	rows, err := conn.Query(ctx, eventInputs.SelectSQL()+" WHERE request_id IN ("+list+")")
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	var dest []any
	for rows.Next() {
		var e transform.ServiceEvent
		dest = eventInputs.Dest(dest, &e)
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan event: %w", err)
		}
		get(e.RequestID).Events = append(get(e.RequestID).Events, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	rows, err = conn.Query(ctx, feedbackInputs.SelectSQL()+" WHERE request_id IN ("+list+")")
	if err != nil {
		return nil, fmt.Errorf("load feedback: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var f transform.FeedbackEvent
		dest = feedbackInputs.Dest(dest, &f)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan feedback: %w", err)
		}
		if seen[f.EventID] {
			continue
		}
		seen[f.EventID] = true
		get(f.RequestID).Feedback = append(get(f.RequestID).Feedback, f)
	}
	return in, rows.Err()
}
