package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"servicepulse/internal/testenv"
	"servicepulse/metrics"
	"servicepulse/sql"
	"servicepulse/warehouse"
)

// aloneQueries is every KPI's query on its own, as dashboards and the
// benchmark run them. ClickHouse 18.16 resolves some columns only when the
// query names them outside a lambda, so a KPI can fail alone and pass inside
// the whole catalog's query: each must be tried by itself.
func aloneQueries() map[string]string {
	q := metrics.Query{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		By: []metrics.Dimension{metrics.ByPartner}, AsOf: time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)}
	out := map[string]string{}
	for _, k := range metrics.All() {
		if k.Expr != "" {
			out[k.ID] = q.SQL([]metrics.KPI{k})
		}
	}
	return out
}

func TestIntegrationEachKPIAloneRuns(t *testing.T) {
	dsn, _ := testenv.FreshDatabase(t)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := warehouse.Open(ctx, warehouse.ConfigFor(dsn), log)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := sql.Migrate(ctx, conn, log); err != nil {
		t.Fatal(err)
	}
	for id, q := range aloneQueries() {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Errorf("KPI %s alone fails on ClickHouse 18.16: %v", id, err)
			continue
		}
		rows.Close()
	}
}
