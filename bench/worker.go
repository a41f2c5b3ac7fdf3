package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"servicepulse/daemon"
)

// workerResult is what the worker process printed (daemon.Result), and its
// wall and CPU time as the bench saw them.
type workerResult struct {
	daemon.Result
	WallSeconds float64 // from start to exit: start-up, idle wait and final refresh included
	CPUSeconds  float64 // user and system
}

// workerProcess is a running `servicepulse ingest`.
type workerProcess struct {
	cmd   *exec.Cmd
	out   bytes.Buffer
	start time.Time
}

// startWorker starts `servicepulse ingest` (Config.Executable) as a child
// process, so its memory and CPU are measured apart from the broker and the
// producer. With refresh it runs with ingest's defaults, the live refresh
// included; without, with --refresh-interval 0. ctx's end kills it.
func startWorker(ctx context.Context, cfg Config, brokers, dsn, group string, refresh bool) (*workerProcess, error) {
	// --until-idle ends the run once caught up; it cannot end it before the
	// first message, which the producer writes as soon as the process runs.
	args := []string{"ingest", "--brokers", brokers, "--dev", "--until-idle", "2s", "--listen", "", "--group", group,
		"--workers", strconv.Itoa(cfg.Workers), "--batch-rows", strconv.Itoa(cfg.BatchRows), "--log-level", "warn",
		"--cluster", cfg.Cluster}
	profile := ".ingest"
	if !refresh {
		args, profile = append(args, "--refresh-interval", "0"), ".ingest-no-refresh"
	}
	// File names, not secrets: the child reads them as this process did.
	for flag, path := range map[string]string{"--clickhouse-password-file": cfg.ClickHouseAccess.PasswordFile,
		"--clickhouse-tls-ca": cfg.ClickHouseAccess.TLSCAFile, "--clickhouse-tls-cert": cfg.ClickHouseAccess.TLSCertFile,
		"--clickhouse-tls-key": cfg.ClickHouseAccess.TLSKeyFile} {
		if path != "" {
			args = append(args, flag, path)
		}
	}
	w := &workerProcess{cmd: exec.CommandContext(ctx, cfg.Executable, args...)}
	// The DSN, which may hold a password, goes by the environment: a
	// process list shows the arguments.
	w.cmd.Env = append(os.Environ(), "SERVICEPULSE_CLICKHOUSE="+dsn)
	if p := os.Getenv("SERVICEPULSE_CPU_PROFILE"); p != "" {
		w.cmd.Env = append(w.cmd.Env, "SERVICEPULSE_CPU_PROFILE="+p+profile)
	}
	w.cmd.Stdout, w.cmd.Stderr = &w.out, os.Stderr
	w.start = time.Now()
	if err := w.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the ingest process: %w", err)
	}
	return w, nil
}

// wait waits for the process to exit and reads what it printed.
func (w *workerProcess) wait() (workerResult, error) {
	err := w.cmd.Wait()
	res := workerResult{WallSeconds: time.Since(w.start).Seconds()}
	if st := w.cmd.ProcessState; st != nil {
		res.CPUSeconds = (st.UserTime() + st.SystemTime()).Seconds()
	}
	if err != nil {
		return res, fmt.Errorf("ingest process: %w", err)
	}
	if err := json.Unmarshal(w.out.Bytes(), &res.Result); err != nil {
		return res, fmt.Errorf("ingest process printed %q: %w", w.out.String(), err)
	}
	return res, nil
}
