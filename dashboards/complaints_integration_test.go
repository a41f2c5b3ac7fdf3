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

// The feedback dashboard's complaints by category, the same read from
// request_state and from the daily rollup. Four requests opened yesterday
// (close hours −1: still open):
//
//	C1 delay 2.5 h, quality open
//	C2 delay 4.5 h
//	C3 delay open, privacy 10 h
//	C4 no complaint
//
// delay: 3 complaints, 75 per 100 requests, median of [2.5, 4.5] = 4.5
// (quantileExact takes the element at ⌊0.5 × 2⌋ of the sorted values), 1
// open; privacy: 1, 25, 10 h, 0 open; quality: 1, 25, no closed one (NaN),
// 1 open. Most complaints first, then by name; no row for the others.
func TestIntegrationComplaintsByCategory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), nil))
	conn := pipelinetest.Migrated(t, "", log)
	for _, r := range []struct{ id, cats, hours string }{
		{"C1", "['delay', 'quality']", "[2.5, -1]"},
		{"C2", "['delay']", "[4.5]"},
		{"C3", "['delay', 'privacy']", "[-1, 10]"},
		{"C4", "[]", "[]"},
	} {
		q := fmt.Sprintf("INSERT INTO request_state (request_id, partner_id, opened_at, opened_date, status, complaints, complaint_category, complaint_close_bh, computed_at) "+
			"SELECT '%s', 'PT-A', n - 86400, toDate(n - 86400), 'closed', length(%s), CAST(%s AS Array(String)), CAST(%s AS Array(Float64)), n FROM (SELECT toDateTime(now(), 'UTC') AS n)",
			r.id, r.cats, r.cats, r.hours)
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
		if q.Panel == "Complaints by category" {
			panel = &q
		}
	}
	if panel == nil {
		t.Fatal("no panel \"Complaints by category\"")
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
			var c string
			var n, open uint64
			var per100, median float64
			if err := rows.Scan(&c, &n, &per100, &median, &open); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s: %d, %.2f per 100, median %.2f h, %d open", c, n, per100, median, open))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("complaints by category %s:\n%s\nwant\n%s", from, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	want := []string{
		"delay: 3, 75.00 per 100, median 4.50 h, 1 open",
		"privacy: 1, 25.00 per 100, median 10.00 h, 0 open",
		"quality: 1, 25.00 per 100, median NaN h, 1 open",
	}
	check("from request_state", want)
	if n, err := metrics.NewRollups(conn, log).Refresh(ctx, false); err != nil || n != 1 {
		t.Fatalf("rollup built %d months, %v; want 1", n, err)
	}
	check("from the rollup", want)
	// Doubled sums and the close times of delay doubled, as the newest
	// build: counts double, the rate per 100 requests holds, delay's
	// median doubles.
	delay := slices.Index(metrics.ComplaintClasses, "delay")
	cols := make([]string, 10)
	for i := range cols {
		cols[i] = fmt.Sprintf("samples_%d", i)
	}
	v := time.Now().UnixNano()
	for _, q := range []string{
		fmt.Sprintf("INSERT INTO kpi_rollup (terms, month, version, opened_date, contract_id, partner_id, product_model, region, channel, sums, %s, valid_until) "+
			"SELECT terms, month, %d, opened_date, contract_id, partner_id, product_model, region, channel, arrayMap(x -> x * 2, sums), %s, valid_until FROM kpi_rollup",
			strings.Join(cols, ", "), v, strings.Join(doubled(cols, delay), ", ")),
		fmt.Sprintf("INSERT INTO kpi_rollups SELECT terms, month, %d, built_at, blocks, mutation, valid_until, groups FROM kpi_rollups FINAL", v),
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	check("from doubled sums", []string{
		"delay: 6, 75.00 per 100, median 9.00 h, 2 open",
		"privacy: 2, 25.00 per 100, median 10.00 h, 0 open",
		"quality: 2, 25.00 per 100, median NaN h, 2 open",
	})
}

// doubled is cols with the samples of complaint category i (the sample
// after the catalog's four) doubled.
func doubled(cols []string, i int) []string {
	out := slices.Clone(cols)
	out[4+i] = "arrayMap(x -> x * 2, " + cols[4+i] + ")"
	return out
}
