package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"servicepulse/generator"
	"servicepulse/internal/cli"
	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
)

// TestIntegrationKPIDefaultRange runs `servicepulse kpi` without --from and
// --to, its clock set to 2026-09-30 16:30 UTC, which is already 1 October
// 00:30 in Shanghai: by default the range is 2026-Q4 to date (1 October
// only), with --tz UTC the whole of 2026-Q3. Each run says its range on
// stderr and prints the values metrics.Run gives for that range.
func TestIntegrationKPIDefaultRange(t *testing.T) {
	s := pipelinetest.New(t)
	cst := time.FixedZone("CST", 8*3600)
	gen := generator.Config{Seed: 5, Tickets: 900, Now: time.Date(2026, 10, 2, 0, 0, 0, 0, cst),
		From: time.Date(2026, 7, 1, 0, 0, 0, 0, cst), Days: 93} // through 1 October (Shanghai)
	if _, err := generator.Produce(context.Background(), generator.KafkaConfig{Brokers: s.Brokers,
		RecordsTopic: s.Config.RecordsTopic, FeedbackTopic: s.Config.FeedbackTopic}, gen, s.Log); err != nil {
		t.Fatal(err)
	}
	s.Ingest(t)
	clock := time.Date(2026, 9, 30, 16, 30, 0, 0, time.UTC)
	kpiClock = func() time.Time { return clock }
	t.Cleanup(func() { kpiClock = time.Now })

	day := func(d string) time.Time { v, _ := time.Parse(time.DateOnly, d); return v }
	for _, tt := range []struct {
		tz       []string
		from, to string // to exclusive
		note     string
	}{
		{nil, "2026-10-01", "2026-10-02", "kpi: no --from/--to: 2026-Q4 to date in Asia/Shanghai, requests opened 2026-10-01 to 2026-10-01"},
		{[]string{"--tz", "UTC"}, "2026-07-01", "2026-10-01", "kpi: no --from/--to: 2026-Q3 to date in UTC, requests opened 2026-07-01 to 2026-09-30"},
	} {
		args := append([]string{"kpi", "--clickhouse", s.DSN, "--kpi", "requests,reply_sla_rate", "--format", "json",
			"--log-level", "warn"}, tt.tz...)
		var out []byte
		stderr := captureStderr(t, func() { out = captureStdout(t, func() error { return app.Run(context.Background(), args) }) })
		if !strings.Contains(stderr, tt.note) {
			t.Errorf("kpi %v said on stderr %q, want %q", tt.tz, stderr, tt.note)
		}
		var rows []struct {
			KPI   string   `json:"kpi"`
			Value *float64 `json:"value"`
		}
		if err := json.Unmarshal(out, &rows); err != nil {
			t.Fatalf("kpi printed %q: %v", out, err)
		}
		q := metrics.Query{From: day(tt.from), To: day(tt.to), AsOf: clock}
		groups, err := metrics.Run(t.Context(), s.Conn, q, []metrics.KPI{mustKPI(t, "requests"), mustKPI(t, "reply_sla_rate")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 1 || len(rows) != 2 {
			t.Fatalf("kpi %v printed %d rows, metrics.Run has %d groups for %s … %s", tt.tz, len(rows), len(groups), tt.from, tt.to)
		}
		if n := groups[0].Values["requests"]; n < 1 {
			t.Fatalf("no requests opened %s … %s: the fixture does not test the range", tt.from, tt.to)
		}
		for _, r := range rows {
			w := groups[0].Values[r.KPI]
			if math.IsNaN(w) && r.Value == nil {
				continue // no data, as metrics.Run says
			}
			if r.Value == nil || math.Abs(*r.Value-w) > 1e-9*math.Max(1, math.Abs(w)) {
				t.Errorf("kpi %v: %s = %s, metrics.Run over %s … %s says %v", tt.tz, r.KPI, show(r.Value), tt.from, tt.to, w)
			}
		}
	}
}

func mustKPI(t *testing.T, id string) metrics.KPI {
	t.Helper()
	k, ok := metrics.ByID(id)
	if !ok {
		t.Fatalf("no KPI %s", id)
	}
	return k
}

// captureStderr returns what f writes on os.Stderr.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	defer func() { os.Stderr = stderr }()
	f()
	w.Close()
	return string(<-done)
}

func show(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// The default range's usage errors, before any server is touched.
func TestKPIDefaultRangeUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"kpi", "--from", "2026-07-01"}, "--from and --to are required"},
		{[]string{"kpi", "--from", "2026-07-01", "--to", "2026-09-30", "--tz", "UTC"}, "--tz sets the default range"},
		{[]string{"kpi", "--tz", "Mars/Olympus"}, `--tz "Mars/Olympus": unknown time zone`},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // nothing may wait on a server
		err := app.Run(ctx, tt.args)
		var u cli.UsageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v, want a usage error mentioning %q", tt.args, err, tt.want)
		}
	}
}
