package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"servicepulse/internal/testenv"
)

// secured is one test's secured stack: the embedded broker with SCRAM users
// over TLS, ClickHouse's TLS port with a password, and everything every
// process printed, for the leak scan.
type secured struct {
	t         *testing.T
	dir       string // certificates and passwords (testenv.TLSClickHouse)
	broker    string // host:port of the broker
	kafkaPW   string
	secrets   []string // every secret of the run: no output may hold one
	env       []string // the processes' environment: secrets go here, never in arguments
	kafka, ch []string // the flags of the secured Kafka and ClickHouse
	outputs   bytes.Buffer
}

func newSecured(t *testing.T) *secured {
	base, dir := testenv.TLSClickHouse(t)
	s := &secured{t: t, dir: dir, kafkaPW: "kafka-" + testenv.Unique("pw")}
	users := filepath.Join(t.TempDir(), "kafka-users")
	if err := os.WriteFile(users, []byte("# test users\nsp_kafka:"+s.kafkaPW+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"writer.password", "reader.password"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		s.secrets = append(s.secrets, strings.TrimSpace(string(b)))
	}
	piiKey := "pii-" + testenv.Unique("key") + "-0123456789"
	s.secrets = append(s.secrets, s.kafkaPW, piiKey)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SERVICEPULSE_CLICKHOUSE=") && !strings.HasPrefix(kv, "SERVICEPULSE_BROKERS=") {
			s.env = append(s.env, kv)
		}
	}
	s.env = append(s.env, "SERVICEPULSE_KAFKA_PASSWORD="+s.kafkaPW, "SERVICEPULSE_PII_KEY="+piiKey)

	s.broker = testenv.FreeAddr(t)
	b := s.start("broker", "--addr", s.broker, "--sasl-users-file", users,
		"--tls-cert", filepath.Join(dir, "server.crt"), "--tls-key", filepath.Join(dir, "server.key"))
	t.Cleanup(func() { _ = b.Process.Signal(syscall.SIGTERM); _ = b.Wait() })
	waitListening(t, s.broker)
	s.checkCommandLine(b)

	ca := filepath.Join(dir, "ca.crt")
	s.kafka = []string{"--brokers", s.broker, "--kafka-sasl-mechanism", "SCRAM-SHA-512", "--kafka-user", "sp_kafka",
		"--kafka-tls", "--kafka-tls-ca", ca}
	db := strings.ReplaceAll(testenv.Unique("sp_secured"), "-", "_")
	s.ch = []string{"--clickhouse", strings.Replace(base, "://", "://sp_writer@", 1) + "/" + db + "?secure=true",
		"--clickhouse-tls-ca", ca, "--clickhouse-password-file", filepath.Join(dir, "writer.password")}
	return s
}

// command is the servicepulse process of args, its output kept for the scan.
func (s *secured) command(ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, testenv.Binary(s.t), args...)
	cmd.Env, cmd.Dir = s.env, s.t.TempDir()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&out, &s.outputs), &s.outputs
	s.checkCommandLine(cmd)
	return cmd, &out
}

func (s *secured) start(args ...string) *exec.Cmd {
	cmd, _ := s.command(context.Background(), args...)
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	return cmd
}

// run runs a command that must succeed within 3 minutes; it returns stdout.
func (s *secured) run(args ...string) []byte {
	ctx, cancel := context.WithTimeout(s.t.Context(), 3*time.Minute)
	defer cancel()
	cmd, out := s.command(ctx, args...)
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("servicepulse %s: %v\n%s", args[0], err, stderrTail(s.outputs.String()))
	}
	return out.Bytes()
}

// fail runs a command that must fail by itself within 10 s, saying says.
func (s *secured) fail(says string, args ...string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.t.Context(), 10*time.Second)
	defer cancel()
	cmd, out := s.command(ctx, args...)
	var errOut bytes.Buffer
	cmd.Stderr = io.MultiWriter(&errOut, &s.outputs)
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		s.t.Errorf("servicepulse %s ran 10 s without failing\n%s", strings.Join(args, " "), errOut.String())
	case !errors.As(err, &exit):
		s.t.Errorf("servicepulse %s: %v, want a failure; printed %s", strings.Join(args, " "), err, out)
	case !strings.Contains(errOut.String(), says):
		s.t.Errorf("servicepulse %s failed without saying %q:\n%s", strings.Join(args, " "), says, stderrTail(errOut.String()))
	}
}

// checkCommandLine fails if a secret is in a process's arguments, which
// every user of the machine can read.
func (s *secured) checkCommandLine(cmd *exec.Cmd) {
	line := strings.Join(cmd.Args, " ")
	for _, secret := range s.secrets {
		if strings.Contains(line, secret) {
			s.t.Errorf("a secret is on the command line: %s", line)
		}
	}
}

// scan fails for every secret found in what was printed or served.
func (s *secured) scan(what string, text string) {
	for _, secret := range s.secrets {
		if strings.Contains(text, secret) {
			s.t.Errorf("%s shows a secret", what)
		}
	}
}

// Secured end to end: gen and ingest through SCRAM-SHA-512 over TLS to the
// embedded broker, migrate, ingest, stats, kpi and report through TLS with a
// password to ClickHouse 18.16, with exact counts. The misconfigured runs
// fail within 10 s naming the server, and no secret is in any log, output,
// help, /metrics, /healthz or command line.
func TestIntegrationSecuredEndToEnd(t *testing.T) {
	s := newSecured(t)
	topics := []string{"--records-topic", testenv.Unique("records"), "--feedback-topic", testenv.Unique("feedback"), "--dlq-topic", testenv.Unique("dlq")}
	var sum struct {
		Records, Feedback, Malformed int
	}
	out := s.run(append(append([]string{"gen"}, s.kafka...), append(topics, "--tickets", "2000", "--bad-rate", "0.01", "--partitions", "2")...)...)
	if err := json.Unmarshal(out, &sum); err != nil || sum.Records == 0 {
		t.Fatalf("gen printed %q (%v)", out, err)
	}
	s.run(append([]string{"migrate"}, s.ch...)...)

	listen := testenv.FreeAddr(t)
	ingest := s.start(append(append(append([]string{"ingest", "--group", testenv.Unique("secured"), "--listen", listen}, s.kafka...), s.ch...), topics...)...)
	defer func() { _ = ingest.Process.Kill() }()
	type stats struct {
		Events, Feedback, Rejected int
	}
	var st stats
	deadline := time.Now().Add(3 * time.Minute)
	for st.Events != sum.Records || st.Feedback != sum.Feedback || st.Rejected != sum.Malformed {
		if time.Now().After(deadline) {
			t.Fatalf("after 3 minutes ClickHouse holds %+v, generated %+v\n%s", st, sum, stderrTail(s.outputs.String()))
		}
		time.Sleep(500 * time.Millisecond)
		cmd, out := s.command(t.Context(), append([]string{"stats", "--log-level", "warn"}, s.ch...)...)
		if cmd.Run() == nil {
			_ = json.Unmarshal(out.Bytes(), &st)
		}
	}
	for _, path := range []string{"/metrics", "/healthz"} {
		resp, err := http.Get("http://" + listen + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(body) == 0 {
			t.Errorf("%s is empty", path)
		}
		s.scan(path, string(body))
	}
	if err := ingest.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := ingest.Wait(); err != nil {
		t.Errorf("ingest after SIGTERM: %v\n%s", err, stderrTail(s.outputs.String()))
	}

	out = s.run(append([]string{"kpi", "--from", "2026-07-01", "--to", "2026-09-30", "--format", "json"}, s.ch...)...)
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil || len(rows) == 0 {
		t.Errorf("kpi printed %q (%v)", out, err)
	}
	reports := t.TempDir()
	s.run(append([]string{"report", "--period", "2026-Q3", "--out", reports}, s.ch...)...)
	if files, _ := filepath.Glob(filepath.Join(reports, "*")); len(files) == 0 {
		t.Error("report wrote no file")
	}

	t.Run("misconfigured runs fail within 10 s naming the server", func(t *testing.T) {
		gen := append([]string{"gen", "--tickets", "10"}, topics...)
		wrongKafka := append(slicesClone(s.env), "SERVICEPULSE_KAFKA_PASSWORD=wrong-password")
		envBefore := s.env
		s.env = wrongKafka
		s.fail(s.broker, append(gen, s.kafka...)...)
		s.env = envBefore
		s.fail(s.broker, append(gen, replace(s.kafka, filepath.Join(s.dir, "ca.crt"), filepath.Join(s.dir, "other-ca.crt"))...)...)
		s.fail(s.broker, append(gen, s.kafka[:6]...)...) // SASL without TLS, to the TLS listener
		s.fail("refused the user or its password", append([]string{"stats"}, replace(s.ch, filepath.Join(s.dir, "writer.password"), filepath.Join(s.dir, "reader.password"))...)...)
		s.fail("not signed by the CA given", append([]string{"stats"}, replace(s.ch, filepath.Join(s.dir, "ca.crt"), filepath.Join(s.dir, "other-ca.crt"))...)...)
		plain := []string{"--clickhouse", strings.TrimSuffix(s.ch[1], "?secure=true"), "--clickhouse-password-file", s.ch[5]}
		s.fail("needs secure=true", append([]string{"stats"}, plain...)...)
	})

	t.Run("help shows no secret", func(t *testing.T) {
		for _, c := range []string{"broker", "gen", "ingest", "lag", "migrate", "stats", "kpi", "report"} {
			s.scan(c+" -h", string(s.run(c, "-h")))
		}
	})
	s.scan("the processes' logs and outputs", s.outputs.String())
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s after 30 s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// replace returns args with every old replaced by new, inside values too.
func replace(args []string, old, new string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ReplaceAll(a, old, new)
	}
	return out
}
