package reports_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"servicepulse/contracts"
	"servicepulse/generator"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
	"servicepulse/metrics"
	"servicepulse/reports"
	"servicepulse/sla"
	"servicepulse/warehouse"
)

// The same messages through one ClickHouse server and through a 2 × 2
// cluster give the same numbers: every catalog KPI of a quarter by partner,
// the report's data and a partner's scorecard. Floating-point sums may be
// added in another order across shards, so values agree to 1e-9 (relative).
func TestIntegrationClusterEqualsSingleNode(t *testing.T) {
	t.Parallel()
	clusterEqualsSingle(t, pipelinetest.Options{OnCluster: true})
}

// The same on a cluster whose default user has a password, which the nodes
// use between themselves (remote_servers, interserver credentials).
func TestIntegrationSecuredClusterEqualsSingleNode(t *testing.T) {
	t.Parallel()
	pwFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pwFile, []byte("s3cret-"+testenv.Unique("pw")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pw, _ := os.ReadFile(pwFile)
	c := testenv.PrivateClusterWith(t, 2, 2, pwFile)
	base := strings.Replace(c.DSN, "clickhouse://", "clickhouse://default:"+url.QueryEscape(strings.TrimSpace(string(pw)))+"@", 1)
	// Without the password the cluster refuses.
	if _, err := warehouse.Open(t.Context(), warehouse.ConfigFor(c.DSN+"/default"), slog.New(slog.DiscardHandler)); !errors.Is(err, warehouse.ErrAuth) {
		t.Fatalf("open without the password: %v, want ErrAuth", err)
	}
	clusterEqualsSingle(t, pipelinetest.Options{DSN: testenv.ClusterDatabase(t, base, c.Name), Cluster: c.Name})
}

func clusterEqualsSingle(t *testing.T, clusterOpts pipelinetest.Options) {
	now := local("2026-10-15 00:00")
	single := pipelinetest.New(t)
	gen := generator.Config{Seed: 7, Tickets: 6000, BadRate: 0.01, From: local("2026-07-01 00:00"), Days: 92, Now: now}
	sum, err := generator.Produce(context.Background(), generator.KafkaConfig{
		Brokers: single.Brokers, RecordsTopic: single.Config.RecordsTopic, FeedbackTopic: single.Config.FeedbackTopic,
	}, gen, single.Log)
	if err != nil {
		t.Fatal(err)
	}
	cluster := pipelinetest.NewWith(t, clusterOpts)
	cluster.Config.RecordsTopic, cluster.Config.FeedbackTopic = single.Config.RecordsTopic, single.Config.FeedbackTopic
	cluster.Config.Group = testenv.Unique("cluster")

	terms := contracts.Sample()
	for _, s := range []*pipelinetest.Stack{single, cluster} {
		if tot, n := s.Ingest(t), sum.Records+sum.Feedback+sum.Malformed; tot.Consumed != int64(n) || tot.Lag != 0 {
			t.Fatalf("ingest into %q: %+v, want %d messages consumed", s.Cluster, tot, n)
		}
		if _, err := contracts.Load(context.Background(), s.Conn, terms); err != nil {
			t.Fatal(err)
		}
		r := sla.NewRefresher(s.Conn, s.Log)
		r.Now = func() time.Time { return now }
		if _, err := r.RefreshAll(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	q3 := mustPeriod(t, "2026-Q3")

	t.Run("stored rows", func(t *testing.T) {
		want, err := warehouse.ReadStats(t.Context(), single.Conn)
		if err != nil {
			t.Fatal(err)
		}
		got, err := warehouse.ReadStats(t.Context(), cluster.Conn)
		if err != nil {
			t.Fatal(err)
		}
		// Not the generator's counts: its future_timestamp messages are a
		// month after its Now (2026-10-15), in the past of the real clock
		// that ingest judges them by, so they are stored as valid.
		if fmt.Sprint(got) != fmt.Sprint(want) || want.Events == 0 {
			t.Errorf("cluster stores %+v, single node %+v", got, want)
		}
	})

	t.Run("every KPI by partner", func(t *testing.T) {
		q := metrics.Query{From: sum.From, To: sum.To, By: []metrics.Dimension{metrics.ByPartner}, AsOf: now}
		values := func(s *pipelinetest.Stack) map[string]float64 {
			gs, err := metrics.Run(context.Background(), s.Conn, q, metrics.All(), reports.ContractTargets(terms, q.To))
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]float64{}
			for _, g := range gs {
				for k, v := range g.Values {
					out[g.Keys[metrics.ByPartner]+" "+k] = v
				}
			}
			return out
		}
		want, got := values(single), values(cluster)
		if len(want) < len(metrics.All())*3 {
			t.Fatalf("single node gave %d values; want every KPI for at least 3 partners", len(want))
		}
		assertSame(t, "KPIs", want, got)
	})
	t.Run("report", func(t *testing.T) {
		build := func(s *pipelinetest.Stack) any {
			r, err := reports.Build(context.Background(), s.Conn, q3, now, terms)
			if err != nil {
				t.Fatal(err)
			}
			return asJSON(t, r)
		}
		assertSame(t, "report", build(single), build(cluster))
	})
	t.Run("scorecard", func(t *testing.T) {
		card := func(s *pipelinetest.Stack) any {
			sc, err := reports.BuildScorecard(context.Background(), s.Conn, q3, now, "PT-SOUTH")
			if err != nil {
				t.Fatal(err)
			}
			if sc.Peers < 3 {
				t.Fatalf("scorecard with %d peers; want a benchmarked one", sc.Peers)
			}
			return asJSON(t, sc)
		}
		assertSame(t, "scorecard", card(single), card(cluster))
	})
}

// asJSON is v as encoding/json decodes its JSON: maps, slices, floats.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// assertSame reports every place where got differs from want, numbers
// compared to 1e-9 relative.
func assertSame(t *testing.T, what string, want, got any) {
	t.Helper()
	var diffs []string
	same(what, want, got, &diffs)
	sort.Strings(diffs)
	for i, d := range diffs {
		if i == 20 {
			t.Errorf("… and %d more", len(diffs)-i)
			break
		}
		t.Error(d)
	}
}

func same(path string, want, got any, diffs *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			*diffs = append(*diffs, fmt.Sprintf("%s: cluster %v, single node %v", path, got, want))
			return
		}
		for k := range w {
			same(path+"."+k, w[k], g[k], diffs)
		}
	case map[string]float64:
		g := got.(map[string]float64)
		if len(g) != len(w) {
			*diffs = append(*diffs, fmt.Sprintf("%s: cluster has %d values, single node %d", path, len(g), len(w)))
		}
		for k := range w {
			same(path+" "+k, w[k], g[k], diffs)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*diffs = append(*diffs, fmt.Sprintf("%s: cluster %v, single node %v", path, got, want))
			return
		}
		for i := range w {
			same(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], diffs)
		}
	case float64:
		g, ok := got.(float64)
		if !ok || !(math.IsNaN(w) && math.IsNaN(g)) && math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
			*diffs = append(*diffs, fmt.Sprintf("%s: cluster %v, single node %v", path, got, w))
		}
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			*diffs = append(*diffs, fmt.Sprintf("%s: cluster %v, single node %v", path, got, want))
		}
	}
}
