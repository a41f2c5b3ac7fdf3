package sla

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/transform"
	"servicepulse/warehouse"
)

// WriteStates inserts request states with the columns and values of
// RequestStateTable, column by column as ingest writes its facts (row-wise
// appends boxed every value of every state). Rows replace earlier
// computations of the same request (ReplacingMergeTree on computed_at).
func WriteStates(ctx context.Context, conn driver.Conn, rs []Request) error {
	if len(rs) == 0 {
		return nil
	}
	return warehouse.Insert(ctx, conn, RequestStateTable, rs)
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
// request. Copies of an event not yet collapsed by ClickHouse are removed by
// Build.
func loadInputs(ctx context.Context, conn driver.Conn, ids []string) (map[string]*Input, error) {
	return (&inputBuffers{}).load(ctx, conn, ids)
}

// inputBuffers are the slices one build's loads read rows into, reused from
// one chunk of requests to the next: the rows come sorted by request, so each
// request's events are one run of the chunk's slice. A refresh used to grow
// one small slice per request, then a fresh slice per chunk (a quarter of
// everything the live refresh allocated, and the garbage collector was half
// its CPU).
type inputBuffers struct {
	events   []transform.ServiceEvent
	feedback []transform.FeedbackEvent
}

// load is loadInputs into b's slices: what an earlier call returned is
// overwritten.
func (b *inputBuffers) load(ctx context.Context, conn driver.Conn, ids []string) (map[string]*Input, error) {
	in := make(map[string]*Input, len(ids))
	slots := make([]Input, 0, len(ids))
	get := func(id string) *Input {
		p := in[id]
		if p == nil {
			slots = append(slots, Input{})
			p = &slots[len(slots)-1]
			if len(slots) == cap(slots) { // the next append moves slots: start another
				slots = make([]Input, 0, len(ids))
			}
			in[id] = p
		}
		return p
	}
	ectx, err := warehouse.WithList(ctx, ids)
	if err != nil {
		return nil, err
	}
	rows, err := conn.Query(ectx, eventInputs.SelectSQL()+" WHERE request_id IN "+warehouse.ListTable+" ORDER BY request_id")
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	// About 8 events per request in the generated load; a request with more
	// only costs a regrowth of the slice.
	if cap(b.events) < 10*len(ids) {
		b.events = make([]transform.ServiceEvent, 0, 10*len(ids))
	}
	events := b.events[:0]
	var dest []any
	for rows.Next() {
		events = append(events, transform.ServiceEvent{})
		dest = eventInputs.Dest(dest, &events[len(events)-1])
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan event: %w", err)
		}
	}
	rows.Close()
	b.events = events
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	attach(events, func(e *transform.ServiceEvent) string { return e.RequestID }, get, func(in *Input) *[]transform.ServiceEvent { return &in.Events })
	fctx, err := warehouse.WithList(ctx, ids)
	if err != nil {
		return nil, err
	}
	rows, err = conn.Query(fctx, feedbackInputs.SelectSQL()+" WHERE request_id IN "+warehouse.ListTable+" ORDER BY request_id")
	if err != nil {
		return nil, fmt.Errorf("load feedback: %w", err)
	}
	defer rows.Close()
	feedback := b.feedback[:0]
	seen := map[string]bool{}
	for rows.Next() {
		feedback = append(feedback, transform.FeedbackEvent{})
		f := &feedback[len(feedback)-1]
		dest = feedbackInputs.Dest(dest, f)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan feedback: %w", err)
		}
		if seen[f.EventID] {
			feedback = feedback[:len(feedback)-1]
			continue
		}
		seen[f.EventID] = true
	}
	b.feedback = feedback
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load feedback: %w", err)
	}
	attach(feedback, func(f *transform.FeedbackEvent) string { return f.RequestID }, get, func(in *Input) *[]transform.FeedbackEvent { return &in.Feedback })
	return in, nil
}

// attach hands each request's run of rows (sorted by request) to its
// Input's field, without copying them.
func attach[T any](rows []T, key func(*T) string, get func(string) *Input, field func(*Input) *[]T) {
	for run := range runs(rows, key) {
		if f := field(get(key(&run[0]))); *f == nil {
			*f = run
		} else { // rows out of order: never with ORDER BY, kept correct anyway
			*f = append(*f, run...)
		}
	}
}

// runs yields the maximal runs of consecutive elements of s with the same
// key, each capped at its length so that appending to one never writes
// into the next.
func runs[T any](s []T, key func(*T) string) func(yield func([]T) bool) {
	return func(yield func([]T) bool) {
		for i := 0; i < len(s); {
			j := i + 1
			for j < len(s) && key(&s[j]) == key(&s[i]) {
				j++
			}
			if !yield(s[i:j:j]) {
				return
			}
			i = j
		}
	}
}
