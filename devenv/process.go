package devenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startChild starts bin with args in dir, its stdout and stderr appended to
// dir/stdout.log and dir/stderr.log, and writes its pid to pidFile. The
// process gets its own process group, so a Ctrl-C meant for this program
// does not stop it before the program has written what it holds; unless
// detach, it gets SIGTERM when this process dies. done is closed when the
// process has exited (and been reaped).
func startChild(dir, pidFile string, detach bool, bin string, args ...string) (cmd *exec.Cmd, done chan struct{}, err error) {
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close() // the child has its own copies
		}
	}()
	for _, name := range []string{"stdout.log", "stderr.log"} {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
	// Not CommandContext: a context bounds a start, not the server's life.
	cmd = exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = files[0], files[1]
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if !detach {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	done = make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		stop(cmd, done, nil, 0)
		return nil, nil, fmt.Errorf("write pid file: %w", err)
	}
	return cmd, done, nil
}

// waitReady polls ready every 100 ms until it answers true, the process
// exits (exited closes), or timeout passes. what names the process in the
// error.
func waitReady(ctx context.Context, what string, timeout time.Duration, exited <-chan struct{}, ready func(context.Context) bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if ready(ctx) {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("%s exited while starting", what)
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer within %s: %w", what, timeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// ownPID returns the pid in pidFile if that process runs and its command
// line contains want, so that a pid reused since by another process is
// never taken for ours (that is an error). It returns 0 when there is no pid
// file or the process is gone; then it removes the stale file.
func ownPID(pidFile, want string) (int, error) {
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return 0, fmt.Errorf("pid file %s holds %q, not a process id", pidFile, strings.TrimSpace(string(b)))
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !alive(pid) {
		return 0, removePIDFile(pidFile)
	}
	if !strings.Contains(string(cmdline), want) {
		return 0, fmt.Errorf("pid %d of %s is not ours (%q does not contain %q); not stopping it", pid, pidFile, strings.ReplaceAll(string(cmdline), "\x00", " "), want)
	}
	return pid, nil
}

// termPIDFile sends SIGTERM to the process of pidFile if it is ours (see
// ownPID) and returns its pid, or 0 when there is nothing to stop.
func termPIDFile(pidFile, want string) (int, error) {
	pid, err := ownPID(pidFile, want)
	if pid != 0 {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	return pid, err
}

// awaitExit waits until pid has exited, sending SIGKILL once grace has
// passed, then removes pidFile. pid 0 is a no-op.
func awaitExit(pid int, pidFile string, grace time.Duration) error {
	if pid == 0 {
		return nil
	}
	for deadline := time.Now().Add(grace); alive(pid); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			deadline = time.Now().Add(time.Hour)
		}
	}
	return removePIDFile(pidFile)
}

func removePIDFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pid file: %w", err)
	}
	return nil
}
