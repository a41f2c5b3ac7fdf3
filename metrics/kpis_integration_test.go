package metrics_test

import (
	"path/filepath"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
	"servicepulse/metrics"
)

// casesDir holds the KPI cases (format: testdata/cases/README.md).
const casesDir = "testdata/cases"

// loadCase loads the case folder name of casesDir.
func loadCase(t *testing.T, name string) *pipelinetest.Case {
	t.Helper()
	return pipelinetest.LoadCase(t, filepath.Join(casesDir, name))
}

// TestIntegrationKPICases pins every KPI of the catalog to values computed
// by hand, case by case, through the real pipeline on ClickHouse 18.16:
// produce → ingest → contracts → refresh → metrics.Run. With -update it
// rewrites the values of each expected.tsv instead.
func TestIntegrationKPICases(t *testing.T) {
	pipelinetest.RunCases(t, casesDir)
}

// The same hand-computed values come out of a 2 × 2 ClickHouse cluster
// (Replicated tables, Distributed tables sharded by request id): FINAL,
// the sibling lookup and every KPI query stay right when a request's rows,
// and the requests on one serial, are spread over shards.
func TestIntegrationKPICasesOnCluster(t *testing.T) {
	pipelinetest.RunCasesWith(t, casesDir, pipelinetest.Options{OnCluster: true})
}

// The percentile reading the cases rely on: quantileExact(level) is the
// element at floor(level × n) of the sorted values, here of 1 2 3 4:
// 0.5 → #2 = 3 (no interpolation to 2.5), 0.9 → #floor(3.6) = #3 = 4.
func TestIntegrationQuantileExactReading(t *testing.T) {
	t.Parallel()
	_, conn := testenv.Server(t)
	var p50, p90 float64
	if err := conn.QueryRow(t.Context(), `SELECT quantileExact(0.5)(x), quantileExact(0.9)(x)
		FROM (SELECT arrayJoin([4., 1., 3., 2.]) AS x)`).Scan(&p50, &p90); err != nil {
		t.Fatal(err)
	}
	if p50 != 3 || p90 != 4 {
		t.Errorf("quantileExact of 1 2 3 4 on 18.16: p50 %v, p90 %v; want 3, 4", p50, p90)
	}
}

// Nothing opened in October: the cohort is empty, not an error.
func TestIntegrationEmptyCohortHasNoGroups(t *testing.T) {
	t.Parallel()
	s := loadCase(t, "cancelled").Ingest(t)
	oct := metrics.Query{
		From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		By: []metrics.Dimension{metrics.ByPartner}, AsOf: time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC),
	}
	gs, err := metrics.Run(t.Context(), s.Conn, oct, metrics.All(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 0 {
		t.Errorf("October cohort by partner: %d groups, want none", len(gs))
	}
}
