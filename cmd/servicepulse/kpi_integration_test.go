package main

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"servicepulse/contracts"
	"servicepulse/generator"
	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
)

// TestIntegrationKPIJSON runs `servicepulse kpi --format json --by partner`
// on generated traffic that went through the whole pipeline: one object per
// KPI and partner with kpi, value, target, met and partner, and values equal
// to metrics.Run for the same query.
func TestIntegrationKPIJSON(t *testing.T) {
	s := pipelinetest.New(t)
	s.LoadContracts(t, string(contracts.SampleYAML()))
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	gen := generator.Config{Seed: 3, Tickets: 1500, Now: now, From: time.Date(2026, 7, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)), Days: 92}
	if _, err := generator.Produce(context.Background(), generator.KafkaConfig{Brokers: s.Brokers,
		RecordsTopic: s.Config.RecordsTopic, FeedbackTopic: s.Config.FeedbackTopic}, gen, s.Log); err != nil {
		t.Fatal(err)
	}
	s.Ingest(t)
	out := captureStdout(t, func() error {
		return app.Run(context.Background(), []string{"kpi", "--clickhouse", s.DSN, "--from", "2026-07-01", "--to", "2026-09-30",
			"--by", "partner", "--format", "json", "--as-of", "2026-10-15T00:00:00Z", "--log-level", "warn"})
	})
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("kpi printed %q: %v", out, err)
	}
	q := metrics.Query{From: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		By: []metrics.Dimension{metrics.ByPartner}, AsOf: time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)}
	groups, err := metrics.Run(t.Context(), s.Conn, q, metrics.All(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) < 5 || len(rows) != len(groups)*len(metrics.All()) {
		t.Fatalf("kpi printed %d objects for %d partners × %d KPIs", len(rows), len(groups), len(metrics.All()))
	}
	want := map[string]float64{}
	for _, g := range groups {
		for id, v := range g.Values {
			want[g.Keys[metrics.ByPartner]+"/"+id] = v
		}
	}
	for _, r := range rows {
		id, _ := r["kpi"].(string)
		partner, _ := r["partner"].(string)
		k, ok := metrics.ByID(id)
		if !ok || partner == "" {
			t.Fatalf("object without a known kpi and a partner: %v", r)
		}
		if _, ok := r["target"]; !ok {
			t.Errorf("%s/%s has no target field", partner, id)
		}
		if _, ok := r["met"]; !ok {
			t.Errorf("%s/%s has no met field", partner, id)
		}
		w := want[partner+"/"+id]
		v, isNum := r["value"].(float64)
		switch {
		case math.IsNaN(w) && r["value"] != nil:
			t.Errorf("%s/%s: value %v, want null (no data)", partner, id, r["value"])
		case !math.IsNaN(w) && (!isNum || math.Abs(v-w) > 1e-9*math.Max(1, math.Abs(w))):
			t.Errorf("%s/%s: value %v, metrics.Run says %v", partner, id, r["value"], w)
		}
		if k.Direction != metrics.Informational && isNum {
			met, _ := metrics.Met(k, v, r["target"].(float64))
			if r["met"] != met {
				t.Errorf("%s/%s: met %v, want %v", partner, id, r["met"], met)
			}
		}
	}
}
