package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"servicepulse/internal/cli"
	"servicepulse/internal/pipelinetest"
	"servicepulse/warehouse"
)

// runCaptured runs the CLI with args, stdin read from the file stdin (if
// any), and returns its stdout, its stderr followed by the error main would
// print, and the exit status.
func runCaptured(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	oldIn, oldOut, oldErr := os.Stdin, os.Stdout, os.Stderr
	defer func() { os.Stdin, os.Stdout, os.Stderr = oldIn, oldOut, oldErr }()
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		os.Stdin = f
	}
	read := func(p **os.File) func() string {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		*p = w
		done := make(chan string)
		go func() { b, _ := io.ReadAll(r); done <- string(b) }()
		return func() string { w.Close(); return <-done }
	}
	outDone, errDone := read(&os.Stdout), read(&os.Stderr)
	err := app.Run(context.Background(), args)
	stdout, stderr = outDone(), errDone()
	if err != nil {
		stderr += "servicepulse: " + err.Error() + "\n"
	}
	return stdout, stderr, cli.ExitCode(err)
}

// TestIntegrationImportCommand: `servicepulse import` prints the JSON
// summary on stdout and the bad lines on stderr, exits 1 when a line was
// invalid and 0 when none was, and reads - from standard input.
func TestIntegrationImportCommand(t *testing.T) {
	s := pipelinetest.New(t)
	flags := []string{"import", "--brokers", strings.Join(s.Brokers, ","), "--records-topic", s.Config.RecordsTopic,
		"--feedback-topic", s.Config.FeedbackTopic, "--dlq-topic", s.Config.DLQTopic, "--replication-factor", "1", "--log-level", "warn"}

	out, errOut, code := runCaptured(t, "", append(flags, "../../importer/testdata/bad.jsonl")...)
	var sum struct {
		Sent, Invalid int
		ByReason      map[string]int `json:"by_reason"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("stdout %q: %v", out, err)
	}
	if code != 1 || sum.Sent != 3 || sum.Invalid != 6 || sum.ByReason["bad_json"] != 1 {
		t.Errorf("bad.jsonl: exit %d, summary %+v; want exit 1, 3 sent, 6 invalid (one bad_json)", code, sum)
	}
	if !strings.Contains(errOut, "../../importer/testdata/bad.jsonl:3: bad_json (invalid JSON object)\n") ||
		!strings.Contains(errOut, "6 of 9 lines invalid, none sent") {
		t.Errorf("stderr lacks the bad line's file:line: reason, or the error:\n%s", errOut)
	}

	out, errOut, code = runCaptured(t, "../../importer/testdata/feedback.jsonl", append(flags, "-", "../../importer/testdata/feedback.csv")...)
	if err := json.Unmarshal([]byte(out), &sum); err != nil || code != 0 || sum.Sent != 7 || sum.Invalid != 0 {
		t.Errorf("feedback from stdin and CSV: exit %d, summary %+v (%v), stderr %s; want exit 0, 7 sent", code, sum, err, errOut)
	}

	if _, errOut, code := runCaptured(t, "", flags...); code != 2 || !strings.Contains(errOut, "give at least one export file") {
		t.Errorf("no file: exit %d, stderr %q; want the usage error, exit 2", code, errOut)
	}

	s.Ingest(t)
	st, err := warehouse.ReadStats(context.Background(), s.Conn)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 2 || st.Feedback != 1+7 || st.Rejected != 0 {
		t.Errorf("stats %+v: want 2 events, 8 feedback, nothing rejected", st)
	}
}
