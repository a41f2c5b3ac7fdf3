package dashboards

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
)

// The warranty dashboard's mix and fees table count the resolved requests
// and add up their fees by warranty status, every status in order, the same
// read from request_state and from the daily rollup, whose sums it reads
// while the build is current. Five requests opened yesterday:
//
//	R1 in warranty, resolved, no fees
//	R2 out of warranty, resolved, parts 120.50, labour 80.00
//	R3 out of warranty, resolved, parts 0.10, labour 0.20
//	R4 extended, resolved, no fees
//	R5 not resolved (no warranty status): not counted
//
// extended 1 repair; in_warranty 1; out_of_warranty 2, parts 120.60, labour 80.20.
func TestIntegrationWarrantyMix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), nil))
	conn := pipelinetest.Migrated(t, "", log)
	for _, r := range []struct{ id, resolved, warranty, parts, labour string }{
		{"R1", "n - 60", "in_warranty", "0", "0"},
		{"R2", "n - 60", "out_of_warranty", "120.50", "80.00"},
		{"R3", "n - 60", "out_of_warranty", "0.10", "0.20"},
		{"R4", "n - 60", "extended", "0", "0"},
		{"R5", "toDateTime(0, 'UTC')", "", "0", "0"},
	} {
		q := fmt.Sprintf("INSERT INTO request_state (request_id, partner_id, opened_at, opened_date, status, resolved_at, warranty, parts_fee, labour_fee, computed_at) "+
			"SELECT '%s', 'PT-A', n - 86400, toDate(n - 86400), 'closed', %s, '%s', toDecimal64('%s', 2), toDecimal64('%s', 2), n FROM (SELECT toDateTime(now(), 'UTC') AS n)",
			r.id, r.resolved, r.warranty, r.parts, r.labour)
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	var db string
	if err := conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	var panel *PanelQuery
	for _, q := range testSetFor(t, db).Queries() {
		if q.Panel == "Fees by warranty status" {
			panel = &q
		}
	}
	if panel == nil {
		t.Fatal("no panel \"Fees by warranty status\"")
	}
	now := time.Now().UTC()
	sql, err := expandPanel(panel.SQL, timeRange{From: now.AddDate(0, 0, -7), To: now.AddDate(0, 0, 1), Interval: time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	check := func(from string, want []string) {
		t.Helper()
		rows, err := conn.Query(ctx, sql)
		if err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var w string
			var n uint64
			var parts, labour float64
			if err := rows.Scan(&w, &n, &parts, &labour); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s: %d, %.2f, %.2f", w, n, parts, labour))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("warranty mix %s:\n%s\nwant\n%s", from, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	want := []string{"extended: 1, 0.00, 0.00", "in_warranty: 1, 0.00, 0.00", "out_of_warranty: 2, 120.60, 80.20"}
	check("from request_state", want)
	if n, err := metrics.NewRollups(conn, log).Refresh(ctx, false); err != nil || n != 1 {
		t.Fatalf("rollup built %d months, %v; want 1", n, err)
	}
	check("from the rollup", want)
	v := time.Now().UnixNano()
	for _, q := range []string{
		fmt.Sprintf("INSERT INTO kpi_rollup SELECT terms, month, %d, opened_date, contract_id, partner_id, product_model, region, channel, "+
			"arrayMap(x -> x * 2, sums), samples_0, samples_1, samples_2, samples_3, samples_4, samples_5, samples_6, samples_7, samples_8, samples_9, valid_until FROM kpi_rollup", v),
		fmt.Sprintf("INSERT INTO kpi_rollups SELECT terms, month, %d, built_at, blocks, mutation, valid_until, groups FROM kpi_rollups FINAL", v),
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	check("from doubled sums", []string{"extended: 2, 0.00, 0.00", "in_warranty: 2, 0.00, 0.00", "out_of_warranty: 4, 241.20, 160.40"})
}
