package secrets

import "testing"

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"clickhouse://127.0.0.1:9000/db", "clickhouse://127.0.0.1:9000/db"},
		{"clickhouse://u:s3cret@127.0.0.1:9000/db", "clickhouse://u:***@127.0.0.1:9000/db"},
		{"clickhouse://u:s3cret@a:9000,b:9000/db?secure=true", "clickhouse://u:***@a:9000,b:9000/db?secure=true"},
		{"clickhouse://127.0.0.1:9000/db?username=u&password=s3cret&x=1", "clickhouse://127.0.0.1:9000/db?username=u&password=***&x=1"},
		{"http://grafana:3000/?token=abc", "http://grafana:3000/?token=***"},
		{"127.0.0.1:9092,127.0.0.2:9092", "127.0.0.1:9092,127.0.0.2:9092"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
