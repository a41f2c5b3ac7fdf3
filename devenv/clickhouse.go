package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

const pidFileName = "clickhouse-server.pid"

// ClickHouseServer is a ClickHouse server that EnsureClickHouse found running
// (Reused) or started. Its methods are safe for concurrent use.
type ClickHouseServer struct {
	cfg    ClickHouseConfig
	log    *slog.Logger
	reused bool
	bin    string

	mu   sync.Mutex
	cmd  *exec.Cmd     // nil when stopped
	done chan struct{} // closed when cmd has exited
}

// EnsureClickHouse returns a ClickHouse server answering on cfg's ports.
//
// If something already answers http://127.0.0.1:HTTPPort/ping, it is reused
// as is: Stop and Start do nothing, and DSN assumes its native port is
// TCPPort. Otherwise it installs clickhouse-server if it is missing and
// cfg.Install allows, writes a config into cfg.Dir and starts the server
// (see Start).
func EnsureClickHouse(ctx context.Context, cfg ClickHouseConfig, log *slog.Logger) (*ClickHouseServer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("clickhouse dir %q: %w", cfg.Dir, err)
	}
	cfg.Dir = dir
	s := &ClickHouseServer{cfg: cfg, log: log.With("http_port", cfg.HTTPPort)}
	if ping(ctx, cfg.HTTPPort) {
		s.reused = true
		s.log.Info("reusing the clickhouse server that answers", "dsn", s.DSN())
		return s, nil
	}

	if s.bin, err = ensureServer(ctx, cfg.Install, log); err != nil {
		return nil, err
	}
	if err := writeServerConfig(cfg, nil, nil); err != nil {
		return nil, err
	}
	if err := s.Start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Reused reports whether the server was already running, so it is not ours
// to stop.
func (s *ClickHouseServer) Reused() bool { return s.reused }

// DSN returns the native-protocol address of the server, without a database.
func (s *ClickHouseServer) DSN() string {
	return fmt.Sprintf("clickhouse://127.0.0.1:%d", s.cfg.TCPPort)
}

// PID returns the process id of the server while it runs, else 0 (always 0
// for a reused server).
func (s *ClickHouseServer) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Start starts the server process and waits until it answers its ping or
// StartTimeout passes; then the process is killed and the error quotes the
// end of the server's error log. The process gets its own process group, so
// a Ctrl-C meant for this program does not stop it before the program has
// written what it holds; its output goes to files in Dir. Start after Stop
// restarts the server on the same data. It does nothing on a reused server.
func (s *ClickHouseServer) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reused {
		return nil
	}
	if s.cmd != nil {
		return fmt.Errorf("clickhouse server in %s already runs (pid %d)", s.cfg.Dir, s.cmd.Process.Pid)
	}

	cmd, done, err := startChild(s.cfg.Dir, s.pidFile(), s.cfg.Detach, s.bin, "--config-file="+filepath.Join(s.cfg.Dir, "config.xml"))
	if err != nil {
		return fmt.Errorf("start clickhouse: %w", err)
	}
	s.log.Info("started clickhouse server", "pid", cmd.Process.Pid, "dir", s.cfg.Dir, "tcp_port", s.cfg.TCPPort, "detach", s.cfg.Detach)
	ready := func(ctx context.Context) bool { return ping(ctx, s.cfg.HTTPPort) }
	what := fmt.Sprintf("clickhouse-server (http://127.0.0.1:%d/ping)", s.cfg.HTTPPort)
	if err := waitReady(ctx, what, s.cfg.StartTimeout, done, ready); err != nil {
		stop(cmd, done, nil, 0)
		os.Remove(s.pidFile())
		return fmt.Errorf("%w (%s)\n%s", err, cmd.ProcessState, s.logTail())
	}
	s.cmd, s.done = cmd, done
	s.log.Info("clickhouse server ready", "dsn", s.DSN())
	return nil
}

// Stop stops the server: SIGTERM, then SIGKILL if it has not exited after
// StopTimeout or when ctx ends. It does nothing on a reused or stopped
// server.
func (s *ClickHouseServer) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	pid := s.cmd.Process.Pid
	start := time.Now()
	killed := stop(s.cmd, s.done, ctx.Done(), s.cfg.StopTimeout)
	s.cmd, s.done = nil, nil
	if err := os.Remove(s.pidFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pid file: %w", err)
	}
	s.log.Info("stopped clickhouse server", "pid", pid, "took", time.Since(start).Round(time.Millisecond), "killed", killed)
	return nil
}

// stop signals the process group of cmd (the server leads it) with SIGTERM,
// waits for done, and sends SIGKILL after grace or when abort closes. It
// reports whether it had to kill.
func stop(cmd *exec.Cmd, done, abort <-chan struct{}, grace time.Duration) (killed bool) {
	select {
	case <-done: // already reaped: its pid may belong to another process now
		return false
	default:
	}
	pgid := cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
		return false
	case <-timer.C:
	case <-abort:
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	<-done
	return true
}

func (s *ClickHouseServer) pidFile() string { return filepath.Join(s.cfg.Dir, pidFileName) }

// logTail returns the last lines of the server's error log, or of its
// stderr when the error log is empty (it fails before opening its log when
// the config is bad).
func (s *ClickHouseServer) logTail() string {
	return logTail(s.cfg.Dir, "log/clickhouse-server.err.log", "stderr.log")
}

func tail(path string, lines int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const max = 8 << 10
	if st, err := f.Stat(); err == nil && st.Size() > max {
		f.Seek(-max, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.TrimSpace(strings.Join(ls, "\n"))
}

// ping reports whether a ClickHouse server answers on the HTTP port.
func ping(ctx context.Context, port int) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/ping", port), nil)
	if err != nil {
		return false
	}
	// No keep-alive: a server shutting down waits for open connections, so
	// an idle one of ours would delay Stop, and pinging on it would keep a
	// stopping server alive.
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
	return resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "Ok."
}

// StopFromPIDFile stops the server whose pid file is in dir, as a script
// does for a server started with Detach: SIGTERM, then SIGKILL after 30 s.
// It does nothing when there is no pid file or the process is gone, and
// refuses to signal a process that is not clickhouse-server (the pid may
// have been reused since).
func StopFromPIDFile(dir string) error {
	p := filepath.Join(dir, pidFileName)
	pid, err := termPIDFile(p, "clickhouse-server")
	if err != nil {
		return err
	}
	return awaitExit(pid, p, 30*time.Second)
}

// alive reports whether pid exists and is not a zombie: a server started by
// this very process stays a zombie until its Wait, which is not ours to call.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses: "pid (comm) S …".
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}
