package demo

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"servicepulse/dashboards"
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
