package daemon

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"servicepulse/ingest"
)

func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		ic := ingest.DefaultConfig()
		ic.Brokers = []string{"127.0.0.1:9092"}
		return Config{Ingest: ic, ClickHouse: "clickhouse://127.0.0.1:9000/db", Partitions: 4,
			PIIKey: []byte(DevPIIKey), Listen: "127.0.0.1:0", RefreshInterval: time.Second, Log: slog.New(slog.DiscardHandler)}
	}
	tests := []struct {
		name   string
		change func(c *Config)
		want   string // in the error; "" for valid
	}{
		{"valid", func(*Config) {}, ""},
		{"no refresher, no server", func(c *Config) { c.RefreshInterval, c.Listen = 0, "" }, ""},
		{"ingest's own check", func(c *Config) { c.Ingest.Workers = 0 }, "0: must be between 1 and 64"},
		{"empty DSN", func(c *Config) { c.ClickHouse = "" }, "clickhouse DSN is empty"},
		{"no partitions", func(c *Config) { c.Partitions = 0 }, "partitions 0"},
		{"short key", func(c *Config) { c.PIIKey = []byte("short") }, "PII key is 5 bytes"},
		{"negative refresh", func(c *Config) { c.RefreshInterval = -time.Second }, "refresh interval -1s"},
		{"no logger", func(c *Config) { c.Log = nil }, "no logger"},
		{"bad listen", func(c *Config) { c.Listen = "nowhere" }, `listen address "nowhere"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate: %v, want an error with %q", err, tt.want)
			}
		})
	}
}
