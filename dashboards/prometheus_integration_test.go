package dashboards

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
)

// promRateInterval stands for Grafana's $__rate_interval: four scrape
// intervals or more, as Grafana computes it, is ample at 1s scrapes.
const promRateInterval = "1m"

// TestIntegrationPrometheusPanels runs `servicepulse ingest` as a child
// process, has a real Prometheus (Debian's 2.42) scrape its /metrics every
// second, and evaluates through Prometheus' HTTP API every PromQL query of
// the exported dashboards: each returns a non-empty vector. Then the worker
// is stopped with SIGSTOP while messages keep arriving: the lag gauge and
// the lag alert's expression rise. A stopped process serves no /metrics, so
// the group's lag is then exported by a process that is no member of the
// group (ingest.Metrics.WatchLag), as any other ingest replica would report
// it: every process reports every partition of its group.
func TestIntegrationPrometheusPanels(t *testing.T) {
	s := pipelinetest.New(t)
	ctx := t.Context()
	ingestAddr := testenv.FreeAddr(t)
	child := startIngest(t, s, ingestAddr)

	exporter := ingest.NewMetrics()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: exporter.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	prom := testenv.Prometheus(t, ingestAddr, ln.Addr().String())

	produce(t, s, 1, 300)
	set := testSet(t)
	for _, q := range set.Dashboards {
		for _, pq := range q.PromQueries {
			expr := ExpandPromQL(pq.Expr, promRateInterval)
			pollProm(t, prom, fmt.Sprintf("%s: panel %q %s", pq.Dashboard, pq.Panel, pq.RefID), expr, func(v []testenv.Sample) bool { return len(v) > 0 })
		}
	}

	// The worker stops; messages keep arriving.
	if err := child.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	lag := ingest.NewLagReader(s.Brokers, s.Config.Group, 5*time.Second, s.Config.RecordsTopic, s.Config.FeedbackTopic)
	defer lag.Close()
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go exporter.WatchLag(watchCtx, lag, 250*time.Millisecond, s.Log)

	gauge := lagTotal
	growing := set.Alerts.PromQueries[0].Expr
	// The baseline is the exporter's first scraped lag, before any more
	// message arrives: only a series with samples below its later values
	// has a positive deriv.
	var before float64
	own := fmt.Sprintf("sum(%s{instance=%q})", metricLag, ln.Addr().String())
	pollProm(t, prom, "the exporter's lag gauge", own, func(v []testenv.Sample) bool {
		if len(v) == 1 {
			before = v[0].Value
		}
		return len(v) == 1
	})
	for i, seed := range []int64{2, 3} {
		n := produce(t, s, seed, 200)
		want := before + float64(n)
		pollProm(t, prom, fmt.Sprintf("round %d: the lag gauge to rise from %g to %g", i+1, before, want), gauge, atLeast(want))
		pollProm(t, prom, fmt.Sprintf("round %d: the lag alert's expression to rise to %g", i+1, want), growing, atLeast(want))
		before = want
	}
}

func atLeast(want float64) func([]testenv.Sample) bool {
	return func(v []testenv.Sample) bool { return len(v) == 1 && !math.IsNaN(v[0].Value) && v[0].Value >= want }
}

// startIngest runs `servicepulse ingest` on the stack, serving /metrics on
// addr; it is resumed (if stopped) and terminated when the test ends.
func startIngest(t *testing.T, s *pipelinetest.Stack, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(testenv.Binary(t), "ingest",
		"--brokers", s.Brokers[0], "--clickhouse", s.DSN, "--group", s.Config.Group,
		"--records-topic", s.Config.RecordsTopic, "--feedback-topic", s.Config.FeedbackTopic, "--dlq-topic", s.Config.DLQTopic,
		"--batch-interval", "200ms", "--listen", addr)
	cmd.Env = append(os.Environ(), "SERVICEPULSE_PII_KEY="+string(s.Key))
	cmd.Stdout, cmd.Stderr = pipelinetest.LogSink(t), pipelinetest.LogSink(t)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start ingest: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	return cmd
}

// produce sends seed's generated traffic (5 % malformed, so the reject
// counter has series) and returns how many messages it sent.
func produce(t *testing.T, s *pipelinetest.Stack, seed int64, tickets int) int {
	t.Helper()
	sum, err := generator.Produce(t.Context(), generator.KafkaConfig{Brokers: s.Brokers, RecordsTopic: s.Config.RecordsTopic, FeedbackTopic: s.Config.FeedbackTopic},
		generator.Config{Seed: seed, Tickets: tickets, BadRate: 0.05}, s.Log)
	if err != nil {
		t.Fatalf("produce: %v", err)
	}
	return sum.Records + sum.Feedback + sum.Malformed
}

// pollProm evaluates expr until ok accepts its vector, for at most a minute.
func pollProm(t *testing.T, prom *testenv.PrometheusServer, what, expr string, ok func([]testenv.Sample) bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var last []testenv.Sample
	var lastErr error
	for {
		last, lastErr = prom.Query(t.Context(), expr)
		if lastErr == nil && ok(last) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %s gave %v (err %v)", what, expr, last, lastErr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
