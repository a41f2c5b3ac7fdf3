package sla_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"servicepulse/contracts"
	"servicepulse/daemon"
	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/pipelinetest"
	"servicepulse/sla"
	"servicepulse/transform"
)

// A refresh reads the fact tables narrowly (event types as numbers, the
// strings only some events carry packed into two columns) where explaining
// a request reads every column as stored (LoadInputs). Both must give the
// same states, field for field, over generated traffic, which has every
// event type, and over one request whose strings hold the packing's own
// characters (':' and digits, multi-byte text, empty values) and whose fees
// are the largest a Decimal(18, 2) holds.
func TestIntegrationRefreshReadsWhatBuildNeeds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := pipelinetest.New(t)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tr, err := transform.New(transform.Config{PIIKey: []byte(daemon.DevPIIKey), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	b := pipelinetest.Decoded(t, tr, generator.Config{Seed: 7, Tickets: 400, From: now.AddDate(0, -3, 0), Days: 80, Now: now})
	// Every event type and fee the narrow read treats apart is there.
	seen := map[string]bool{}
	for _, e := range b.Events {
		seen[e.EventType] = true
		if e.EventType == transform.Resolved && !e.PartsFee.IsZero() {
			seen["fee"] = true
		}
	}
	for _, typ := range append(slices.Clone(transform.RecordTypes), "fee") {
		if !seen[typ] && typ != transform.Reopened && typ != transform.Dispatched {
			t.Fatalf("generated traffic has no %s event: the comparison would not cover it", typ)
		}
	}
	contract := b.Events[0].ContractID
	odd := newStory("ODD:1:x").created("2026-09-01 10:00", "PT:2:ab", "SN:0:").
		pause("2026-09-01 11:00", "waiting_customer").resume("2026-09-01 12:00").
		partReq("2026-09-01 13:00", "L:1:").partDel("2026-09-02 09:00", "L:1:", true).
		resolve("2026-09-02 10:00", 1, "quality", "in", "9999999999999999.99", "0.5")
	for i := range odd.events {
		odd.events[i].ContractID = contract
		if odd.events[i].EventType == transform.RequestCreated {
			odd.events[i].Region, odd.events[i].ProductModel, odd.events[i].CustomerRef = "华东:12:", "", "9:"
		}
	}
	b.Events = append(b.Events, odd.events...)
	if err := ingest.NewClickHouseSink(s.Conn).Write(ctx, b); err != nil {
		t.Fatal(err)
	}

	var ids []string
	for _, e := range b.Events {
		ids = append(ids, e.RequestID)
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	build := func(load sla.InputLoader) []sla.Request {
		t.Helper()
		states, _, err := sla.States(ctx, sla.StateBuild{Conn: s.Conn, Terms: contracts.Sample(), AsOf: now, Load: load, LoadChunk: 150}, ids)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(states, func(a, b sla.Request) int { return strings.Compare(a.RequestID, b.RequestID) })
		return states
	}
	narrow, full := build(nil), build(func(ctx context.Context, ids []string) (map[string]*sla.Input, error) {
		return sla.LoadInputs(ctx, s.Conn, ids)
	})
	if len(narrow) != len(ids) || len(full) != len(ids) {
		t.Fatalf("%d states from the refresh's read, %d from every column; want one per request, %d", len(narrow), len(full), len(ids))
	}
	for i := range full {
		if !reflect.DeepEqual(narrow[i], full[i]) {
			t.Errorf("request %s: the refresh's read built\n%+v\nevery column built\n%+v", full[i].RequestID, narrow[i], full[i])
		}
	}
	i, _ := slices.BinarySearchFunc(narrow, odd.req, func(r sla.Request, id string) int { return strings.Compare(r.RequestID, id) })
	got := narrow[i]
	if got.Region != "华东:12:" || got.ProductSerial != "SN:0:" || got.PartnerID != "PT:2:ab" || got.ProductModel != "" || got.CustomerRef != "9:" ||
		got.PartsFee.String() != "9999999999999999.99" || got.LabourFee.String() != "0.5" || len(got.Parts) != 1 || got.Parts[0].LineID != "L:1:" || got.PausedBH <= 0 {
		t.Errorf("request %s: %+v; want its strings, fees, part line and pause as written", odd.req, got)
	}
}
