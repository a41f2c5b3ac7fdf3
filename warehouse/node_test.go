package warehouse

import "testing"

func TestWithServers(t *testing.T) {
	for _, tt := range []struct{ dsn, want string }{
		{"clickhouse://a:9000,b:9000/db?secure=true", "clickhouse://n:9440/db?secure=true"},
		{"clickhouse://user:p%40ss@a:9000,b:9000/db", "clickhouse://user:p%40ss@n:9440/db"},
		{"clickhouse://a:9000", "clickhouse://n:9440"},
		{"clickhouse://a:9000?dial_timeout=1s", "clickhouse://n:9440?dial_timeout=1s"},
	} {
		got, err := withServers(tt.dsn, "n:9440")
		if err != nil || got != tt.want {
			t.Errorf("withServers(%q) = %q, %v; want %q", tt.dsn, got, err, tt.want)
		}
	}
	if _, err := withServers("a:9000/db", "n:1"); err == nil {
		t.Error("a DSN without a scheme was accepted")
	}
}
