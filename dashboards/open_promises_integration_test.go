package dashboards

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
)

// The SLA dashboard's table of open promises lists, for open requests only,
// each promise still owed that is past due or past a warning, with the
// level reached, the business hours left on its stored clock runs and
// whether a pause holds it, past due first, then the least time left. The
// fixture is written relative to the server's now(), which the panel
// judges by; n below is that instant. The list is the same read from
// request_state and from the copy of the open requests a build of the
// daily rollup keeps, which the panel reads only while it is current.
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
	// A request restated: past due while open, closed since. Its closed
	// state is newer, in a part of its own; FINAL keeps that one alone.
	for _, st := range []string{"'open' AS status, n - 1 AS computed_at", "'closed' AS status, n AS computed_at"} {
		q := "INSERT INTO request_state (request_id, partner_id, opened_at, opened_date, reply_due, status, computed_at) " +
			"SELECT 'H', 'PT-A', n - 86400, toDate(n - 86400), n - 3600, " + st + " FROM (SELECT toDateTime(now(), 'UTC') AS n)"
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("row H: %v\n%s", err, q)
		}
	}
	var db string
	if err := conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	var panel *PanelQuery
	for _, q := range testSetFor(t, db).Queries() {
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
	want := []string{
		"D part line 1 | past due | 0.00 h | past due 1 | paused 0", // due a day ago
		"A reply | past due | 0.00 h | past due 1 | paused 0",       // due an hour ago
		"F reply | 50% | 1.00 h | past due 0 | paused 1",
		"B reply | 50% | 2.00 h | past due 0 | paused 0",
		"C on-site | warn_hours | 4.00 h | past due 0 | paused 0",
		"D part line 2 | 50% | 24.00 h | past due 0 | paused 0",
	}
	check := func(from string, want []string) {
		t.Helper()
		if got := openPromises(t, conn, sql); !slices.Equal(got, want) {
			t.Errorf("open promises, %s:\n%s\nwant\n%s", from, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	check("from request_state", want)

	// The same list from the copy of the open requests a build of the
	// daily rollup keeps (metrics.OpenSource), H left out of it too.
	log := slog.New(slog.NewTextHandler(pipelinetest.LogSink(t), nil))
	if n, err := metrics.NewRollups(conn, log).Refresh(ctx, false); err != nil || n != 1 {
		t.Fatalf("rollup built %d months, %v; want 1", n, err)
	}
	var copied uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM open_requests").Scan(&copied); err != nil {
		t.Fatal(err)
	}
	if copied != 6 { // A, B, C, D, F, G: open; E and H closed
		t.Errorf("open_requests holds %d rows, want 6", copied)
	}
	check("from the build's copy", want)

	// The copy is what the panel read while the build is current: a row
	// added to it alone (Z, past due a minute before A) shows; once the month changes, the
	// panel reads request_state again, which has no Z.
	if err := conn.Exec(ctx, "INSERT INTO open_requests SELECT terms, month, version, 'Z', contract_id, partner_id, channel, region, product_model, "+
		"opened_at, opened_date, status, cancelled_at, paused_since, replied_at, reply_due - 60, onsite_at, onsite_due, resolved_at, "+
		"reply_warn_50, reply_warn_75, reply_warn_hours, onsite_warn_50, onsite_warn_75, onsite_warn_hours, "+
		"reply_runs_from, reply_runs_to, onsite_runs_from, onsite_runs_to, part_due, part_delivered_at, part_warn_50, part_warn_75, part_warn_hours "+
		"FROM open_requests WHERE request_id = 'A'"); err != nil {
		t.Fatal(err)
	}
	withZ := slices.Insert(slices.Clone(want), 1, "Z reply | past due | 0.00 h | past due 1 | paused 0")
	check("from the copy with Z added", withZ)
	if err := conn.Exec(ctx, "INSERT INTO request_state (request_id, partner_id, opened_at, opened_date, status, computed_at) "+
		"SELECT 'I', 'PT-A', n - 86400, toDate(n - 86400), 'closed', n FROM (SELECT toDateTime(now(), 'UTC') AS n)"); err != nil {
		t.Fatal(err)
	}
	check("after the month changed", want)
}

// openPromises runs the panel's SQL and lists its rows.
func openPromises(t *testing.T, conn driver.Conn, sql string) []string {
	t.Helper()
	res, err := conn.Query(context.Background(), "SELECT request_id, promise, level, hours_left, past_due, paused FROM ("+sql+")")
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
	return got
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
