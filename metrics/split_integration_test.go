package metrics_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
)

// A split read (Scope.Split) holds the newest version of each request of
// the cohort, whichever day of its month it moved to, and nothing outside
// the cohort, whether the split is the CLI's (the range's months) or the
// dashboards' (months between two bounds, the rest as one). The cohort
// starts mid-month, and merges are stopped so that every version stays in
// a part of its own: R2's newest version, alone in its part and before the
// cohort, is the case a day-level condition inside FINAL gets wrong (18.16
// skips that part by its dates, and R2's older version comes back).
func TestIntegrationSplitReadsWhatOneFinalReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := pipelinetest.Migrated(t, "", slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), nil)))
	if err := conn.Exec(ctx, "SYSTEM STOP MERGES request_state"); err != nil {
		t.Fatal(err)
	}
	versions := []struct {
		id, day, status string
		version         int
	}{
		{"R1", "2026-07-15", "open", 1}, {"R1", "2026-07-15", "closed", 2},
		// Moved within July, out of the cohort (a corrected request_created).
		{"R2", "2026-07-31", "open", 1}, {"R2", "2026-07-05", "closed", 2},
		// Moved within July, into the cohort.
		{"R8", "2026-07-05", "open", 1}, {"R8", "2026-07-25", "closed", 2},
		{"R3", "2026-08-01", "open", 1}, {"R3", "2026-08-31", "closed", 2},
		{"R4", "2026-09-30", "open", 1}, {"R4", "2026-09-30", "closed", 2},
		// Outside the cohort, at both ends.
		{"R5", "2026-07-14", "closed", 1}, {"R6", "2026-10-01", "closed", 1},
		// Its newest version is open.
		{"R7", "2026-08-10", "closed", 1}, {"R7", "2026-08-10", "open", 3},
	}
	for _, v := range versions {
		if err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO request_state (request_id, opened_date, status, computed_at) SELECT '%s', toDate('%s'), '%s', toDateTime(%d, 'UTC')",
			v.id, v.day, v.status, v.version)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"R1 2026-07-15 closed", "R3 2026-08-31 closed", "R4 2026-09-30 closed", "R7 2026-08-10 open", "R8 2026-07-25 closed"}
	q := metrics.Query{From: time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		AsOf: time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)}
	cli := q.Scope()
	if len(cli.Split) != 3 {
		t.Fatalf("the range's split is %q, want its three months", cli.Split)
	}
	for _, c := range []struct {
		name  string
		split []string
	}{
		{"the CLI's months", cli.Split},
		{"thirteen months between bounds", metrics.MonthsBetween("toDate('2026-06-01')", "toDate('2026-11-01')", 13)},
		{"one month, then the rest", metrics.MonthsBetween("toDate('2026-06-01')", "toDate('2026-11-01')", 1)},
		{"a month of July alone", []string{"toYYYYMM(opened_date) = 202607", "toYYYYMM(opened_date) >= 202608"}},
	} {
		s := cli
		s.Split = c.split
		rows, err := conn.Query(ctx, "SELECT request_id, toString(opened_date), status FROM "+s.Source()+" WHERE "+s.Where()+" ORDER BY request_id")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for rows.Next() {
			var id, day, status string
			if err := rows.Scan(&id, &day, &status); err != nil {
				t.Fatal(err)
			}
			got = append(got, id+" "+day+" "+status)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if !slices.Equal(got, want) {
			t.Errorf("%s reads %q, want %q", c.name, got, want)
		}
	}
}
