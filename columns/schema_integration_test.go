package columns_test

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/shopspring/decimal"

	"servicepulse/columns"
	"servicepulse/internal/pipelinetest"
	"servicepulse/sla"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

// migrated opens a fresh database on the 18.16 server with every migration applied.
func migrated(t *testing.T) driver.Conn {
	t.Helper()
	return pipelinetest.Migrated(t, "", slog.New(slog.DiscardHandler))
}

// Every declaration names the columns of its table, in the table's order,
// with the types ClickHouse 18.16 reports after migration. (18.16's
// system.columns has no position column; it lists columns in table order.)
func TestIntegrationDeclarationsMatchSchema(t *testing.T) {
	conn := migrated(t)
	for _, d := range declarations() {
		rows, err := conn.Query(context.Background(),
			"SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = ?", d.table)
		if err != nil {
			t.Fatal(err)
		}
		var table []column
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.name, &c.typ); err != nil {
				t.Fatal(err)
			}
			table = append(table, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for _, diff := range schemaDiff(d, table) {
			t.Error(diff)
		}
	}
}

// at returns a distinct instant for each n, whole seconds (DateTime's precision).
func at(n int) time.Time {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * 97 * time.Minute)
}

// day returns a distinct date for each n (the precision of Date).
func day(n int) time.Time { return time.Date(2025, 6, n, 0, 0, 0, 0, time.UTC) }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// One row per declared table, every field a sentinel: strings all different,
// numbers all different, instants all different, arrays non-empty and
// different. Each is written through its declaration as production writes it
// (the facts column by column, request states through sla.WriteStates), read
// back with SELECT * by column name, without the declaration, and compared
// with the value this test put in that field, written out by hand below.
// A declaration that appends one field into another's column (region into
// channel) fails here, where the schema comparison cannot see it. Bools have
// two values only: adjacent flags differ, so a swap of neighbours shows.
func TestIntegrationRoundTripByColumnName(t *testing.T) {
	conn := migrated(t)
	ctx := context.Background()

	event := transform.ServiceEvent{
		EventID: "ev-event-id", EventType: "ev-event-type", SchemaVersion: 3, OccurredAt: at(1),
		RequestID: "ev-request-id", ContractID: "ev-contract-id", PartnerID: "ev-partner-id",
		Channel: "ev-channel", Region: "ev-region", ProductSerial: "ev-serial", ProductModel: "ev-model",
		PurchaseDate: day(2), CustomerRef: "ev-customer-ref",
		TechnicianID: "ev-technician", TechnicianCertified: true, VisitNo: 4, PlannedFollowUp: false,
		PartLineID: "ev-part-line", PartNo: "ev-part-no", PartQuantity: 5, PartFromStock: true,
		Cause: "ev-cause", Warranty: "ev-warranty", PartsFee: dec("12.34"), LabourFee: dec("56.78"), Currency: "ev-currency",
		PauseReason: "ev-pause-reason", ReopenReason: "ev-reopen-reason", HasNote: false,
		Source: transform.Source{Topic: "ev-topic", Partition: 6, Offset: 7}, IngestedAt: at(3),
	}
	insertColumns(t, conn, transform.ServiceEventsTable, event)
	check(t, conn, "service_events", map[string]any{
		"event_id": "ev-event-id", "event_type": "ev-event-type", "schema_version": uint8(3), "occurred_at": at(1),
		"request_id": "ev-request-id", "contract_id": "ev-contract-id", "partner_id": "ev-partner-id",
		"channel": "ev-channel", "region": "ev-region", "product_serial": "ev-serial", "product_model": "ev-model",
		"purchase_date": day(2), "customer_ref": "ev-customer-ref",
		"technician_id": "ev-technician", "technician_certified": uint8(1), "visit_no": uint16(4), "planned_follow_up": uint8(0),
		"part_line_id": "ev-part-line", "part_no": "ev-part-no", "part_quantity": uint16(5), "part_from_stock": uint8(1),
		"cause": "ev-cause", "warranty": "ev-warranty", "parts_fee": dec("12.34"), "labour_fee": dec("56.78"), "currency": "ev-currency",
		"pause_reason": "ev-pause-reason", "reopen_reason": "ev-reopen-reason", "has_note": uint8(0),
		"src_topic": "ev-topic", "src_partition": int32(6), "src_offset": int64(7), "ingested_at": at(3),
	})

	feedback := transform.FeedbackEvent{
		EventID: "fb-event-id", EventType: "fb-event-type", SchemaVersion: 2, OccurredAt: at(4),
		RequestID: "fb-request-id", ContractID: "fb-contract-id", PartnerID: "fb-partner-id", CustomerRef: "fb-customer-ref",
		CSAT: 4, NPS: 9, CES: 6, ComplaintID: "fb-complaint-id", ComplaintCategory: "fb-category", ComplaintSeverity: "fb-severity",
		HasComment: true, Source: transform.Source{Topic: "fb-topic", Partition: 11, Offset: 12}, IngestedAt: at(5),
	}
	insertColumns(t, conn, transform.FeedbackTable, feedback)
	check(t, conn, "feedback", map[string]any{
		"event_id": "fb-event-id", "event_type": "fb-event-type", "schema_version": uint8(2), "occurred_at": at(4),
		"request_id": "fb-request-id", "contract_id": "fb-contract-id", "partner_id": "fb-partner-id", "customer_ref": "fb-customer-ref",
		"csat": int8(4), "nps": int8(9), "ces": int8(6),
		"complaint_id": "fb-complaint-id", "complaint_category": "fb-category", "complaint_severity": "fb-severity",
		"has_comment": uint8(1), "src_topic": "fb-topic", "src_partition": int32(11), "src_offset": int64(12), "ingested_at": at(5),
	})

	reject := transform.Reject{
		Reason: "rj-reason", Detail: "rj-detail", Payload: "rj-payload", PayloadSize: 13, PayloadSHA256: "rj-sha256",
		Source: transform.Source{Topic: "rj-topic", Partition: 14, Offset: 15}, RejectedAt: at(6),
	}
	insertColumns(t, conn, transform.RejectsTable, reject)
	check(t, conn, "rejects", map[string]any{
		"src_topic": "rj-topic", "src_partition": int32(14), "src_offset": int64(15), "reason": "rj-reason",
		"detail": "rj-detail", "payload": "rj-payload", "payload_size": uint32(13), "payload_sha256": "rj-sha256",
		"rejected_at": at(6),
	})

	state := sla.Request{
		RequestID: "st-request-id", ContractID: "st-contract-id", PartnerID: "st-partner-id",
		Channel: "st-channel", Region: "st-region", ProductSerial: "st-serial", ProductModel: "st-model",
		CustomerRef: "st-customer-ref", TermsFrom: at(10), OpenedAt: at(11), OpenedDate: day(12), Status: "st-status",
		Cancelled: at(13), PausedSince: at(14), PausedBH: 1.25,
		RepliedAt: at(15), ReplyDue: at(16), ReplyBH: 2.5, OnsiteAt: at(17), OnsiteDue: at(18), OnsiteBH: 3.75,
		ResolvedAt: at(19), ResolveBH: 4.5, ClosedAt: at(20),
		Visits: 5, CertifiedVisits: 6, FirstVisitFix: true, Reopened: false, PlannedFollowUp: true, RepeatWithin30d: false, IsRepeat: true,
		Parts: []sla.PartLine{
			{LineID: "st-line-1", Due: at(21), DeliveredAt: at(22), FromStock: true},
			{LineID: "st-line-2", Due: at(23), DeliveredAt: at(24), FromStock: false},
		},
		Cause: "st-cause", Warranty: "st-warranty", PartsFee: dec("21.43"), LabourFee: dec("87.65"),
		CSAT: 7, NPS: 8, CES: 9,
		Complaints: []sla.Complaint{{ID: "st-complaint-1", Category: "st-category-1", ClosedBH: 10.5}, {ID: "st-complaint-2", Category: "st-category-2", ClosedBH: -1}},
		Events:     17, ComputedAt: at(25),
		ReplyWarn:  sla.Warnings{At50: at(26), At75: at(27), Hours: at(28)},
		OnsiteWarn: sla.Warnings{At50: at(29), At75: at(30), Hours: at(31)},
		ReplyRuns:  sla.Runs{From: []time.Time{at(38)}, To: []time.Time{at(39)}},
		OnsiteRuns: sla.Runs{From: []time.Time{at(40), at(42)}, To: []time.Time{at(41), at(43)}},
		PartWarn:   []sla.Warnings{{At50: at(32), At75: at(33), Hours: at(34)}, {At50: at(35), At75: at(36), Hours: at(37)}},
	}
	if err := sla.WriteStates(ctx, conn, []sla.Request{state}); err != nil {
		t.Fatal(err)
	}
	check(t, conn, "request_state", map[string]any{
		"request_id": "st-request-id", "contract_id": "st-contract-id", "partner_id": "st-partner-id",
		"channel": "st-channel", "region": "st-region", "product_serial": "st-serial", "product_model": "st-model",
		"customer_ref": "st-customer-ref", "terms_from": at(10), "opened_at": at(11), "opened_date": day(12), "status": "st-status",
		"cancelled_at": at(13), "paused_since": at(14), "paused_bh": 1.25,
		"replied_at": at(15), "reply_due": at(16), "reply_bh": 2.5, "onsite_at": at(17), "onsite_due": at(18), "onsite_bh": 3.75,
		"resolved_at": at(19), "resolve_bh": 4.5, "closed_at": at(20),
		"visits": uint16(5), "certified_visits": uint16(6),
		"first_visit_fix": uint8(1), "reopened": uint8(0), "planned_follow_up": uint8(1), "repeat_within_30d": uint8(0), "is_repeat": uint8(1),
		"part_due": []time.Time{at(21), at(23)}, "part_delivered_at": []time.Time{at(22), at(24)}, "part_from_stock": []uint8{1, 0},
		"cause": "st-cause", "warranty": "st-warranty", "parts_fee": dec("21.43"), "labour_fee": dec("87.65"),
		"csat": int8(7), "nps": int8(8), "ces": int8(9),
		"complaints": uint16(2), "complaint_category": []string{"st-category-1", "st-category-2"}, "complaint_close_bh": []float64{10.5, -1},
		"events": uint32(17), "computed_at": at(25),
		"reply_warn_50": at(26), "reply_warn_75": at(27), "reply_warn_hours": at(28),
		"onsite_warn_50": at(29), "onsite_warn_75": at(30), "onsite_warn_hours": at(31),
		"reply_runs_from": []time.Time{at(38)}, "reply_runs_to": []time.Time{at(39)},
		"onsite_runs_from": []time.Time{at(40), at(42)}, "onsite_runs_to": []time.Time{at(41), at(43)},
		"part_warn_50": []time.Time{at(32), at(35)}, "part_warn_75": []time.Time{at(33), at(36)}, "part_warn_hours": []time.Time{at(34), at(37)},
	})
}

// insertColumns writes one row through its declaration, column by column, as
// the ingest sink does.
func insertColumns[T any](t *testing.T, conn driver.Conn, table *columns.Table[T], row T) {
	t.Helper()
	if err := warehouse.Insert(context.Background(), conn, table, []T{row}); err != nil {
		t.Fatal(err)
	}
}

// check reads the only row of table by column name and compares each column
// with want, which must name every column of the table.
func check(t *testing.T, conn driver.Conn, table string, want map[string]any) {
	t.Helper()
	got := readByName(t, conn, table)
	var names []string
	for name := range got {
		names = append(names, name)
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		g, inTable := got[name]
		w, expected := want[name]
		switch {
		case !expected:
			t.Errorf("%s.%s = %#v: the test has no expectation for this column", table, name, g)
		case !inTable:
			t.Errorf("%s.%s: no such column in the table", table, name)
		case !same(g, w):
			t.Errorf("%s.%s = %s, want %s", table, name, show(g), show(w))
		}
	}
}

// readByName returns the table's only row as column name → value, scanned
// into the Go type the driver reports for each column.
func readByName(t *testing.T, conn driver.Conn, table string) map[string]any {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types := rows.ColumnTypes()
	out := map[string]any{}
	n := 0
	for rows.Next() {
		n++
		dest := make([]any, len(types))
		for i, c := range types {
			dest[i] = reflect.New(c.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		for i, c := range types {
			out[c.Name()] = reflect.ValueOf(dest[i]).Elem().Interface()
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%s holds %d rows, want the 1 written", table, n)
	}
	return out
}

// same compares a value read back with the one expected: instants by
// Equal, decimals by value, everything else (types included) exactly.
func same(got, want any) bool {
	switch w := want.(type) {
	case time.Time:
		g, ok := got.(time.Time)
		return ok && g.Equal(w)
	case []time.Time:
		g, ok := got.([]time.Time)
		return ok && slices.EqualFunc(g, w, time.Time.Equal)
	case decimal.Decimal:
		g, ok := got.(decimal.Decimal)
		return ok && g.Equal(w)
	}
	return reflect.DeepEqual(got, want)
}

func show(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.DateTime)
	case decimal.Decimal:
		return x.String()
	}
	return fmt.Sprintf("%#v", v)
}
