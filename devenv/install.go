package devenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
)

// findServer returns the path of the clickhouse-server binary. The Debian
// package puts it in /usr/sbin, which is not on every user's PATH.
func findServer() (string, error) {
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("clickhouse-server not found on PATH, in /usr/bin or in /usr/sbin")
}

// ensureServer returns the clickhouse-server binary, installing the Debian
// packages first if it is missing and allowInstall.
func ensureServer(ctx context.Context, allowInstall bool, log *slog.Logger) (string, error) {
	bin, err := findServer()
	if err == nil {
		return bin, nil
	}
	if !allowInstall {
		return "", fmt.Errorf("%w; install it with `apt-get install -y clickhouse-server clickhouse-client`", err)
	}
	if err := install(ctx, log); err != nil {
		return "", err
	}
	if bin, err = findServer(); err != nil {
		return "", fmt.Errorf("after apt-get install: %w", err)
	}
	return bin, nil
}

// install installs the Debian packages of ClickHouse, logging apt-get's
// output line by line.
func install(ctx context.Context, log *slog.Logger) error {
	return aptInstall(ctx, log, "clickhouse-server", "clickhouse-server", "clickhouse-client")
}

// aptInstall runs apt-get update, then apt-get install with args, for the
// program what, logging apt-get's output line by line.
func aptInstall(ctx context.Context, log *slog.Logger, what string, args ...string) error {
	manual := "apt-get install -y " + strings.Join(args, " ")
	if os.Geteuid() != 0 {
		return fmt.Errorf("%s is not installed and installing it needs root; run `sudo %s`", what, manual)
	}
	apt, err := exec.LookPath("apt-get")
	if err != nil {
		return fmt.Errorf("%s is not installed and apt-get is missing (not Debian or Ubuntu?); install it by hand: %w", what, err)
	}
	log.Info("installing "+what+" with apt-get", "packages", args)
	for _, args := range [][]string{{"update"}, append([]string{"install", "-y"}, args...)} {
		cmd := exec.CommandContext(ctx, apt, args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out := &lineLogger{log: log.With("cmd", "apt-get "+args[0])}
		cmd.Stdout, cmd.Stderr = out, out
		err := cmd.Run()
		out.flush()
		if err != nil {
			return fmt.Errorf("apt-get %s: %w (to do it by hand: %s)", args[0], err, manual)
		}
	}
	return nil
}

// lineLogger logs what a command writes, one record per line.
type lineLogger struct {
	log  *slog.Logger
	rest []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.rest = append(l.rest, p...)
	for {
		i := bytes.IndexByte(l.rest, '\n')
		if i < 0 {
			return len(p), nil
		}
		if line := bytes.TrimSpace(l.rest[:i]); len(line) > 0 {
			l.log.Info(string(line))
		}
		l.rest = l.rest[i+1:]
	}
}

func (l *lineLogger) flush() {
	if line := bytes.TrimSpace(l.rest); len(line) > 0 {
		l.log.Info(string(line))
	}
	l.rest = nil
}
