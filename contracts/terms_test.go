package contracts

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

const versioned = `contracts:
  - id: CT-GOLD
    versions:
      - effective_from: 2024-01-01          # 2023-12-31T16:00:00Z
        response_hours: 4
        onsite_hours: 24
        parts_days: 3
        warranty_years: 2
        calendar: prc
        window: "09:00-18:00"
      - effective_from: 2026-10-01          # 2026-09-30T16:00:00Z
        inherit: true
        response_hours: 2
`

func TestAt(t *testing.T) {
	f, err := Parse(strings.NewReader(versioned), "contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	boundary := time.Date(2026, 10, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	first := time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, tt := range []struct {
		name     string
		contract string
		opened   time.Time
		ok       bool
		reply    float64
	}{
		{"before the first version", "CT-GOLD", first.Add(-time.Second), false, 0},
		{"at the first version", "CT-GOLD", first, true, 4},
		{"one second before the boundary", "CT-GOLD", boundary.Add(-time.Second), true, 4},
		{"at the boundary (UTC)", "CT-GOLD", boundary.UTC(), true, 2},
		{"at the boundary (+08:00)", "CT-GOLD", boundary, true, 2},
		{"one second after the boundary", "CT-GOLD", boundary.Add(time.Second), true, 2},
		{"long after", "CT-GOLD", boundary.AddDate(10, 0, 0), true, 2},
		{"unknown contract", "CT-NONE", boundary, false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := f.At(tt.contract, tt.opened)
			if ok != tt.ok || got.ResponseHours != tt.reply {
				t.Errorf("At(%s, %s) = %v h, %v; want %v h, %v", tt.contract, tt.opened, got.ResponseHours, ok, tt.reply, tt.ok)
			}
			if ok && got.OnsiteHours != 24 {
				t.Errorf("onsite_hours = %v, want 24 (inherited)", got.OnsiteHours)
			}
		})
	}
}

// The sample is the generator's world (generator/world.go), from 2025 on;
// the generator extends deadlines by every pause, whatever its reason.
func TestSample(t *testing.T) {
	f := Sample()
	type terms struct {
		reply, onsite, parts float64
		calendar, window     string
	}
	want := map[string]terms{
		"CT-PLATINUM": {2, 4, 2, "24x7", "24h"},
		"CT-GOLD":     {4, 24, 3, "prc", "09:00-18:00"},
		"CT-SILVER":   {6, 36, 5, "prc", "09:00-18:00"},
		"CT-STANDARD": {8, 48, 5, "prc", "09:00-18:00"},
		"CT-BASIC":    {24, 72, 7, "prc", "09:00-18:00"},
	}
	if got := strings.Join(f.IDs(), " "); got != "CT-BASIC CT-GOLD CT-PLATINUM CT-SILVER CT-STANDARD" {
		t.Errorf("IDs() = %s", got)
	}
	for _, opened := range []time.Time{
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		time.Date(2026, 7, 15, 10, 0, 0, 0, time.UTC),
	} {
		for id, w := range want {
			v, ok := f.At(id, opened)
			got := terms{v.ResponseHours, v.OnsiteHours, v.PartsDays, v.Calendar, v.Window}
			if !ok || got != w || v.Timezone != "Asia/Shanghai" || len(v.PauseReasons) != len(PauseReasons) {
				t.Errorf("%s at %s = %+v (ok %v), want %+v", id, opened, v, ok, w)
			}
		}
	}
	// CT-GOLD's first version governs requests opened in 2024.
	if v, ok := f.At("CT-GOLD", time.Date(2024, 12, 31, 23, 59, 59, 0, time.FixedZone("CST", 8*3600))); !ok || v.ResponseHours != 6 || v.OnsiteHours != 36 {
		t.Errorf("CT-GOLD in 2024 = %+v, %v; want the 2024 terms (6 h / 36 h)", v, ok)
	}
	if f.Versions() != 6 {
		t.Errorf("Versions() = %d, want 6", f.Versions())
	}
	// Each call returns its own File.
	f.Contracts["CT-GOLD"][0].ResponseHours = 99
	if Sample().Contracts["CT-GOLD"][0].ResponseHours == 99 {
		t.Error("Sample() shares its File between calls")
	}
}

func TestTermsHelpers(t *testing.T) {
	f, err := Parse(strings.NewReader(versioned), "contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v := f.Contracts["CT-GOLD"][0]
	if start, end := v.SupportHours(); start != 9*time.Hour || end != 18*time.Hour {
		t.Errorf("SupportHours() = %v, %v", start, end)
	}
	if start, end := Sample().Contracts["CT-PLATINUM"][0].SupportHours(); start != 0 || end != 24*time.Hour {
		t.Errorf("24h SupportHours() = %v, %v", start, end)
	}
	loc, err := v.Location()
	if err != nil || loc.String() != "Asia/Shanghai" {
		t.Errorf("Location() = %v, %v", loc, err)
	}
	req := time.Date(2026, 3, 6, 17, 0, 0, 0, time.UTC) // a Friday: weekends count
	if got, want := v.PartsDeadline(req), req.Add(72*time.Hour); !got.Equal(want) {
		t.Errorf("PartsDeadline = %s, want %s", got, want)
	}
	v.Targets = map[string]float64{"reply_sla_rate": 97}
	if v.Target("reply_sla_rate", 95) != 97 || v.Target("csat", 85) != 85 || v.Weight("csat", 10) != 10 {
		t.Error("Target/Weight must override only the KPIs the contract names")
	}
	if !v.Fees.CallOut.Equal(decimal.Zero) {
		t.Errorf("fees default to zero, got %s", v.Fees.CallOut)
	}
	if !v.Equal(v) || v.Equal(f.Contracts["CT-GOLD"][1]) {
		t.Error("Terms.Equal")
	}
}

// Amounts are exact: never through a float.
func TestFeesExact(t *testing.T) {
	in := strings.Replace(versioned, `        window: "09:00-18:00"
`, `        window: "09:00-18:00"
        fees: {call_out: "0.10", hourly: 9999999999999999.99, parts_markup_percent: 7}
`, 1)
	f, err := Parse(strings.NewReader(in), "contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fees := f.Contracts["CT-GOLD"][0].Fees
	for _, tt := range []struct {
		got  decimal.Decimal
		want string
	}{{fees.CallOut, "0.10"}, {fees.Hourly, "9999999999999999.99"}, {fees.PartsMarkupPercent, "7.00"}} {
		if tt.got.StringFixed(2) != tt.want || tt.got.Exponent() != -2 {
			t.Errorf("fee = %s (exponent %d), want %s with two decimals", tt.got, tt.got.Exponent(), tt.want)
		}
	}
}
