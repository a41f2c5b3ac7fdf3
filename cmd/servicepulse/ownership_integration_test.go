package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/internal/testenv"
	"servicepulse/warehouse"
)

// The ownership tests run bench, bench kpi and demo as the built binary
// (bench starts `servicepulse ingest` as a child of its own executable), each
// with --database naming a database no other test uses, and check that a
// command drops only a database carrying its own marker.

// foreignDatabase creates database as someone else would: no marker, one
// table holding one row.
func foreignDatabase(t *testing.T, conn driver.Conn, database string) {
	t.Helper()
	testenv.Exec(t, conn, "CREATE DATABASE `"+database+"`")
	testenv.Exec(t, conn, "CREATE TABLE `"+database+"`.precious (v String) ENGINE = TinyLog")
	testenv.Exec(t, conn, "INSERT INTO `"+database+"`.precious SELECT 'keep me'")
}

// requireUntouched checks that a foreign database still holds exactly its
// one table and its row.
func requireUntouched(t *testing.T, conn driver.Conn, database string) {
	t.Helper()
	var v string
	if err := conn.QueryRow(t.Context(), "SELECT v FROM `"+database+"`.precious").Scan(&v); err != nil || v != "keep me" {
		t.Fatalf("%s.precious: %q (%v), want its row 'keep me' still there", database, v, err)
	}
	if n := testenv.Count(t, conn, "SELECT count() FROM system.tables WHERE database = ?", database); n != 1 {
		t.Fatalf("%s has %d tables, want only its own table precious", database, n)
	}
}

// marker returns the commands named by database's marker rows.
func markerOf(t *testing.T, conn driver.Conn, database string) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), "SELECT command FROM `"+database+"`."+warehouse.MarkerTable)
	if err != nil {
		t.Fatalf("marker of %s: %v", database, err)
	}
	defer rows.Close()
	var cmds []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	return cmds
}

// runServicepulse runs the binary with args; it returns stdout, and stderr
// with the error.
func runServicepulse(t *testing.T, args ...string) (stdout string, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Binary(t), args...)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SERVICEPULSE_GRAFANA_URL=") && !strings.HasPrefix(kv, "SERVICEPULSE_CLICKHOUSE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := runServicepulse(t, args...)
	if err != nil {
		t.Fatalf("servicepulse %s: %v\n%s", strings.Join(args, " "), err, stderrTail(stderr))
	}
	return out
}

func stderrTail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

// requireRefused runs args, which must fail with the one-sentence refusal of
// command for database.
func requireRefused(t *testing.T, command, database string, args ...string) {
	t.Helper()
	_, stderr, err := runServicepulse(t, args...)
	want := `database "` + database + `" exists and was not created by servicepulse ` + command +
		` (no servicepulse_owner marker): it is left untouched; name another one with --database, or drop it yourself`
	if err == nil || !strings.Contains(stderr, want) {
		t.Fatalf("servicepulse %s: %v, want it refused with %q; stderr:\n%s", strings.Join(args, " "), err, want, stderrTail(stderr))
	}
}

// requireReused checks that c with --reuse keeps what it loaded into its
// own database: it prints the requests loaded before and no load_seconds,
// and an extra table stays.
func (c ownershipCase) requireReused(t *testing.T, server string, conn driver.Conn, own string, requests int) {
	t.Helper()
	testenv.Exec(t, conn, "CREATE TABLE `"+own+"`.leftover (v UInt8) ENGINE = TinyLog")
	out := mustRun(t, append(append([]string{}, c.args...), "--clickhouse", server, "--database", own, "--reuse")...)
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%s printed %q: %v", c.command, out, err)
	}
	if _, loaded := res["load_seconds"]; loaded || res["requests"] != float64(requests) {
		t.Fatalf("%s --reuse printed %v, want %d requests and no load_seconds (nothing reloaded)", c.command, res, requests)
	}
	if n := testenv.Count(t, conn, "SELECT count() FROM system.tables WHERE database = ? AND name = 'leftover'", own); n != 1 {
		t.Fatalf("%s --reuse reset its database", c.command)
	}
}

// ownershipCase is one command's part of the ownership tests.
type ownershipCase struct {
	command string   // "bench", "bench kpi", "bench refresh", "demo"
	args    []string // the command and its smallest sizes
}

// check covers the three rules for c: (a) a database it did not create, named
// with --database, is refused and left as it was; (b) the database of the
// --clickhouse DSN is not used, nor touched; (c) its own database is created
// with its marker and reset by the next run (an extra table disappears).
// It returns the server DSN and the command's own database, left as the
// second run made it.
func (c ownershipCase) check(t *testing.T, refusedAlso ...[]string) (server string, conn driver.Conn, own string) {
	server, conn = testenv.Server(t)

	// (a) A database of the command's default-like name that it did not make.
	foreign := testenv.DatabaseName(t, conn, "foreign")
	foreignDatabase(t, conn, foreign)
	for _, extra := range append([][]string{nil}, refusedAlso...) {
		args := append(append(append([]string{}, c.args...), "--clickhouse", server, "--database", foreign), extra...)
		requireRefused(t, c.command, foreign, args...)
		requireUntouched(t, conn, foreign)
	}

	// (b) + (c): the DSN names a non-empty database; the command works in
	// its own --database, which it creates with its marker.
	named := testenv.DatabaseName(t, conn, "dsn")
	foreignDatabase(t, conn, named)
	own = testenv.DatabaseName(t, conn, "own")
	args := append(append([]string{}, c.args...), "--clickhouse", server+"/"+named, "--database", own)
	mustRun(t, args...)
	requireUntouched(t, conn, named)
	if got := markerOf(t, conn, own); len(got) != 1 || got[0] != c.command {
		t.Fatalf("marker of %s after %s: %q, want one row for %q", own, c.command, got, c.command)
	}

	// Its own database is reset by the next run.
	testenv.Exec(t, conn, "CREATE TABLE `"+own+"`.leftover (v UInt8) ENGINE = TinyLog")
	mustRun(t, args...)
	if n := testenv.Count(t, conn, "SELECT count() FROM system.tables WHERE database = ? AND name = 'leftover'", own); n != 0 {
		t.Fatalf("a second %s did not reset its own database %s: table leftover is still there", c.command, own)
	}
	if got := markerOf(t, conn, own); len(got) != 1 || got[0] != c.command {
		t.Fatalf("marker of %s after a second %s: %q, want one row for %q", own, c.command, got, c.command)
	}
	requireUntouched(t, conn, named)
	return server, conn, own
}

func TestIntegrationOwnershipBench(t *testing.T) {
	t.Parallel()
	c := ownershipCase{"bench", []string{"bench", "--tickets", "200", "--log-level", "warn"}}
	c.check(t)
}

func TestIntegrationOwnershipBenchRefresh(t *testing.T) {
	t.Parallel()
	c := ownershipCase{"bench refresh", []string{"bench", "refresh", "--requests", "300", "--changed", "20", "--cycles", "1", "--log-level", "warn"}}
	// --reuse too refuses a database bench refresh did not create.
	server, conn, own := c.check(t, []string{"--reuse"})

	c.requireReused(t, server, conn, own, 300)
}

func TestIntegrationOwnershipBenchKPI(t *testing.T) {
	t.Parallel()
	c := ownershipCase{"bench kpi", []string{"bench", "kpi", "--requests", "200", "--runs", "1", "--log-level", "warn"}}
	// --reuse too refuses a database bench kpi did not create.
	server, conn, own := c.check(t, []string{"--reuse"})

	c.requireReused(t, server, conn, own, 200)
}

func TestIntegrationOwnershipDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := ownershipCase{"demo", []string{"demo", "--tickets", "200", "--workers", "1", "--dir", dir, "--log-level", "warn"}}
	// --keep-data too refuses a database the demo did not create.
	c.check(t, []string{"--keep-data"})
}
