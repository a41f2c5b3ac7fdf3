package warehouse

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string // empty: valid
	}{
		{"default", func(*Config) {}, ""},
		{"no database", func(c *Config) { c.DSN = "clickhouse://127.0.0.1:9000" }, ""},
		{"trailing slash", func(c *Config) { c.DSN = "clickhouse://localhost:9000/" }, ""},
		{"credentials and params", func(c *Config) { c.DSN = "clickhouse://u:p@ch.internal:9000/sp?dial_timeout=1s" }, ""},
		{"empty", func(c *Config) { c.DSN = "" }, "clickhouse DSN is empty"},
		{"http scheme", func(c *Config) { c.DSN = "http://127.0.0.1:8123/sp" }, `"http://127.0.0.1:8123/sp": scheme must be clickhouse://`},
		{"tcp scheme", func(c *Config) { c.DSN = "tcp://127.0.0.1:9000" }, "scheme must be clickhouse://"},
		{"no port", func(c *Config) { c.DSN = "clickhouse://127.0.0.1/sp" }, `"clickhouse://127.0.0.1/sp": want host:port`},
		{"bad port", func(c *Config) { c.DSN = "clickhouse://127.0.0.1:x/sp" }, "not a URL"},
		{"port out of range", func(c *Config) { c.DSN = "clickhouse://127.0.0.1:70000" }, "want host:port"},
		{"two hosts", func(c *Config) { c.DSN = "clickhouse://a:9000,b:9000/sp" }, ""},
		{"second host without port", func(c *Config) { c.DSN = "clickhouse://a:9000,b/sp" }, "not a URL"},
		{"second host with a bad port", func(c *Config) { c.DSN = "clickhouse://a:9000,b:0/sp" }, "want host:port"},
		{"no host", func(c *Config) { c.DSN = "clickhouse://:9000" }, "want host:port"},
		{"bad database", func(c *Config) { c.DSN = "clickhouse://127.0.0.1:9000/sp-prod" }, `database "sp-prod"`},
		{"nested path", func(c *Config) { c.DSN = "clickhouse://127.0.0.1:9000/a/b" }, `database "a/b"`},
		{"password masked", func(c *Config) { c.DSN = "clickhouse://u:secret@127.0.0.1/sp" }, `"clickhouse://u:***@127.0.0.1/sp"`},
		{"no conns", func(c *Config) { c.MaxOpenConns = 0 }, "max open connections is 0"},
		{"no dial timeout", func(c *Config) { c.DialTimeout = -time.Second }, "dial timeout is -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.change(&cfg)
			err := cfg.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate: error %v, want one containing %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), "secret"):
				t.Fatalf("Validate shows the password: %v", err)
			}
		})
	}
}
