// Package testenv gives integration tests the real servers they talk to.
//
// Servers come from the environment, as in production:
//
//	SERVICEPULSE_CLICKHOUSE  clickhouse://127.0.0.1:9000  (ClickHouse 18.16 server, native protocol)
//	SERVICEPULSE_BROKERS     127.0.0.1:19092              (Kafka; when unset an in-process kfake broker is started)
//	CHDB_LIB_PATH            path to libchdb.so           (current ClickHouse, in-process)
//
// When a server is missing, the test is skipped with a message saying which
// variable to set, except where SERVICEPULSE_REQUIRE_INTEGRATION=1 or CI=true,
// where it fails: CI never skips an integration test.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"servicepulse/broker"
	"servicepulse/devenv"
)

// Required reports whether missing servers fail tests instead of skipping them.
func Required() bool {
	return os.Getenv("SERVICEPULSE_REQUIRE_INTEGRATION") == "1" || os.Getenv("CI") == "true"
}

func missing(t testing.TB, what string) {
	t.Helper()
	msg := fmt.Sprintf("integration test needs %s (run `make test`, which starts every server)", what)
	if Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// ClickHouseDSN returns the DSN of the ClickHouse server under test.
func ClickHouseDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("SERVICEPULSE_CLICKHOUSE")
	if dsn == "" {
		missing(t, "SERVICEPULSE_CLICKHOUSE=clickhouse://HOST:9000")
	}
	return dsn
}

// FreshDatabase creates an empty database with a unique name on the ClickHouse
// server under test and returns a DSN whose default database is that one. The
// database is dropped when the test ends unless SERVICEPULSE_KEEP_TEST_DB=1.
func FreshDatabase(t testing.TB) (dsn, database string) {
	t.Helper()
	base := ClickHouseDSN(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse SERVICEPULSE_CLICKHOUSE %q: %v", base, err)
	}
	database = "sp_test_" + strings.ToLower(randomHex(6))
	conn := adminConn(t, u)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := conn.Exec(ctx, "CREATE DATABASE "+database); err != nil {
		t.Fatalf("create database %s: %v", database, err)
	}
	t.Cleanup(func() {
		defer conn.Close()
		if os.Getenv("SERVICEPULSE_KEEP_TEST_DB") == "1" {
			t.Logf("keeping database %s", database)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+database); err != nil {
			t.Logf("drop database %s: %v", database, err)
		}
	})
	u.Path = "/" + database
	return u.String(), database
}

func adminConn(t testing.TB, u *url.URL) clickhouse.Conn {
	t.Helper()
	opts := &clickhouse.Options{Addr: strings.Split(u.Host, ","), DialTimeout: 5 * time.Second}
	if u.User != nil {
		pw, _ := u.User.Password()
		opts.Auth = clickhouse.Auth{Username: u.User.Username(), Password: pw}
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		t.Fatalf("open clickhouse %s: %v", u.Host, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := conn.Ping(ctx); err != nil {
		missing(t, fmt.Sprintf("a reachable ClickHouse at %s (ping: %v)", u.Host, err))
	}
	return conn
}

// ChdbLib returns the path of libchdb.so (current ClickHouse, in-process).
func ChdbLib(t testing.TB) string {
	t.Helper()
	p := os.Getenv("CHDB_LIB_PATH")
	if p == "" {
		missing(t, "CHDB_LIB_PATH=/path/to/libchdb.so (npm package chdb@3.4.0)")
	}
	if _, err := os.Stat(p); err != nil {
		missing(t, fmt.Sprintf("CHDB_LIB_PATH pointing at libchdb.so (%v)", err))
	}
	return p
}

// Brokers returns the Kafka bootstrap addresses under test: those of
// SERVICEPULSE_BROKERS, or of an in-process kfake broker started for this test.
func Brokers(t testing.TB) []string {
	t.Helper()
	if s := os.Getenv("SERVICEPULSE_BROKERS"); s != "" {
		return strings.Split(s, ",")
	}
	b, err := broker.Start(broker.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("start in-process broker: %v", err)
	}
	t.Cleanup(b.Close)
	return []string{b.Addr()}
}

// Unique returns prefix followed by a random suffix: topic and group names that
// no other test (or earlier run against the same broker) uses.
func Unique(prefix string) string {
	return prefix + "-" + randomHex(6)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// PrivateClickHouse starts a ClickHouse server of this test's own, on free
// ports in a temporary directory, that the test may stop and start at will.
// It is stopped when the test ends.
func PrivateClickHouse(t testing.TB) *devenv.ClickHouseServer {
	t.Helper()
	ClickHouseDSN(t) // same policy: an integration test needs ClickHouse installed
	cfg := devenv.DefaultClickHouseConfig()
	cfg.Dir = t.TempDir()
	cfg.TCPPort, cfg.HTTPPort = freePort(t), freePort(t)
	cfg.Install = false
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := devenv.EnsureClickHouse(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("start private clickhouse: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(context.Background()); err != nil {
			t.Logf("stop private clickhouse: %v", err)
		}
	})
	return srv
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// FreeAddr returns a host:port of 127.0.0.1 on which nothing listens right
// now (the kernel picked it): for a server the test starts there, or as an
// address that refuses connections.
func FreeAddr(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// Binary returns the servicepulse binary for tests that run it as a process:
// $SERVICEPULSE_BIN (the test script builds it from this tree) or one built
// here once per test binary.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("SERVICEPULSE_BIN"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "servicepulse-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "servicepulse")
		if out, err := exec.Command("go", "build", "-o", builtBin, "servicepulse/cmd/servicepulse").CombinedOutput(); err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build servicepulse: %v", buildErr)
	}
	return builtBin
}

// DatabaseName returns a database name no other test uses (it is not
// created), and drops that database, and only it, when the test ends.
func DatabaseName(t testing.TB, conn clickhouse.Conn, prefix string) string {
	t.Helper()
	name := strings.ReplaceAll(Unique("sp_test_"+prefix), "-", "_")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	return name
}

// Exec runs a statement or fails the test.
func Exec(t testing.TB, conn clickhouse.Conn, q string) {
	t.Helper()
	if err := conn.Exec(t.Context(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// Count runs a query returning one UInt64 (a count()) or fails the test.
func Count(t testing.TB, conn clickhouse.Conn, q string, args ...any) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// Server returns the DSN of the ClickHouse server under test without a
// database, and a connection to it, closed when the test ends.
func Server(t testing.TB) (dsn string, conn clickhouse.Conn) {
	t.Helper()
	u, err := url.Parse(ClickHouseDSN(t))
	if err != nil {
		t.Fatalf("parse SERVICEPULSE_CLICKHOUSE: %v", err)
	}
	u.Path = ""
	conn = adminConn(t, u)
	t.Cleanup(func() { conn.Close() })
	return u.String(), conn
}

// TLSClickHouse returns the TLS port of the ClickHouse server under test, as
// a DSN without user or database (SERVICEPULSE_TEST_CLICKHOUSE_TLS), and
// the folder of its certificates and passwords (SERVICEPULSE_TEST_TLS_DIR,
// made by scripts/test-tls.sh: ca.crt, other-ca.crt, server.crt,
// writer.password for user sp_writer, reader.password for the read-only
// sp_reader).
func TLSClickHouse(t testing.TB) (dsn, dir string) {
	t.Helper()
	dsn, dir = os.Getenv("SERVICEPULSE_TEST_CLICKHOUSE_TLS"), os.Getenv("SERVICEPULSE_TEST_TLS_DIR")
	if dsn == "" || dir == "" {
		missing(t, "SERVICEPULSE_TEST_CLICKHOUSE_TLS=clickhouse://HOST:TLSPORT and SERVICEPULSE_TEST_TLS_DIR (scripts/test-tls.sh)")
	}
	return dsn, dir
}

// NoChdbTag is the body of the stand-in, built without -tags chdb, of a test
// on current ClickHouse: that test loads libchdb.so, which panics at
// start-up when it is missing, so it builds only with the tag (the test
// script sets it). The stand-in says so, and fails where integration is
// required (CI).
func NoChdbTag(t testing.TB) {
	t.Helper()
	msg := "tests on current ClickHouse (chdb) need `go test -tags chdb` and CHDB_LIB_PATH; run `make test`"
	if Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
