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
)

// The SLA dashboard's table of open promises lists, for open requests only,
// each promise still owed that is past due or past a warning, with the
// level reached, the business hours left on its stored clock runs and
// whether a pause holds it, past due first, then the least time left. The
// fixture is written relative to the server's now(), which the panel
// judges by; n below is that instant.
func TestIntegrationOpenPromisesPanel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := pipelinetest.Migrated(t, "", slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), nil)))
	rows := map[string]string{
		// Reply due an hour ago, never sent: past due, no time left.
		"A": "'open' AS status, n - 3600 AS reply_due, [n - 7200] AS reply_runs_from, [n - 3600] AS reply_runs_to, n - 7200 AS onsite_at, n + 3600 AS onsite_due",
		// Reply due in 2 h, its 50% warning passed: at risk at 50%, 2 h left.
		"B": "'open' AS status, n + 7200 AS reply_due, n - 600 AS reply_warn_50, n + 1800 AS reply_warn_75, n + 3600 AS reply_warn_hours, " +
			"[n - 3600] AS reply_runs_from, [n + 7200] AS reply_runs_to",
		// Replied; on site due in 5 h with every warning passed, the
		// warn_hours one last: at risk at warn_hours, 0 + 4 h left on two runs.
		"C": "'open' AS status, n - 60 AS replied_at, n + 18000 AS onsite_due, n - 7200 AS onsite_warn_50, n - 3600 AS onsite_warn_75, n - 60 AS onsite_warn_hours, " +
			"[n - 3600, n + 3600] AS onsite_runs_from, [n, n + 18000] AS onsite_runs_to",
		// Three part lines: late, at risk at 50% with a day left, delivered.
		"D": "'open' AS status, n - 60 AS replied_at, [n - 86400, n + 86400, n + 3600] AS part_due, [toDateTime(0, 'UTC'), toDateTime(0, 'UTC'), n - 100] AS part_delivered_at, " +
			"[n - 172800, n - 3600, n - 7200] AS part_warn_50, [n - 100000, n + 3600, n - 3600] AS part_warn_75, [toDateTime(0, 'UTC'), toDateTime(0, 'UTC'), toDateTime(0, 'UTC')] AS part_warn_hours, " +
			"[0, 0, 1] AS part_from_stock",
		// Closed, its reply never sent: not open, not listed.
		"E": "'closed' AS status, n - 3600 AS reply_due",
		// Paused two hours ago, before its reply deadline an hour ago: the
		// clock holds it at risk (not past due), 1 h left when it resumes.
		"F": "'open' AS status, n - 7200 AS paused_since, n - 3600 AS reply_due, n - 10800 AS reply_warn_50, " +
			"[n - 10800] AS reply_runs_from, [n - 3600] AS reply_runs_to",
		// Cancelled: owes nothing.
		"G": "'open' AS status, n - 100 AS cancelled_at, n - 3600 AS reply_due, n - 7200 AS reply_warn_50",
	}
	for id, cols := range rows {
		names := []string{"request_id", "partner_id", "opened_at", "opened_date", "computed_at"}
		values := []string{"'" + id + "'", "'PT-A'", "n - 86400", "toDate(n - 86400)", "n"}
		sel := strings.Join(values, ", ") + ", " + cols
		for _, part := range splitTopLevel(cols) {
			names = append(names, part[strings.LastIndex(part, " AS ")+4:])
		}
		q := fmt.Sprintf("INSERT INTO request_state (%s) SELECT %s FROM (SELECT toDateTime(now(), 'UTC') AS n)", strings.Join(names, ", "), sel)
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("row %s: %v\n%s", id, err, q)
		}
	}
	var panel *PanelQuery
	for _, q := range testSet(t).Queries() {
		if q.Panel == "Open promises at risk or past due" {
			panel = &q
		}
	}
	if panel == nil {
		t.Fatal("no panel \"Open promises at risk or past due\"")
	}
	now := time.Now().UTC()
	sql, err := expandPanel(panel.SQL, timeRange{From: now.AddDate(0, 0, -7), To: now.AddDate(0, 0, 1), Interval: time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := conn.Query(ctx, "SELECT request_id, promise, level, hours_left, past_due, paused FROM ("+sql+")")
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	defer res.Close()
	var got []string
	for res.Next() {
		var id, promise, level string
		var left float64
		var pastDue, paused uint8
		if err := res.Scan(&id, &promise, &level, &left, &pastDue, &paused); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s | %s | %.2f h | past due %d | paused %d", id, promise, level, left, pastDue, paused))
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"D part line 1 | past due | 0.00 h | past due 1 | paused 0", // due a day ago
		"A reply | past due | 0.00 h | past due 1 | paused 0",       // due an hour ago
		"F reply | 50% | 1.00 h | past due 0 | paused 1",
		"B reply | 50% | 2.00 h | past due 0 | paused 0",
		"C on-site | warn_hours | 4.00 h | past due 0 | paused 0",
		"D part line 2 | 50% | 24.00 h | past due 0 | paused 0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("open promises:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// splitTopLevel splits a select list at the commas outside brackets and
// parentheses.
func splitTopLevel(s string) []string {
	var out []string
	depth, last := 0, 0
	for i, c := range s {
		switch c {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[last:i]))
				last = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[last:]))
}
