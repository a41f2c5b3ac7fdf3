package transform

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var (
	decimalType = reflect.TypeOf(decimal.Decimal{})
	timeType    = reflect.TypeOf(time.Time{})
)

// diffRows compares every field of two rows. Decimals must be Equal and print
// the same; times must be the same instant, both in UTC.
func diffRows(got, want any) []string {
	var diffs []string
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < g.NumField(); i++ {
		name := g.Type().Field(i).Name
		gf, wf := g.Field(i), w.Field(i)
		switch gf.Type() {
		case decimalType:
			gd, wd := gf.Interface().(decimal.Decimal), wf.Interface().(decimal.Decimal)
			if !gd.Equal(wd) || gd.String() != wd.String() {
				diffs = append(diffs, fmt.Sprintf("%s = %s, want %s", name, gd, wd))
			}
		case timeType:
			gt, wt := gf.Interface().(time.Time), wf.Interface().(time.Time)
			if !gt.Equal(wt) || (!gt.IsZero() && gt.Location() != time.UTC) {
				diffs = append(diffs, fmt.Sprintf("%s = %v, want %v (UTC)", name, gt, wt))
			}
		default:
			if !reflect.DeepEqual(gf.Interface(), wf.Interface()) {
				diffs = append(diffs, fmt.Sprintf("%s = %#v, want %#v", name, gf.Interface(), wf.Interface()))
			}
		}
	}
	return diffs
}

// baseRecord is the row of the envelope of the base messages.
func baseRecord(eventType string) ServiceEvent {
	return ServiceEvent{
		EventID: "e-1", EventType: eventType, SchemaVersion: 1, OccurredAt: baseOccurredAt,
		RequestID: "SR-1", ContractID: "CT-GOLD", PartnerID: "PT-NORTH", Source: testSource,
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestDecodeRecordAccepted(t *testing.T) {
	tr := newTestTransformer(t)
	zhangWei := wantRef(testKey, "13800138000", "zw@example.cn", "张伟")

	tests := []struct {
		name  string
		value []byte
		want  func() ServiceEvent
	}{
		{"docs example request_created", []byte(exampleRequestCreated), func() ServiceEvent {
			return ServiceEvent{
				EventID: "e-000001-01", EventType: RequestCreated, SchemaVersion: 1,
				OccurredAt: time.Date(2026, 9, 1, 1, 15, 0, 0, time.UTC),
				RequestID:  "SR-000001", ContractID: "CT-GOLD", PartnerID: "PT-NORTH",
				Channel: "phone", Region: "North China", ProductSerial: "SN-7781-0001", ProductModel: "AC-200",
				PurchaseDate: day(2025, 3, 1), CustomerRef: zhangWei, HasNote: true, Source: testSource,
			}
		}},
		{"docs example resolved", []byte(exampleResolved), func() ServiceEvent {
			return ServiceEvent{
				EventID: "e-000001-06", EventType: Resolved, SchemaVersion: 1,
				OccurredAt: time.Date(2026, 9, 2, 7, 40, 0, 0, time.UTC),
				RequestID:  "SR-000001", ContractID: "CT-GOLD", PartnerID: "PT-NORTH",
				TechnicianID: "T-0042", TechnicianCertified: true, VisitNo: 1,
				Cause: "product_quality", Warranty: "in_warranty",
				PartsFee: decimal.New(0, -2), LabourFee: decimal.New(0, -2), Currency: "CNY",
				Source: testSource,
			}
		}},
		{"request_created minimal", build(t, validRequestCreated, del("product.purchase_date")), func() ServiceEvent {
			ev := baseRecord(RequestCreated)
			ev.Channel, ev.Region, ev.ProductSerial, ev.ProductModel = "phone", "North China", "SN-1", "AC-200"
			return ev
		}},
		{"request_created texts trimmed", build(t, validRequestCreated,
			set("region", `"  North China\t"`), set("product.serial", `" SN-1 "`), set("product.model", `"\u3000AC-200 "`)), func() ServiceEvent {
			ev := baseRecord(RequestCreated)
			ev.Channel, ev.Region, ev.ProductSerial, ev.ProductModel = "phone", "North China", "SN-1", "AC-200"
			ev.PurchaseDate = day(2025, 3, 1)
			return ev
		}},
		{"request_created every channel value: walk_in", build(t, validRequestCreated, set("channel", `"walk_in"`)), func() ServiceEvent {
			ev := baseRecord(RequestCreated)
			ev.Channel, ev.Region, ev.ProductSerial, ev.ProductModel = "walk_in", "North China", "SN-1", "AC-200"
			ev.PurchaseDate = day(2025, 3, 1)
			return ev
		}},
		{"purchase_date on the local day of occurred_at", build(t, validRequestCreated,
			set("occurred_at", `"2026-09-01T00:30:00+08:00"`), set("product.purchase_date", `"2026-09-01"`)), func() ServiceEvent {
			ev := baseRecord(RequestCreated)
			ev.OccurredAt = time.Date(2026, 8, 31, 16, 30, 0, 0, time.UTC)
			ev.Channel, ev.Region, ev.ProductSerial, ev.ProductModel = "phone", "North China", "SN-1", "AC-200"
			ev.PurchaseDate = day(2026, 9, 1)
			return ev
		}},
		{"optional fields null or empty", build(t, validRequestCreated,
			set("product.purchase_date", `""`), set("customer", `null`), set("note", `null`)), func() ServiceEvent {
			ev := baseRecord(RequestCreated)
			ev.Channel, ev.Region, ev.ProductSerial, ev.ProductModel = "phone", "North China", "SN-1", "AC-200"
			return ev
		}},
		{"acknowledged", []byte(validAcknowledged), func() ServiceEvent { return baseRecord(Acknowledged) }},
		{"dispatched without certified", []byte(validDispatched), func() ServiceEvent {
			ev := baseRecord(Dispatched)
			ev.TechnicianID = "T-1"
			return ev
		}},
		{"dispatched certified", build(t, validDispatched, set("technician.certified", "true")), func() ServiceEvent {
			ev := baseRecord(Dispatched)
			ev.TechnicianID, ev.TechnicianCertified = "T-1", true
			return ev
		}},
		{"onsite_arrived with planned follow-up", build(t, validOnsiteArrived, set("planned_follow_up", "true")), func() ServiceEvent {
			ev := baseRecord(OnsiteArrived)
			ev.TechnicianID, ev.TechnicianCertified, ev.VisitNo, ev.PlannedFollowUp = "T-1", true, 1, true
			return ev
		}},
		{"remote_started", []byte(validRemoteStarted), func() ServiceEvent {
			ev := baseRecord(RemoteStarted)
			ev.TechnicianID, ev.VisitNo = "T-1", 2
			return ev
		}},
		{"visit_no 65535", build(t, validOnsiteArrived, set("visit_no", "65535")), func() ServiceEvent {
			ev := baseRecord(OnsiteArrived)
			ev.TechnicianID, ev.TechnicianCertified, ev.VisitNo = "T-1", true, 65535
			return ev
		}},
		{"part_requested quantity defaults to 1", []byte(validPartRequested), func() ServiceEvent {
			ev := baseRecord(PartRequested)
			ev.PartLineID, ev.PartNo, ev.PartQuantity = "L-1", "PN-100", 1
			return ev
		}},
		{"part_requested quantity 3", build(t, validPartRequested, set("part.quantity", "3")), func() ServiceEvent {
			ev := baseRecord(PartRequested)
			ev.PartLineID, ev.PartNo, ev.PartQuantity = "L-1", "PN-100", 3
			return ev
		}},
		{"part_delivered", []byte(validPartDelivered), func() ServiceEvent {
			ev := baseRecord(PartDelivered)
			ev.PartLineID, ev.PartNo, ev.PartFromStock = "L-1", "PN-100", true
			return ev
		}},
		{"clock_paused", []byte(validClockPaused), func() ServiceEvent {
			ev := baseRecord(ClockPaused)
			ev.PauseReason = "waiting_customer"
			return ev
		}},
		{"clock_resumed", []byte(validClockResumed), func() ServiceEvent { return baseRecord(ClockResumed) }},
		{"resolved string and number fees", []byte(validResolved), func() ServiceEvent {
			ev := baseRecord(Resolved)
			ev.TechnicianID, ev.VisitNo = "T-1", 1
			ev.Cause, ev.Warranty = "user_misuse", "out_of_warranty"
			ev.PartsFee, ev.LabourFee, ev.Currency = decimal.New(12050, -2), decimal.New(8000, -2), "CNY"
			return ev
		}},
		{"resolved currency USD", build(t, validResolved, set("resolution.currency", `"USD"`), set("resolution.warranty", `"extended"`)), func() ServiceEvent {
			ev := baseRecord(Resolved)
			ev.TechnicianID, ev.VisitNo = "T-1", 1
			ev.Cause, ev.Warranty = "user_misuse", "extended"
			ev.PartsFee, ev.LabourFee, ev.Currency = decimal.New(12050, -2), decimal.New(8000, -2), "USD"
			return ev
		}},
		{"reopened with reason", build(t, validReopened, set("reopen_reason", `" still not cooling "`)), func() ServiceEvent {
			ev := baseRecord(Reopened)
			ev.ReopenReason = "still not cooling"
			return ev
		}},
		{"reopened without reason", []byte(validReopened), func() ServiceEvent { return baseRecord(Reopened) }},
		{"closed", []byte(validClosed), func() ServiceEvent { return baseRecord(Closed) }},
		{"cancelled", []byte(validCancelled), func() ServiceEvent { return baseRecord(Cancelled) }},
		{"occurred_at Z with fraction", build(t, validClosed, set("occurred_at", `"2026-09-01T01:15:00.123456789Z"`)), func() ServiceEvent {
			ev := baseRecord(Closed)
			ev.OccurredAt = time.Date(2026, 9, 1, 1, 15, 0, 123456789, time.UTC)
			return ev
		}},
		{"occurred_at negative offset", build(t, validClosed, set("occurred_at", `"2026-08-31T20:15:00-05:00"`)), func() ServiceEvent {
			return baseRecord(Closed)
		}},
		{"occurred_at exactly 2000-01-01", build(t, validClosed, set("occurred_at", `"2000-01-01T08:00:00+08:00"`)), func() ServiceEvent {
			ev := baseRecord(Closed)
			ev.OccurredAt = minTime
			return ev
		}},
		{"occurred_at exactly MaxFutureSkew ahead", build(t, validClosed, set("occurred_at", `"2026-09-11T00:00:00Z"`)), func() ServiceEvent {
			ev := baseRecord(Closed)
			ev.OccurredAt = testNow.Add(MaxFutureSkew)
			return ev
		}},
		{"unknown fields ignored", build(t, validClosed, set("x_trace", `{"a":[1,2,{"b":null}]}`), set("channel", `"fax"`)), func() ServiceEvent {
			return baseRecord(Closed) // channel is not a field of closed
		}},
		{"escaped strings", build(t, validClosed, set("event_id", `"\u0065-1"`), set("partner_id", `"PT\u002dNORTH"`)), func() ServiceEvent {
			return baseRecord(Closed)
		}},
		{"escaped names", []byte(`{"schema_version":1,"\u0065vent_id":"e-1","event_type":"closed","occurred_at":"2026-09-01T09:15:00+08:00","request_id":"SR-1","contract_id":"CT-GOLD","partner_id":"PT-NORTH"}`), func() ServiceEvent {
			return baseRecord(Closed)
		}},
		{"white space around the object", []byte(" \n\t" + validClosed + "\r\n "), func() ServiceEvent { return baseRecord(Closed) }},
		{"customer normalised", build(t, validClosed, set("customer",
			`{"name":" 张伟 ","phone":"+86 138-0013-8000","email":" ZW@Example.CN ","address":"北京"}`)), func() ServiceEvent {
			ev := baseRecord(Closed)
			ev.CustomerRef = wantRef(testKey, "8613800138000", "zw@example.cn", "张伟")
			return ev
		}},
		{"customer full-width phone digits", build(t, validClosed, set("customer", `{"phone":"１３８００１３８０００"}`)), func() ServiceEvent {
			ev := baseRecord(Closed)
			ev.CustomerRef = wantRef(testKey, "13800138000", "", "")
			return ev
		}},
		{"customer with only an address has no ref", build(t, validClosed, set("customer", `{"address":"北京市朝阳区建国路1号","name":"  "}`)), func() ServiceEvent {
			return baseRecord(Closed)
		}},
		{"empty customer", build(t, validClosed, set("customer", `{}`)), func() ServiceEvent { return baseRecord(Closed) }},
		{"blank note", build(t, validClosed, set("note", `" \u3000 "`)), func() ServiceEvent { return baseRecord(Closed) }},
		{"note present", build(t, validClosed, set("note", `"请上午来"`)), func() ServiceEvent {
			ev := baseRecord(Closed)
			ev.HasNote = true
			return ev
		}},
		{"comment is not the note of a record", build(t, validClosed, set("comment", `"请上午来"`)), func() ServiceEvent {
			return baseRecord(Closed)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rej := tr.DecodeRecord(testSource, tt.value)
			if rej != nil {
				t.Fatalf("rejected: %s %s\n%s", rej.Reason, rej.Detail, tt.value)
			}
			for _, d := range diffRows(got, tt.want()) {
				t.Error(d)
			}
		})
	}
}

// TestDecodeRecordEveryType makes sure the accepted table covers every type.
func TestDecodeRecordEveryType(t *testing.T) {
	tr := newTestTransformer(t)
	for _, v := range []string{validRequestCreated, validAcknowledged, validDispatched, validOnsiteArrived,
		validRemoteStarted, validPartRequested, validPartDelivered, validClockPaused, validClockResumed,
		validResolved, validReopened, validClosed, validCancelled} {
		ev, rej := tr.DecodeRecord(testSource, []byte(v))
		if rej != nil {
			t.Errorf("rejected %s: %s %s", v, rej.Reason, rej.Detail)
		}
		if ev.EventType == "" {
			t.Errorf("no event type: %s", v)
		}
	}
}

func TestCustomerRef(t *testing.T) {
	tr := newTestTransformer(t)
	other, err := New(Config{PIIKey: []byte("another-key-of-16+bytes"), Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	msg := func(customer string) []byte { return build(t, validClosed, set("customer", customer)) }
	ref := func(tr *Transformer, v []byte) string {
		t.Helper()
		ev, rej := tr.DecodeRecord(testSource, v)
		if rej != nil {
			t.Fatalf("rejected: %+v", rej)
		}
		return ev.CustomerRef
	}

	a := ref(tr, msg(`{"name":"张伟","phone":"13800138000","email":"zw@example.cn"}`))
	if len(a) != 32 {
		t.Fatalf("CustomerRef %q: want 32 hex digits", a)
	}
	if b := ref(tr, msg(`{"email":"ZW@example.cn ","phone":"138 0013 8000","name":"张伟","address":"elsewhere"}`)); b != a {
		t.Errorf("same customer, different spelling: %s != %s", b, a)
	}
	fb, rej := tr.DecodeFeedback(testSource, build(t, validSurvey, set("customer", `{"name":"张伟","phone":"13800138000","email":"zw@example.cn"}`)))
	if rej != nil || fb.CustomerRef != a {
		t.Errorf("feedback ref %q (reject %v) != record ref %s", fb.CustomerRef, rej, a)
	}
	if b := ref(tr, msg(`{"name":"李娜","phone":"13800138000","email":"zw@example.cn"}`)); b == a {
		t.Error("different name, same ref")
	}
	if b := ref(other, msg(`{"name":"张伟","phone":"13800138000","email":"zw@example.cn"}`)); b == a {
		t.Error("different key, same ref")
	}
	// Fields must not run into each other: "1|2" is not "12|".
	if ref(tr, msg(`{"phone":"1","email":"2"}`)) == ref(tr, msg(`{"phone":"12"}`)) {
		t.Error("separator lost")
	}
}

// TestConcurrentDecode runs many decodes at once; with -race it checks the
// Transformer's shared state (the HMAC pool).
func TestConcurrentDecode(t *testing.T) {
	tr := newTestTransformer(t)
	want := wantRef(testKey, "13800138000", "zw@example.cn", "张伟")
	done := make(chan string)
	for range 8 {
		go func() {
			for range 200 {
				ev, rej := tr.DecodeRecord(testSource, []byte(exampleRequestCreated))
				if rej != nil {
					done <- "rejected"
					return
				}
				if ev.CustomerRef != want {
					done <- "CustomerRef " + ev.CustomerRef
					return
				}
			}
			done <- ""
		}()
	}
	for range 8 {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}
