package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
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

// A state written before migration 0009 has no warning columns: ClickHouse
// reads its part_warn_* from their DEFAULT, one epoch-0 instant per part
// line (here: an insert that leaves them out, which uses the same DEFAULT).
// Every KPI, alone and in the whole catalog's query, must still run over it:
// an empty part_warn_50 beside a one-line part_due failed the whole KPI
// query (arrayCount: "Arrays passed to arrayCount must have equal size").
func TestIntegrationKPIsRunOverStatesFromBeforeWarnings(t *testing.T) {
	ctx := context.Background()
	conn := pipelinetest.Migrated(t, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := conn.Exec(ctx, `INSERT INTO request_state (request_id, contract_id, partner_id, opened_at, opened_date, status,
		part_due, part_delivered_at, part_from_stock, computed_at)
		SELECT 'R1', 'CT-T', 'PT-A', toDateTime('2026-09-10 02:00:00', 'UTC'), toDate('2026-09-10'), 'open',
		[toDateTime('2026-09-12 02:00:00', 'UTC')], [toDateTime(0, 'UTC')], [toUInt8(0)], now()`); err != nil {
		t.Fatal(err)
	}
	var warn []time.Time
	if err := conn.QueryRow(ctx, "SELECT part_warn_50 FROM request_state").Scan(&warn); err != nil || len(warn) != 1 || warn[0].Unix() != 0 {
		t.Fatalf("part_warn_50 of a state from before the warnings: %v, %v; want one epoch-0 instant", warn, err)
	}
	for id, q := range aloneQueries() {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Errorf("KPI %s over a state from before the warnings: %v", id, err)
			continue
		}
		rows.Close()
	}
	q := metrics.Query{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		AsOf: time.Date(2026, 9, 11, 0, 0, 0, 0, time.UTC)}
	if _, err := metrics.Run(ctx, conn, q, metrics.All(), nil); err != nil {
		t.Errorf("the whole catalog over a state from before the warnings: %v", err)
	}
}
