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

// The SLA dashboard's histogram of the time to reply counts the answered
// requests by business hours, every bucket in order, the same read from
// request_state and from the daily rollup, whose sums it reads while the
// build is current. Five answered requests and one not answered, opened
// yesterday:
//
//	reply_bh 0.5        → 0–1 h
//	reply_bh 1 (bound)  → 1–2 h
//	reply_bh 3, 3.9     → 2–4 h
//	reply_bh 100        → ≥ 72 h
//	not replied         → none
func TestIntegrationReplyHistogram(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), nil))
	conn := pipelinetest.Migrated(t, "", log)
	for i, v := range []string{"0.5", "1", "3", "3.9", "100", ""} {
		replied, bh := "n - 60", v
		if v == "" {
			replied, bh = "toDateTime(0, 'UTC')", "0"
		}
		q := fmt.Sprintf("INSERT INTO request_state (request_id, partner_id, opened_at, opened_date, status, replied_at, reply_bh, computed_at) "+
			"SELECT 'R%d', 'PT-A', n - 86400, toDate(n - 86400), 'closed', %s, %s, n FROM (SELECT toDateTime(now(), 'UTC') AS n)", i, replied, bh)
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
		if q.Panel == "Time to reply, distribution" {
			panel = &q
		}
	}
	if panel == nil {
		t.Fatal("no panel \"Time to reply, distribution\"")
	}
	now := time.Now().UTC()
	sql, err := expandPanel(panel.SQL, timeRange{From: now.AddDate(0, 0, -7), To: now.AddDate(0, 0, 1), Interval: time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	histogram := func() []string {
		t.Helper()
		rows, err := conn.Query(ctx, sql)
		if err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var bucket string
			var n uint64
			if err := rows.Scan(&bucket, &n); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s: %d", bucket, n))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := []string{"0–1 h: 1", "1–2 h: 1", "2–4 h: 2", "4–8 h: 0", "8–16 h: 0", "16–24 h: 0", "24–48 h: 0", "48–72 h: 0", "≥ 72 h: 1"}
	check := func(from string, want []string) {
		t.Helper()
		if got := histogram(); !slices.Equal(got, want) {
			t.Errorf("histogram %s:\n%s\nwant\n%s", from, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	check("from request_state", want)
	if n, err := metrics.NewRollups(conn, log).Refresh(ctx, false); err != nil || n != 1 {
		t.Fatalf("rollup built %d months, %v; want 1", n, err)
	}
	check("from the rollup", want)
	// Doubled sums as the newest build: the histogram doubles.
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
	check("from doubled sums", []string{"0–1 h: 2", "1–2 h: 2", "2–4 h: 4", "4–8 h: 0", "8–16 h: 0", "16–24 h: 0", "24–48 h: 0", "48–72 h: 0", "≥ 72 h: 2"})
}
