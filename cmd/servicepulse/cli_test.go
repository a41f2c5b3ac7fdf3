package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"servicepulse/internal/cli"
	"servicepulse/metrics"
)

// TestBadInvocationsSayWhatToFix runs commands with bad flags or config: each
// stops before touching a server, with a usage error naming what to fix.
func TestBadInvocationsSayWhatToFix(t *testing.T) {
	t.Setenv("SERVICEPULSE_PII_KEY", "")
	t.Setenv("SERVICEPULSE_PII_KEY_FILE", "")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"ingets"}, `unknown command "ingets"`},
		{"unknown flag", []string{"ingest", "--wrokers", "2"}, "wrokers"},
		{"workers zero", []string{"ingest", "--dev", "--workers", "0"}, "--workers 0"},
		{"batch rows", []string{"ingest", "--dev", "--batch-rows", "-5"}, "--batch-rows -5"},
		{"negative idle", []string{"ingest", "--dev", "--until-idle", "-1s"}, "--until-idle"},
		{"no pii key", []string{"ingest"}, "SERVICEPULSE_PII_KEY"},
		{"memory limit", []string{"ingest", "--dev", "--memory-limit", "lots"}, `--memory-limit "lots"`},
		{"empty brokers", []string{"ingest", "--dev", "--brokers", ""}, "--brokers"},
		{"same topics", []string{"ingest", "--dev", "--records-topic", "x", "--feedback-topic", "x"}, "topics must differ"},
		{"bad log level", []string{"ingest", "--dev", "--log-level", "loud"}, `--log-level "loud"`},
		{"bad bad-rate", []string{"gen", "--bad-rate", "0.9"}, "--bad-rate"},
		{"bad from", []string{"gen", "--from", "yesterday"}, `--from "yesterday"`},
		{"bad partitions", []string{"gen", "--partitions", "0"}, "--partitions 0"},
		{"broker addr", []string{"broker", "--addr", "nowhere"}, `"nowhere"`},
		{"clickhouse verb", []string{"clickhouse", "restart"}, "clickhouse start"},
		{"stray argument", []string{"stats", "extra"}, `unexpected argument "extra"`},
		{"kpi half range", []string{"kpi", "--from", "2026-07-01"}, "--from and --to are required"},
		{"kpi bad date", []string{"kpi", "--from", "2026-13-01", "--to", "2026-12-31"}, `--from "2026-13-01"`},
		{"kpi reversed range", []string{"kpi", "--from", "2026-09-30", "--to", "2026-07-01"}, "is before --from"},
		{"kpi bad grouping", []string{"kpi", "--from", "2026-07-01", "--to", "2026-09-30", "--by", "colour"}, `unknown grouping "colour"`},
		{"kpi unknown id", []string{"kpi", "--from", "2026-07-01", "--to", "2026-09-30", "--kpi", "happiness"}, `unknown KPI "happiness"`},
		{"kpi bad format", []string{"kpi", "--from", "2026-07-01", "--to", "2026-09-30", "--format", "xml"}, `--format "xml"`},
		{"kpi list format", []string{"kpi", "list", "--format", "xml"}, `--format "xml"`},
		{"contracts verb", []string{"contracts", "apply", "x.yaml"}, "contracts load FILE"},
		{"contracts two files", []string{"contracts", "check", "a.yaml", "b.yaml"}, "exactly one contracts file"},
		{"breaches without range", []string{"breaches"}, "--from and --to are required"},
		{"breaches bad limit", []string{"breaches", "--from", "2026-07-01", "--to", "2026-09-30", "--limit", "-1"}, "--limit -1"},
		{"refresh interval", []string{"ingest", "--dev", "--refresh-interval", "-1s"}, "--refresh-interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // nothing may wait on a server
			err := app.Run(ctx, tt.args)
			var u cli.UsageError
			if !errors.As(err, &u) {
				t.Fatalf("run(%q) = %v, want a usage error", tt.args, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %q, want it to mention %q", tt.args, err, tt.want)
			}
		})
	}
}

// TestContractsCheckReportsLine runs `contracts check` on a file with a typo:
// the error names the file and line.
func TestContractsCheckReportsLine(t *testing.T) {
	path := t.TempDir() + "/contracts.yaml"
	bad := "contracts:\n  - id: CT-X\n    versions:\n      - effective_from: 2026-01-01\n        respons_hours: 4\n"
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	err := app.Run(context.Background(), []string{"contracts", "check", path})
	if err == nil || !strings.Contains(err.Error(), "contracts.yaml:5") || !strings.Contains(err.Error(), "response_hours") {
		t.Fatalf("contracts check = %v, want an error at contracts.yaml:5 suggesting response_hours", err)
	}
}

// TestKPIListJSON checks `kpi list --format json` carries id, unit and clause
// for the whole catalog.
func TestKPIListJSON(t *testing.T) {
	out := captureStdout(t, func() error { return app.Run(context.Background(), []string{"kpi", "list", "--format", "json"}) })
	var list []map[string]any
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatalf("kpi list printed %q: %v", out, err)
	}
	if len(list) != len(metrics.All()) {
		t.Fatalf("kpi list printed %d KPIs, catalog has %d", len(list), len(metrics.All()))
	}
	for i, k := range list {
		if k["id"] != metrics.All()[i].ID || k["unit"] == "" || k["clause"] == "" {
			t.Errorf("entry %d = %v, want id %s with unit and clause", i, k, metrics.All()[i].ID)
		}
	}
}

func captureStdout(t *testing.T, f func() error) []byte {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	err = f()
	os.Stdout = stdout
	w.Close()
	out := <-done
	if err != nil {
		t.Fatal(err)
	}
	return out
}
