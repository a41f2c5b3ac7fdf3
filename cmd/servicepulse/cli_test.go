package main

import (
	"context"
	"errors"
	"strings"
	"testing"
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // nothing may wait on a server
			err := run(ctx, tt.args)
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("run(%q) = %v, want a usage error", tt.args, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %q, want it to mention %q", tt.args, err, tt.want)
			}
		})
	}
}
