package devenv

import (
	"strings"
	"testing"
)

func TestClickHouseConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*ClickHouseConfig)
		wantErr string // empty: valid
	}{
		{"default", func(*ClickHouseConfig) {}, ""},
		{"no dir", func(c *ClickHouseConfig) { c.Dir = "" }, "clickhouse dir is empty"},
		{"tcp port zero", func(c *ClickHouseConfig) { c.TCPPort = 0 }, "tcp port 0 is out of range"},
		{"http port too big", func(c *ClickHouseConfig) { c.HTTPPort = 70000 }, "http port 70000 is out of range"},
		{"same ports", func(c *ClickHouseConfig) { c.HTTPPort = c.TCPPort }, "both 9000"},
		{"no start timeout", func(c *ClickHouseConfig) { c.StartTimeout = 0 }, "start timeout is 0s"},
		{"no stop timeout", func(c *ClickHouseConfig) { c.StopTimeout = -1 }, "stop timeout is -1ns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultClickHouseConfig()
			tt.change(&cfg)
			err := cfg.Validate()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate: error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
