package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync/atomic"
	"syscall"
	"testing"

	"servicepulse/ingest"
	"servicepulse/internal/pipelinetest"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

// The crash test needs a worker that dies between a ClickHouse insert and
// its offset commit. Production code has no such fault point: the test
// binary itself is the worker. Run with crashWorkerEnv set, TestMain runs one
// ingest pipeline whose sink SIGKILLs the process right after its Nth
// successful write, before the ack path commits that batch's offsets.

// crashWorkerEnv holds the JSON crashWorker of a worker run.
const crashWorkerEnv = "SERVICEPULSE_TEST_CRASH_WORKER"

// crashWorker is what the worker process is told.
type crashWorker struct {
	DSN        string        `json:"dsn"`
	Config     ingest.Config `json:"config"`
	PIIKey     []byte        `json:"pii_key"`
	CrashAfter int64         `json:"crash_after_writes"`
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashWorkerEnv); spec != "" {
		if err := runCrashWorker(spec); err != nil {
			fmt.Fprintln(os.Stderr, "crash worker:", err)
			os.Exit(2)
		}
		// Reaching here means the sink never crashed.
		fmt.Fprintln(os.Stderr, "crash worker: ran out of messages before its crash point")
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// crashWorkerProcess returns the command that runs this test binary as a
// crash worker on the stack's database and topics.
func (s *stack) crashWorkerProcess(t *testing.T, cfg ingest.Config, after int64) *exec.Cmd {
	t.Helper()
	spec, err := json.Marshal(crashWorker{DSN: s.dsn, Config: cfg, PIIKey: testKey, CrashAfter: after})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), crashWorkerEnv+"="+string(spec))
	cmd.Stdout, cmd.Stderr = pipelinetest.LogSink(t), pipelinetest.LogSink(t)
	return cmd
}

func runCrashWorker(spec string) error {
	var w crashWorker
	if err := json.Unmarshal([]byte(spec), &w); err != nil {
		return fmt.Errorf("read %s: %w", crashWorkerEnv, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx := context.Background()
	wc := warehouse.DefaultConfig()
	wc.DSN = w.DSN
	conn, err := warehouse.Open(ctx, wc, log)
	if err != nil {
		return err
	}
	tr, err := transform.New(transform.Config{PIIKey: w.PIIKey})
	if err != nil {
		return err
	}
	dlq := ingest.NewKafkaDeadLetters(w.Config.Brokers, w.Config.DLQTopic, w.PIIKey)
	sink := &crashingSink{inner: ingest.NewClickHouseSink(conn), after: w.CrashAfter, log: log}
	p, err := ingest.New(w.Config, tr, sink, dlq, log)
	if err != nil {
		return err
	}
	_, err = p.Run(ctx)
	return err
}

// crashingSink writes through inner and kills the process with SIGKILL
// right after its after-th successful write: the rows are in ClickHouse and
// their offsets are not committed.
type crashingSink struct {
	inner  ingest.Sink
	after  int64
	writes atomic.Int64
	log    *slog.Logger
}

func (s *crashingSink) Write(ctx context.Context, b *ingest.Batch) error {
	if err := s.inner.Write(ctx, b); err != nil {
		return err
	}
	if n := s.writes.Add(1); n >= s.after {
		s.log.Warn("crash worker: SIGKILL after clickhouse write, before commit", "writes", n)
		_ = syscall.Kill(syscall.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
	return nil
}
