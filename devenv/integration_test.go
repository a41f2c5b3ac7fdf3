package devenv_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"servicepulse/devenv"
	"servicepulse/internal/testenv"
	"servicepulse/warehouse"
)

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// freePort returns a port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// privateConfig is a server of the test's own, beside any other on the machine.
func privateConfig(t *testing.T) devenv.ClickHouseConfig {
	t.Helper()
	if _, err := devenv.FindServer(); err != nil {
		msg := "integration test needs clickhouse-server installed (apt-get install -y clickhouse-server): " + err.Error()
		if testenv.Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cfg := devenv.DefaultClickHouseConfig()
	cfg.Dir = t.TempDir()
	cfg.TCPPort, cfg.HTTPPort = freePort(t), freePort(t)
	cfg.Install = false
	return cfg
}

func TestIntegrationClickHouseStartStop(t *testing.T) {
	cfg := privateConfig(t)
	ctx := t.Context()
	log := newTextLogger(t.Output())

	srv, err := devenv.EnsureClickHouse(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop(context.Background()) })
	if srv.Reused() || srv.PID() == 0 {
		t.Fatalf("EnsureClickHouse on free ports: reused %v, pid %d; want a started server", srv.Reused(), srv.PID())
	}
	firstPID := srv.PID()
	runSQL(t, srv.DSN(), "CREATE TABLE IF NOT EXISTS kept (a String) ENGINE = MergeTree ORDER BY a")

	// A second EnsureClickHouse finds it running and leaves it alone.
	again, err := devenv.EnsureClickHouse(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Reused() || again.PID() != 0 || again.Stop(ctx) != nil || !devenv.Ping(ctx, cfg.HTTPPort) {
		t.Fatal("second EnsureClickHouse did not reuse the running server, or its Stop did something")
	}

	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if devenv.Ping(ctx, cfg.HTTPPort) || srv.PID() != 0 || devenv.Alive(firstPID) {
		t.Fatalf("after Stop: ping %v, PID() %d, process %d exists %v", devenv.Ping(ctx, cfg.HTTPPort), srv.PID(), firstPID, devenv.Alive(firstPID))
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, devenv.PIDFileName)); !os.IsNotExist(err) {
		t.Fatalf("pid file left after Stop: %v", err)
	}

	// Start again: same data, as after a crash-and-restart of the warehouse.
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if !devenv.Ping(ctx, cfg.HTTPPort) || srv.PID() == firstPID {
		t.Fatalf("after Start: ping %v, pid %d (was %d)", devenv.Ping(ctx, cfg.HTTPPort), srv.PID(), firstPID)
	}
	runSQL(t, srv.DSN(), "SELECT count() FROM kept")

	// A script stops it through the pid file.
	pid := srv.PID()
	if err := devenv.StopFromPIDFile(cfg.Dir); err != nil {
		t.Fatal(err)
	}
	if devenv.Ping(ctx, cfg.HTTPPort) || devenv.Alive(pid) {
		t.Fatal("StopFromPIDFile left the server running")
	}
	if err := srv.Stop(ctx); err != nil {
		t.Fatalf("Stop after StopFromPIDFile: %v", err)
	}
	if err := devenv.StopFromPIDFile(cfg.Dir); err != nil {
		t.Fatalf("StopFromPIDFile without a pid file: %v", err)
	}
}

// A server that cannot start fails fast, and the error quotes its log.
func TestIntegrationClickHouseStartFailure(t *testing.T) {
	cfg := privateConfig(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0") // the native port is taken
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg.TCPPort = taken.Addr().(*net.TCPAddr).Port
	cfg.StartTimeout = 30 * time.Second

	start := time.Now()
	srv, err := devenv.EnsureClickHouse(t.Context(), cfg, newTextLogger(t.Output()))
	if err == nil {
		srv.Stop(context.Background())
		t.Fatal("EnsureClickHouse succeeded on a taken port")
	}
	t.Logf("error after %s:\n%v", time.Since(start).Round(time.Millisecond), err)
	if !strings.Contains(err.Error(), "exited while starting") || !strings.Contains(err.Error(), "Address already in use") {
		t.Fatalf("error does not say the server exited and why: %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(cfg.Dir, devenv.PIDFileName)); !os.IsNotExist(statErr) {
		t.Fatal("pid file left after a failed start")
	}
}

func runSQL(t *testing.T, dsn, query string) {
	t.Helper()
	cfg := warehouse.DefaultConfig()
	cfg.DSN = dsn
	conn, err := warehouse.Open(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec(t.Context(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// Detach decides whether a started server outlives the process that started
// it; a child process (this test binary again) starts one and exits.
func TestIntegrationClickHouseDetach(t *testing.T) {
	for _, detach := range []bool{true, false} {
		t.Run(fmt.Sprintf("detach=%v", detach), func(t *testing.T) {
			cfg := privateConfig(t)
			t.Cleanup(func() { devenv.StopFromPIDFile(cfg.Dir) })
			cmd := osexec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestEnsureClickHouseChildProcess$")
			cmd.Env = append(os.Environ(),
				"SERVICEPULSE_DEVENV_CHILD="+cfg.Dir,
				fmt.Sprintf("SERVICEPULSE_DEVENV_CHILD_PORTS=%d,%d", cfg.TCPPort, cfg.HTTPPort),
				fmt.Sprintf("SERVICEPULSE_DEVENV_CHILD_DETACH=%v", detach))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			// A server that gets SIGTERM takes a few seconds to exit.
			deadline := time.Now().Add(15 * time.Second)
			for devenv.Ping(t.Context(), cfg.HTTPPort) != detach && time.Now().Before(deadline) {
				time.Sleep(200 * time.Millisecond)
			}
			if up := devenv.Ping(t.Context(), cfg.HTTPPort); up != detach {
				t.Fatalf("after the starting process exited, server answers: %v; want %v", up, detach)
			}
			if err := devenv.StopFromPIDFile(cfg.Dir); err != nil {
				t.Fatal(err)
			}
			if devenv.Ping(t.Context(), cfg.HTTPPort) {
				t.Fatal("StopFromPIDFile left the server running")
			}
		})
	}
}

// TestEnsureClickHouseChildProcess is the process TestIntegrationClickHouseDetach
// starts; run directly it does nothing.
func TestEnsureClickHouseChildProcess(t *testing.T) {
	dir := os.Getenv("SERVICEPULSE_DEVENV_CHILD")
	if dir == "" {
		return
	}
	cfg := devenv.DefaultClickHouseConfig()
	cfg.Dir, cfg.Install = dir, false
	cfg.Detach = os.Getenv("SERVICEPULSE_DEVENV_CHILD_DETACH") == "true"
	if _, err := fmt.Sscanf(os.Getenv("SERVICEPULSE_DEVENV_CHILD_PORTS"), "%d,%d", &cfg.TCPPort, &cfg.HTTPPort); err != nil {
		t.Fatal(err)
	}
	if _, err := devenv.EnsureClickHouse(t.Context(), cfg, newTextLogger(t.Output())); err != nil {
		t.Fatal(err)
	}
}
