package sla

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/shopspring/decimal"

	"servicepulse/columns"
	"servicepulse/metrics"
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

// The columns of the fact tables that explaining a request shows (package
// sla/timeline: LoadInputs), and that Build reads.
var (
	eventInputs = transform.ServiceEventsTable.Subset("event_id", "event_type", "occurred_at", "request_id", "contract_id", "partner_id",
		"channel", "region", "product_serial", "product_model", "customer_ref",
		"technician_id", "technician_certified", "visit_no", "planned_follow_up",
		"part_line_id", "part_no", "part_from_stock", "cause", "warranty", "parts_fee", "labour_fee", "pause_reason")
	feedbackInputs = transform.FeedbackTable.Subset("event_id", "event_type", "occurred_at", "request_id", "csat", "nps", "ces",
		"complaint_id", "complaint_category")
)

// What a refresh reads of the fact tables: what Build uses, and no more.
// The driver allocates twice for every non-empty string it scans (a copy,
// then its box), a decimal costs it a big.Int and every String column a
// length decode per row, empty or not: a refresh of 200,000 requests spent
// a third of its Go time loading, and the garbage collector much of the
// rest. So the event type comes as its place in transform's list (a small
// integer, which the driver hands over without allocating), and the
// strings that only some event types carry come packed, each into one
// column that is ” on the other events (see packed): the request's own
// attributes on its creation events (Opening), the part line, resolution,
// fees and pause reason on the events Build reads them of. Twelve String
// columns became two; technician_id and part_no, which Build never reads,
// are left out.
var (
	stateEventInputs = columns.NewTable("service_events", append(
		transform.ServiceEventsTable.Subset("event_id", "event_type", "occurred_at", "request_id",
			"technician_certified", "visit_no", "planned_follow_up", "part_from_stock").Columns(),
		readOnly("request_attributes", func(e *transform.ServiceEvent) any { return requestAttributes{e} }),
		readOnly("event_details", func(e *transform.ServiceEvent) any { return eventDetails{e} }),
	)...).Reading(map[string]columns.Read[transform.ServiceEvent]{
		"event_type":         {Expr: typeIndex(transform.RecordTypes), Dest: func(e *transform.ServiceEvent) any { return recordType{&e.EventType} }},
		"request_attributes": {Expr: packed([]string{transform.RequestCreated}, requestAttributeColumns...)},
		"event_details": {Expr: packed([]string{transform.PartRequested, transform.PartDelivered, transform.Resolved, transform.ClockPaused},
			eventDetailColumns...)},
	})
	stateFeedbackInputs = feedbackInputs.Reading(map[string]columns.Read[transform.FeedbackEvent]{
		"event_type": {Expr: typeIndex(transform.FeedbackTypes), Dest: func(f *transform.FeedbackEvent) any { return feedbackType{&f.EventType} }},
	})
)

// The columns packed into request_attributes and event_details, in the
// order requestAttributes and eventDetails unpack them.
var (
	requestAttributeColumns = []string{"contract_id", "partner_id", "channel", "region", "product_serial", "product_model", "customer_ref"}
	eventDetailColumns      = []string{"part_line_id", "cause", "warranty", "pause_reason", "toString(parts_fee)", "toString(labour_fee)"}
)

// readOnly declares a String column a query computes (Reading gives its
// expression), scanned into dest; it is never written.
func readOnly(name string, dest func(*transform.ServiceEvent) any) columns.Column[transform.ServiceEvent] {
	return columns.Of(name, "String", func(*transform.ServiceEvent) string { return "" }, dest)
}

// packed is the expression of cols packed into one string on events of the
// given types, ” on the others: each value as its length in bytes, ':',
// then the value itself, so any byte may occur in a value (region, serial
// and model are free text). unpack reads it back.
func packed(types []string, cols ...string) string {
	parts := make([]string, 0, 3*len(cols))
	for _, c := range cols {
		parts = append(parts, "toString(length("+c+"))", "':'", c)
	}
	return "if(event_type IN (" + metrics.QuoteList(types) + "), concat(" + strings.Join(parts, ", ") + "), '')"
}

// unpack splits a packed string into dst, each a substring of s (one
// allocation, the driver's, for them all); ” sets every one to ”.
func unpack(v any, dst ...*string) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("scan %T into packed columns", v)
	}
	if s == "" {
		for _, d := range dst {
			*d = ""
		}
		return nil
	}
	for _, d := range dst {
		n, rest, ok := strings.Cut(s, ":")
		size, err := strconv.Atoi(n)
		if !ok || err != nil || size < 0 || size > len(rest) {
			return fmt.Errorf("read packed columns: malformed at %q", s)
		}
		*d, s = rest[:size], rest[size:]
	}
	if s != "" {
		return fmt.Errorf("read packed columns: %d bytes left over", len(s))
	}
	return nil
}

// requestAttributes scans request_attributes into its event; eventDetails
// scans event_details. One pointer each: boxing them allocates nothing.
type (
	requestAttributes struct{ e *transform.ServiceEvent }
	eventDetails      struct{ e *transform.ServiceEvent }
)

func (d requestAttributes) Scan(v any) error {
	e := d.e
	return unpack(v, &e.ContractID, &e.PartnerID, &e.Channel, &e.Region, &e.ProductSerial, &e.ProductModel, &e.CustomerRef)
}

func (d eventDetails) Scan(v any) error {
	e := d.e
	var parts, labour string
	if err := unpack(v, &e.PartLineID, &e.Cause, &e.Warranty, &e.PauseReason, &parts, &labour); err != nil {
		return err
	}
	var err error
	if e.PartsFee, err = centsOf(parts); err != nil {
		return err
	}
	e.LabourFee, err = centsOf(labour)
	return err
}

// typeIndex is the expression of an event's place in types: 1 for the
// first, 0 for a type not in it.
func typeIndex(types []string) string {
	return "toUInt8(indexOf([" + metrics.QuoteList(types) + "], event_type))"
}

// recordType and feedbackType scan typeIndex into the type's name. A type
// this binary does not know (a newer one wrote it) reads as ”, which
// Build ignores as it ignores the unknown name.
type (
	recordType   struct{ p *string }
	feedbackType struct{ p *string }
)

func (d recordType) Scan(v any) error   { return scanType(d.p, v, transform.RecordTypes) }
func (d feedbackType) Scan(v any) error { return scanType(d.p, v, transform.FeedbackTypes) }

func scanType(p *string, v any, types []string) error {
	i, ok := v.(uint8)
	if !ok {
		return fmt.Errorf("scan %T into an event type", v)
	}
	*p = ""
	if i >= 1 && int(i) <= len(types) {
		*p = types[i-1]
	}
	return nil
}

// zeroCents is what an unsent fee reads as. Decimals are values that no
// operation changes, so one is shared.
var zeroCents = decimal.New(0, -2)

// centsOf reads ClickHouse's text of a Decimal(18, 2) (” when not sent) as
// the decimal the driver makes of the column itself: decimal.New(units of
// 0.01, -2).
func centsOf(s string) (decimal.Decimal, error) {
	if s == "" {
		return zeroCents, nil
	}
	n, err := parseCents(s)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return decimal.New(n, -2), nil
}

// parseCents reads ClickHouse's text of a Decimal(18, 2), [-]digits[.d[d]],
// as a count of 0.01; eighteen digits fit an int64.
func parseCents(s string) (int64, error) {
	text, neg := s, strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || len(whole)+2 > 18 {
		return 0, badCents(text)
	}
	var n int64
	for _, part := range [...]string{whole, frac, "00"[len(frac):]} {
		for _, c := range []byte(part) {
			if c < '0' || c > '9' {
				return 0, badCents(text)
			}
			n = n*10 + int64(c-'0')
		}
	}
	if neg {
		n = -n
	}
	return n, nil
}

func badCents(s string) error {
	return fmt.Errorf("read money %q: want [-]digits[.digits], two decimals at most", s)
}

// The columns of each input table a read takes, and how.
type inputColumns struct {
	events   *columns.Table[transform.ServiceEvent]
	feedback *columns.Table[transform.FeedbackEvent]
}

var (
	allInputs   = inputColumns{eventInputs, feedbackInputs}           // LoadInputs
	stateInputs = inputColumns{stateEventInputs, stateFeedbackInputs} // the refresh
)

// loadInputs reads the events and feedback of the given requests, grouped by
// request, every column eventInputs and feedbackInputs name. Copies of an
// event not yet collapsed by ClickHouse are removed by Build.
func loadInputs(ctx context.Context, conn driver.Conn, ids []string) (map[string]*Input, error) {
	return (&inputBuffers{}).load(ctx, conn, ids, allInputs)
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
func (b *inputBuffers) load(ctx context.Context, conn driver.Conn, ids []string, cols inputColumns) (map[string]*Input, error) {
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
	// In Build's order within each request: its sort (order) then finds
	// them sorted, which costs it a comparison an event.
	rows, err := conn.Query(ectx, cols.events.SelectSQL()+" WHERE request_id IN "+warehouse.ListTable+" ORDER BY request_id, occurred_at, event_id")
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
		dest = cols.events.Dest(dest, &events[len(events)-1])
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
	rows, err = conn.Query(fctx, cols.feedback.SelectSQL()+" WHERE request_id IN "+warehouse.ListTable+" ORDER BY request_id")
	if err != nil {
		return nil, fmt.Errorf("load feedback: %w", err)
	}
	defer rows.Close()
	feedback := b.feedback[:0]
	seen := map[string]bool{}
	for rows.Next() {
		feedback = append(feedback, transform.FeedbackEvent{})
		f := &feedback[len(feedback)-1]
		dest = cols.feedback.Dest(dest, f)
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
