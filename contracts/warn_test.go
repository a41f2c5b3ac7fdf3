package contracts_test

import (
	"strings"
	"testing"
	"time"

	"servicepulse/contracts"
)

// warn_hours defaults to 2 in a version that stands alone, is inherited by
// an inherit: true version, and may be 0 (no warning N hours before).
func TestParseWarnHours(t *testing.T) {
	const file = `contracts:
  - id: CT-A
    versions:
      - effective_from: 2026-01-01
        response_hours: 4
        onsite_hours: 8
        parts_days: 2
        warranty_years: 2
        calendar: prc
        window: "09:00-18:00"
      - effective_from: 2026-03-01
        inherit: true
        warn_hours: 3.5
      - effective_from: 2026-06-01
        inherit: true
        response_hours: 2
      - effective_from: 2026-09-01
        inherit: true
        warn_hours: 0
`
	f, err := contracts.Parse(strings.NewReader(file), "contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		date string
		want float64
	}{{"2026-02-01", contracts.DefaultWarnHours}, {"2026-04-01", 3.5}, {"2026-07-01", 3.5}, {"2026-10-01", 0}} {
		at, _ := time.Parse(time.DateOnly, tc.date)
		v, ok := f.At("CT-A", at)
		if !ok || v.WarnHours != tc.want {
			t.Errorf("version in force on %s: warn_hours %v (found %v), want %v", tc.date, v.WarnHours, ok, tc.want)
		}
	}
}
