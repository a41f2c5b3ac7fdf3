package warehouse_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"servicepulse/internal/testenv"
	"servicepulse/sql"
	"servicepulse/warehouse"
)

// The secure native port with a password: TLS checked against the test
// CA, the password from a file, the schema migrated and counted.
func TestIntegrationTLSWithPassword(t *testing.T) {
	base, dir := testenv.TLSClickHouse(t)
	name := strings.ReplaceAll(testenv.Unique("sp_tls"), "-", "_")
	cfg := warehouse.ConfigFor(strings.Replace(base, "://", "://sp_writer@", 1) + "/" + name + "?secure=true")
	cfg.PasswordFile, cfg.TLSCAFile = filepath.Join(dir, "writer.password"), filepath.Join(dir, "ca.crt")
	log := slog.New(slog.DiscardHandler)
	conn, err := warehouse.Open(t.Context(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Cleanup(func() { _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name) })
	if _, err := sql.Migrate(t.Context(), conn, log); err != nil {
		t.Fatal(err)
	}
	if _, err := warehouse.ReadStats(t.Context(), conn); err != nil {
		t.Fatal(err)
	}
}

// Each misconfiguration ends within 10 s with an error that says what to
// fix and names the server, and never shows the password.
func TestIntegrationAccessFailures(t *testing.T) {
	base, dir := testenv.TLSClickHouse(t)
	plain := testenv.ClickHouseDSN(t)
	tlsHost := strings.TrimPrefix(base, "clickhouse://")
	plainHost := strings.TrimPrefix(plain, "clickhouse://")
	password := filepath.Join(dir, "writer.password")
	pw, err := os.ReadFile(password)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		dsn    string
		access warehouse.Access
		want   error
		says   string
	}{
		{name: "wrong password", dsn: "clickhouse://sp_writer@" + tlsHost + "?secure=true",
			access: warehouse.Access{PasswordFile: filepath.Join(dir, "reader.password"), TLSCAFile: filepath.Join(dir, "ca.crt")},
			want:   warehouse.ErrAuth, says: "check the DSN's user and the password"},
		{name: "unknown CA", dsn: "clickhouse://sp_writer@" + tlsHost + "?secure=true",
			access: warehouse.Access{PasswordFile: password, TLSCAFile: filepath.Join(dir, "other-ca.crt")},
			want:   warehouse.ErrTLS, says: "not signed by the CA given"},
		{name: "plaintext to the TLS port", dsn: "clickhouse://sp_writer@" + tlsHost,
			access: warehouse.Access{PasswordFile: password},
			want:   warehouse.ErrTLS, says: "needs secure=true"},
		{name: "TLS to the plaintext port", dsn: "clickhouse://sp_writer@" + plainHost + "?secure=true",
			access: warehouse.Access{PasswordFile: password, TLSCAFile: filepath.Join(dir, "ca.crt")},
			want:   warehouse.ErrTLS, says: "does not speak TLS on this port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := warehouse.ConfigFor(tt.dsn)
			cfg.Access = tt.access
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			conn, err := warehouse.Open(ctx, cfg, slog.New(slog.DiscardHandler))
			if err == nil {
				conn.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Open: %v\nwant %v, saying %q (a context deadline means it took 10 s or more)", err, tt.want, tt.says)
			}
			host := strings.SplitN(strings.TrimPrefix(tt.dsn, "clickhouse://sp_writer@"), "?", 2)[0]
			if !strings.Contains(err.Error(), host) {
				t.Errorf("error does not name the server %s: %v", host, err)
			}
			if strings.Contains(err.Error(), strings.TrimSpace(string(pw))) {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}
