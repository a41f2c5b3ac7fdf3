package bench

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"servicepulse/internal/fields"
)

func TestConfigValidate(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name  string
		cfg   Config
		field string // of the *fields.Error; "" for valid
		want  string // in the error
	}{
		{"valid", Config{ClickHouse: "clickhouse://h:9000/x", Workers: 1, BatchRows: 10, Log: log}, "", ""},
		{"no host", Config{ClickHouse: "nowhere", Workers: 1, BatchRows: 10, Log: log}, "ClickHouse", `"nowhere": want clickhouse://host:port`},
		{"bad database", Config{ClickHouse: "clickhouse://h:9000", Database: "a-b", Workers: 1, BatchRows: 10, Log: log}, "Database", "a-b"},
		{"no workers", Config{ClickHouse: "clickhouse://h:9000", BatchRows: 10, Log: log}, "Workers", "Workers 0: must be between 1 and 64"},
		{"huge batches", Config{ClickHouse: "clickhouse://h:9000", Workers: 1, BatchRows: 2_000_000, Log: log}, "BatchRows", "BatchRows 2000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			checkField(t, err, tt.field, tt.want)
			if err == nil && (tt.cfg.Database != DefaultDatabase || tt.cfg.Generator.Tickets == 0 || tt.cfg.Stdout == nil) {
				t.Errorf("Validate left defaults unset: database %q, tickets %d", tt.cfg.Database, tt.cfg.Generator.Tickets)
			}
		})
	}
}

func TestKPIConfigValidate(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name  string
		cfg   KPIConfig
		field string
		want  string
	}{
		{"valid", KPIConfig{ClickHouse: "clickhouse://h:9000", Requests: 1, Runs: 1, Log: log}, "", ""},
		{"no runs", KPIConfig{ClickHouse: "clickhouse://h:9000", Requests: 1, Log: log}, "Runs", "Runs 0: must be at least 1"},
		{"no requests", KPIConfig{ClickHouse: "clickhouse://h:9000", Runs: 1, Log: log}, "Requests", "Requests 0: must be at least 1"},
		{"no host", KPIConfig{ClickHouse: "clickhouse:///db", Requests: 1, Runs: 1, Log: log}, "ClickHouse", "want clickhouse://host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			checkField(t, err, tt.field, tt.want)
			if err == nil && tt.cfg.Database != DefaultKPIDatabase {
				t.Errorf("Validate left database %q, want %q", tt.cfg.Database, DefaultKPIDatabase)
			}
		})
	}
}

// checkField checks that err is nil (field "") or a *fields.Error for field
// whose message holds want.
func checkField(t *testing.T, err error, field, want string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("Validate: %v, want nil", err)
		}
		return
	}
	var fe *fields.Error
	if !errors.As(err, &fe) || fe.Field != field || !strings.Contains(err.Error(), want) {
		t.Fatalf("Validate: %v, want a fields.Error for %s mentioning %q", err, field, want)
	}
}
