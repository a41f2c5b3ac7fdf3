package warehouse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAccessValidate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		dsn    string
		access Access
		err    string
	}{
		{name: "nothing", dsn: "clickhouse://h:9000/db"},
		{name: "password file", dsn: "clickhouse://u@h:9000/db", access: Access{PasswordFile: file}},
		{name: "tls files", dsn: "clickhouse://u@h:9440/db?secure=true", access: Access{TLSCAFile: file, TLSCertFile: file, TLSKeyFile: file}},
		{name: "secure without a value", dsn: "clickhouse://u@h:9440/db?secure", access: Access{TLSCAFile: file}},
		{name: "CA without TLS", dsn: "clickhouse://h:9000/db", access: Access{TLSCAFile: file}, err: "add secure=true"},
		{name: "secure=false", dsn: "clickhouse://h:9000/db?secure=false", access: Access{TLSCAFile: file}, err: "add secure=true"},
		{name: "cert without key", dsn: "clickhouse://h:9440/db?secure=true", access: Access{TLSCertFile: file}, err: "give both or neither"},
		{name: "missing password file", dsn: "clickhouse://h:9000/db", access: Access{PasswordFile: filepath.Join(dir, "none")}, err: "cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ConfigFor(tt.dsn)
			c.Access = tt.access
			err := c.Validate()
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("Validate: %v, want an error with %q", err, tt.err)
			}
		})
	}
}
