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
	"strconv"
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

	if s.bin, err = findServer(); err != nil {
		if !cfg.Install {
			return nil, fmt.Errorf("%w; install it with `apt-get install -y clickhouse-server clickhouse-client`", err)
		}
		if err := install(ctx, log); err != nil {
			return nil, err
		}
		if s.bin, err = findServer(); err != nil {
			return nil, fmt.Errorf("after apt-get install: %w", err)
		}
	}
	if err := writeServerConfig(cfg); err != nil {
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

	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close() // the child has its own copies
		}
	}()
	for _, name := range []string{"stdout.log", "stderr.log"} {
		f, err := os.OpenFile(filepath.Join(s.cfg.Dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("start clickhouse: %w", err)
		}
		files = append(files, f)
	}
	// Not CommandContext: ctx bounds the start, not the server's life.
	cmd := exec.Command(s.bin, "--config-file="+filepath.Join(s.cfg.Dir, "config.xml"))
	cmd.Dir = s.cfg.Dir
	cmd.Stdout, cmd.Stderr = files[0], files[1]
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if !s.cfg.Detach {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start clickhouse: %w", err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	pid := cmd.Process.Pid
	s.log.Info("started clickhouse server", "pid", pid, "dir", s.cfg.Dir, "tcp_port", s.cfg.TCPPort, "detach", s.cfg.Detach)
	if err := os.WriteFile(s.pidFile(), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		stop(cmd, done, nil, 0)
		return fmt.Errorf("write pid file: %w", err)
	}

	if err := s.waitReady(ctx, cmd, done); err != nil {
		stop(cmd, done, nil, 0)
		os.Remove(s.pidFile())
		return fmt.Errorf("%w\n%s", err, s.logTail())
	}
	s.cmd, s.done = cmd, done
	s.log.Info("clickhouse server ready", "dsn", s.DSN())
	return nil
}

func (s *ClickHouseServer) waitReady(ctx context.Context, cmd *exec.Cmd, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if ping(ctx, s.cfg.HTTPPort) {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("clickhouse-server exited while starting (%s)", cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("clickhouse-server did not answer http://127.0.0.1:%d/ping within %s: %w", s.cfg.HTTPPort, s.cfg.StartTimeout, ctx.Err())
		case <-tick.C:
		}
	}
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
	for _, name := range []string{"log/clickhouse-server.err.log", "stderr.log"} {
		p := filepath.Join(s.cfg.Dir, name)
		if t := tail(p, 15); t != "" {
			return "last lines of " + p + ":\n" + t
		}
	}
	return "the server wrote nothing to " + filepath.Join(s.cfg.Dir, "log") + " or stderr.log"
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
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return fmt.Errorf("pid file %s holds %q, not a process id", p, strings.TrimSpace(string(b)))
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return os.Remove(p) // the process is gone
	}
	if !strings.Contains(string(cmdline), "clickhouse-server") {
		return fmt.Errorf("pid %d of %s is not clickhouse-server (%q); not stopping it", pid, p, strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for deadline := time.Now().Add(30 * time.Second); alive(pid); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			deadline = time.Now().Add(time.Hour)
		}
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pid file: %w", err)
	}
	return nil
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
