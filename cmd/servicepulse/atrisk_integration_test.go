package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"servicepulse/internal/pipelinetest"
)

// TestIntegrationBreachesAtRisk runs `servicepulse breaches --at-risk` on the
// at_risk KPI case (metrics/testdata/cases/at_risk): as JSON, the three
// promises at risk at Fri 10-09 17:30, the least business time left first;
// as a table, the deadline in the contract's local time; with --kind, only
// the promises that would become that breach.
func TestIntegrationBreachesAtRisk(t *testing.T) {
	c := pipelinetest.LoadCase(t, "../../metrics/testdata/cases/at_risk")
	s := c.Ingest(t)
	args := []string{"breaches", "--at-risk", "--clickhouse", s.DSN, "--from", "2026-09-30", "--to", "2026-10-09",
		"--as-of", "2026-10-09T17:30:00+08:00", "--log-level", "warn"}
	out := captureStdout(t, func() error {
		return app.Run(context.Background(), append(args, "--format", "json"))
	})
	var risks []struct {
		RequestID string  `json:"request_id"`
		Promise   string  `json:"promise"`
		Level     string  `json:"level"`
		Kind      string  `json:"kind"`
		LeftHours float64 `json:"left_hours"`
		Local     string  `json:"deadline_local"`
	}
	if err := json.Unmarshal(out, &risks); err != nil {
		t.Fatalf("breaches --at-risk printed %q: %v", out, err)
	}
	var got []string
	for _, r := range risks {
		got = append(got, strings.Join([]string{r.RequestID, r.Promise, r.Level, r.Kind, r.Local}, " "))
	}
	want := []string{
		"D3 reply 75% late_reply 2026-10-09T13:00:00+08:00",       // 1 bh left, paused
		"W2 reply 3h late_reply 2026-10-10T11:00:00+08:00",        // 2.5 bh
		"W1 part line 1 50% late_parts 2026-10-10T11:00:00+08:00", // 17.5 elapsed h
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("breaches --at-risk --format json:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	table := captureStdout(t, func() error { return app.Run(context.Background(), append(args, "--kind", "late_reply")) })
	lines := strings.Split(strings.TrimSpace(string(table)), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "2026-10-09 13:00 +0800") || !strings.Contains(lines[1], "1.00 (paused)") ||
		!strings.Contains(lines[2], "W2") || !strings.Contains(lines[2], "2.50") {
		t.Errorf("breaches --at-risk --kind late_reply printed:\n%s", table)
	}
}
