package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// PrometheusServer is a prometheus process of one test: its own free port,
// config and data directory, scraping the test's targets every second.
type PrometheusServer struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234.
	URL string
}

// Sample is one element of an instant vector.
type Sample struct {
	Metric map[string]string
	Value  float64
}

// Prometheus starts Debian's prometheus (package `prometheus`, 2.42) on a
// free port, scraping /metrics of each target (host:port) every second as
// job "servicepulse". A missing binary skips the test, or fails it where
// integration tests are required (Required). It is stopped when the test
// ends.
func Prometheus(t testing.TB, targets ...string) *PrometheusServer {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		missing(t, "the prometheus binary on PATH (apt-get install prometheus)")
	}
	dir := t.TempDir()
	quoted := make([]string, len(targets))
	for i, tg := range targets {
		quoted[i] = strconv.Quote(tg)
	}
	// Timeout below the interval, as Prometheus requires.
	cfg := "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n" +
		"scrape_configs:\n  - job_name: servicepulse\n    static_configs:\n      - targets: [" + strings.Join(quoted, ", ") + "]\n"
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := FreeAddr(t)
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	p := &PrometheusServer{URL: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for !p.ready() {
		select {
		case err := <-exited:
			t.Fatalf("prometheus exited before it was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus at %s not ready after 30s", p.URL)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return p
}

func (p *PrometheusServer) ready() bool {
	resp, err := http.Get(p.URL + "/-/ready")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Query evaluates expr as an instant query now, through the HTTP API, and
// returns its vector (a scalar result is one sample without labels).
func (p *PrometheusServer) Query(ctx context.Context, expr string) ([]Sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/api/v1/query?query="+url.QueryEscape(expr), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("query %q: decode answer (status %d): %w", expr, resp.StatusCode, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", expr, body.Error)
	}
	switch body.Data.ResultType {
	case "vector":
		var raw []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(body.Data.Result, &raw); err != nil {
			return nil, fmt.Errorf("query %q: %w", expr, err)
		}
		out := make([]Sample, len(raw))
		for i, r := range raw {
			v, err := sampleValue(r.Value[1])
			if err != nil {
				return nil, fmt.Errorf("query %q: %w", expr, err)
			}
			out[i] = Sample{Metric: r.Metric, Value: v}
		}
		return out, nil
	case "scalar":
		var raw [2]any
		if err := json.Unmarshal(body.Data.Result, &raw); err != nil {
			return nil, fmt.Errorf("query %q: %w", expr, err)
		}
		v, err := sampleValue(raw[1])
		return []Sample{{Value: v}}, err
	}
	return nil, fmt.Errorf("query %q: result type %q, want a vector", expr, body.Data.ResultType)
}

// sampleValue parses the API's string-encoded number ("NaN" and "+Inf" included).
func sampleValue(v any) (float64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("sample value %v is no string", v)
	}
	return strconv.ParseFloat(s, 64)
}
