package devenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
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

// install installs the Debian packages of ClickHouse, logging apt-get's
// output line by line.
func install(ctx context.Context, log *slog.Logger) error {
	const manual = "apt-get install -y clickhouse-server clickhouse-client"
	if os.Geteuid() != 0 {
		return fmt.Errorf("clickhouse-server is not installed and installing it needs root; run `sudo %s`", manual)
	}
	apt, err := exec.LookPath("apt-get")
	if err != nil {
		return fmt.Errorf("clickhouse-server is not installed and apt-get is missing (not Debian or Ubuntu?); install ClickHouse by hand: %w", err)
	}
	log.Info("installing clickhouse-server with apt-get")
	for _, args := range [][]string{{"update"}, {"install", "-y", "clickhouse-server", "clickhouse-client"}} {
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
