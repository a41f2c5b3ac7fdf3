package demo

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"servicepulse/dashboards"
	"servicepulse/generator"
	"servicepulse/internal/fields"
)

func TestConfigValidate(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name  string
		cfg   Config
		field string // of the *fields.Error; "" for valid
		want  string
	}{
		{"defaults", Config{Workers: 2, Log: log}, "", ""},
		{"no host", Config{ClickHouse: "clickhouse:///x", Workers: 2, Log: log}, "ClickHouse", "want clickhouse://host:port"},
		{"bad database", Config{Database: "1st", Workers: 2, Log: log}, "Database", "1st"},
		{"no workers", Config{Log: log}, "Workers", "Workers 0: must be between 1 and 64"},
		{"bad grafana", Config{Workers: 2, Log: log, Grafana: dashboards.GrafanaConfig{URL: "ftp://grafana"}}, "Grafana", "ftp://grafana"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				if tt.cfg.ClickHouse != "clickhouse://127.0.0.1:9000" || tt.cfg.Database != DefaultDatabase || tt.cfg.Dir != ".servicepulse" {
					t.Errorf("Validate left defaults %q %q %q", tt.cfg.ClickHouse, tt.cfg.Database, tt.cfg.Dir)
				}
				return
			}
			var fe *fields.Error
			if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate: %v, want a fields.Error for %s mentioning %q", err, tt.field, tt.want)
			}
		})
	}
}

// The demo's history is the whole quarters before the current one in
// Asia/Shanghai, so the report of the last has data at every trend point.
func TestHistory(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	for _, tt := range []struct {
		now      time.Time
		quarters int
		from     time.Time
		days     int
	}{
		{time.Date(2026, 12, 2, 0, 28, 0, 0, time.UTC), 4, time.Date(2025, 10, 1, 0, 0, 0, 0, cst), 365},
		// 16:30 UTC on 30 September is already 1 October in Shanghai: Q3 is whole.
		{time.Date(2026, 9, 30, 16, 30, 0, 0, time.UTC), 4, time.Date(2025, 10, 1, 0, 0, 0, 0, cst), 365},
		{time.Date(2026, 9, 30, 15, 30, 0, 0, time.UTC), 1, time.Date(2026, 4, 1, 0, 0, 0, 0, cst), 91},
		{time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), 2, time.Date(2023, 10, 1, 0, 0, 0, 0, cst), 183},
	} {
		from, days := history(tt.now, tt.quarters)
		if !from.Equal(tt.from) || days != tt.days {
			t.Errorf("history(%s, %d) = %s, %d days; want %s, %d", tt.now, tt.quarters, from, days, tt.from, tt.days)
		}
	}
	c := Config{Workers: 2, Log: slog.New(slog.DiscardHandler), Generator: generator.Config{Now: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Quarters != 4 || !c.Generator.From.Equal(time.Date(2025, 10, 1, 0, 0, 0, 0, cst)) || c.Generator.Days != 365 {
		t.Errorf("defaults: %d quarters from %s, %d days; want 4 from 2025-10-01, 365 days", c.Quarters, c.Generator.From, c.Generator.Days)
	}
}
