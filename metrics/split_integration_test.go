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

// A split read (Scope.Split) holds what one FINAL over the table holds: the
// newest version of each request of the cohort, whichever month it moved
// to within its partition, and nothing outside the cohort, whether the
// split is the CLI's (the range's months), the dashboards' (from a month's
// start, open at both ends), or anchored after the cohort's start.
func TestIntegrationSplitReadsWhatOneFinalReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := pipelinetest.Migrated(t, "", slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), nil)))
	// Each version in an insert of its own, so in a part of its own.
	versions := []struct {
		id, day, status string
		version         int
	}{
		{"R1", "2026-07-15", "open", 1}, {"R1", "2026-07-15", "closed", 2},
		// R2 moved within July (a corrected request_created): one partition.
		{"R2", "2026-07-31", "open", 1}, {"R2", "2026-07-05", "closed", 2},
		{"R3", "2026-08-01", "open", 1}, {"R3", "2026-08-31", "closed", 2},
		{"R4", "2026-09-30", "open", 1}, {"R4", "2026-09-30", "closed", 2},
		// Outside the cohort, at both ends.
		{"R5", "2026-06-30", "closed", 1}, {"R6", "2026-10-01", "closed", 1},
		// Its newest version is open.
		{"R7", "2026-08-10", "closed", 1}, {"R7", "2026-08-10", "open", 3},
	}
	for _, v := range versions {
		if err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO request_state (request_id, opened_date, status, computed_at) SELECT '%s', toDate('%s'), '%s', toDateTime(%d, 'UTC')",
			v.id, v.day, v.status, v.version)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"R1 2026-07-15 closed", "R2 2026-07-05 closed", "R3 2026-08-31 closed", "R4 2026-09-30 closed", "R7 2026-08-10 open"}
	q := metrics.Query{From: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		AsOf: time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)}
	cli := q.Scope()
	if len(cli.Split) != 3 {
		t.Fatalf("the quarter's split is %q, want its three months", cli.Split)
	}
	for _, c := range []struct {
		name  string
		split []string
	}{
		{"one FINAL", nil},
		{"the CLI's months", cli.Split},
		{"from the range's first month", metrics.MonthsFrom("toDate('2026-07-01')", 1)},
		{"from a month after the range's start", metrics.MonthsFrom("toDate('2026-08-01')", 12)},
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
