package contracts_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/contracts"
	"servicepulse/internal/testenv"
	"servicepulse/sql"
	"servicepulse/warehouse"
)

// migrated returns a connection to a fresh database with every migration applied.
func migrated(t *testing.T) driver.Conn {
	t.Helper()
	dsn, _ := testenv.FreshDatabase(t)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	conn, err := warehouse.Open(t.Context(), warehouse.ConfigFor(dsn), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := sql.Migrate(t.Context(), conn, log); err != nil {
		t.Fatal(err)
	}
	return conn
}

// A file with every kind of term: several versions, inheritance, fees with
// cents, targets and weights, an empty pause list, another time zone.
const full = `contracts:
  - id: CT-GOLD
    name: Gold service (金牌)
    versions:
      - effective_from: 2024-01-01
        response_hours: 4
        onsite_hours: 24
        parts_days: 3
        warranty_years: 2
        extension_years: 1
        calendar: prc
        window: "09:00-18:00"
        fees: {call_out: "80.05", hourly: "120", parts_markup_percent: "10.5"}
        targets: {reply_sla_rate: 95, csat: 90.5}
        weights: {reply_sla_rate: 15}
      - effective_from: 2026-10-01
        inherit: true
        response_hours: 2.5
        pause_reasons: []
  - id: EU.1
    versions:
      - effective_from: 2025-03-01T08:30:00+01:00
        response_hours: 8
        onsite_hours: 48
        parts_days: 0.5
        warranty_years: 0
        calendar: mon-fri
        window: "08:30-17:30"
        timezone: Europe/Berlin
        pause_reasons: [waiting_customer, access_denied, other]
`

func parse(t *testing.T, text string) *contracts.File {
	t.Helper()
	f, err := contracts.Parse(strings.NewReader(text), "contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func countFinal(t *testing.T, conn driver.Conn, table string) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(t.Context(), "SELECT count() FROM "+table+" FINAL").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIntegrationLoadRead(t *testing.T) {
	conn := migrated(t)
	ctx := t.Context()

	for _, f := range []*contracts.File{parse(t, full), contracts.Sample()} {
		n, err := contracts.Load(ctx, conn, f)
		if err != nil {
			t.Fatal(err)
		}
		if n != f.Versions() {
			t.Errorf("Load wrote %d versions, want %d", n, f.Versions())
		}
	}
	want := parse(t, full)
	for id, vs := range contracts.Sample().Contracts {
		if id != "CT-GOLD" {
			want.Contracts[id] = vs
		}
	}
	// The sample's CT-GOLD replaced full's versions with the same
	// effective_from (2024-01-01); full's 2026-10-01 version stays.
	want.Contracts["CT-GOLD"] = append(contracts.Sample().Contracts["CT-GOLD"], want.Contracts["CT-GOLD"][1])
	want.Contracts["CT-GOLD"][2].Name = "Gold service (金牌)"
	got := read(t, conn)
	if !got.Equal(want) {
		t.Errorf("Read after Load:\n got: %s\nwant: %s", show(got), show(want))
	}
}

func TestIntegrationRoundTrip(t *testing.T) {
	conn := migrated(t)
	ctx := t.Context()
	f := parse(t, full)
	if _, err := contracts.Load(ctx, conn, f); err != nil {
		t.Fatal(err)
	}
	got := read(t, conn)
	if !got.Equal(f) {
		t.Fatalf("Parse → Load → Read:\n got: %s\nwant: %s", show(got), show(f))
	}
	// Exactly: amounts keep their cents, nil stays nil.
	g := got.Contracts["CT-GOLD"]
	if g[0].Fees.CallOut.StringFixed(2) != "80.05" || g[0].Fees.Hourly.Exponent() != -2 || g[1].PauseReasons != nil || g[1].Weights["reply_sla_rate"] != 15 {
		t.Errorf("CT-GOLD read back as %+v", g)
	}
	if got.Contracts["EU.1"][0].Targets != nil {
		t.Errorf("no targets must read back as nil, got %v", got.Contracts["EU.1"][0].Targets)
	}

	// Loading the same file again changes nothing visible: one row per version.
	for range 2 {
		if _, err := contracts.Load(ctx, conn, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"contract_terms", "contracts"} {
		if n := countFinal(t, conn, table); n != 3 {
			t.Errorf("%s FINAL after loading the file three times: %d rows, want 3 (one per version)", table, n)
		}
	}
	if again := read(t, conn); !again.Equal(f) {
		t.Errorf("Read after reloading:\n got: %s\nwant: %s", show(again), show(f))
	}

	// A changed version, reloaded at once (within the same second), replaces
	// the old terms; the other versions stay.
	changed := parse(t, strings.Replace(full, "response_hours: 2.5", "response_hours: 3", 1))
	if _, err := contracts.Load(ctx, conn, changed); err != nil {
		t.Fatal(err)
	}
	if got := read(t, conn); !got.Equal(changed) {
		t.Errorf("Read after loading a changed version:\n got: %s\nwant: %s", show(got), show(changed))
	}
	if n := countFinal(t, conn, "contract_terms"); n != 3 {
		t.Errorf("contract_terms FINAL after a change: %d rows, want 3", n)
	}
	var reply float64
	var js string
	if err := conn.QueryRow(ctx, `SELECT response_hours, terms_json FROM contracts FINAL
		WHERE contract_id = 'CT-GOLD' AND effective_from = toDateTime('2026-09-30 16:00:00', 'UTC')`).Scan(&reply, &js); err != nil {
		t.Fatal(err)
	}
	if reply != 3 || !strings.Contains(js, `"response_hours":3,`) || !strings.Contains(js, `"call_out":"80.05"`) {
		t.Errorf("contracts (0004) row of the changed version: %v %s", reply, js)
	}
}

// The SQL others write against contract_terms on 18.16: the terms in force
// for a request, and a KPI override read from the parallel arrays.
func TestIntegrationTermsInForceSQL(t *testing.T) {
	conn := migrated(t)
	ctx := t.Context()
	if _, err := contracts.Load(ctx, conn, parse(t, full)); err != nil {
		t.Fatal(err)
	}
	var (
		reply  float64
		target float64
	)
	err := conn.QueryRow(ctx, `SELECT argMax(response_hours, effective_from), argMax(target_values[indexOf(target_kpis, 'reply_sla_rate')], effective_from)
		FROM contract_terms FINAL
		WHERE contract_id = 'CT-GOLD' AND effective_from <= toDateTime('2026-09-30 15:59:59', 'UTC')`).Scan(&reply, &target)
	if err != nil {
		t.Fatal(err)
	}
	if reply != 4 || target != 95 {
		t.Errorf("terms in force one second before the 2026-10-01 version: reply %v target %v, want 4 and 95", reply, target)
	}
}

func read(t *testing.T, conn driver.Conn) *contracts.File {
	t.Helper()
	f, err := contracts.Read(t.Context(), conn)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func show(f *contracts.File) string {
	var b strings.Builder
	for _, id := range f.IDs() {
		for _, v := range f.Contracts[id] {
			fmt.Fprintf(&b, "\n  %s %q from %s: %v/%v/%v %d+%d %s %s %s pause %q fees %s/%s/%s targets %v weights %v",
				v.ContractID, v.Name, v.EffectiveFrom.UTC().Format(time.RFC3339), v.ResponseHours, v.OnsiteHours, v.PartsDays,
				v.WarrantyYears, v.ExtensionYears, v.Calendar, v.Window, v.Timezone, v.PauseReasons,
				v.Fees.CallOut.StringFixed(2), v.Fees.Hourly.StringFixed(2), v.Fees.PartsMarkupPercent.StringFixed(2), v.Targets, v.Weights)
		}
	}
	return b.String()
}
