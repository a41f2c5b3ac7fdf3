package metrics

import (
	"strconv"
	"strings"
)

// The open requests of each build (docs/queries.md, "Open requests"): with
// every build of a month of the daily rollup, Rollups copies the states of
// the month's open requests into open_requests, under the build's terms,
// month and version. A list of open promises (the SLA dashboard's table)
// reads a month from that copy while its build is current, by the same
// check as the rollup's sums (builtBuilds, in the query itself), and from
// request_state with FINAL otherwise. Whether a request is open depends on
// its rows alone, not on the as-of instant, so a build's copy holds while
// its month is unchanged; the instant is judged on the copied deadlines
// and warnings by the reader, as on request_state.

// OpenColumns are the columns of request_state that open_requests copies
// (sql/0012_open_requests.sql, same names and types): the dimensions, the
// cohort, and everything a promise is judged by (Milestones, the part
// lines). A reader of OpenSource may name these only.
var OpenColumns = []string{
	"request_id", "contract_id", "partner_id", "channel", "region", "product_model",
	"opened_at", "opened_date", "status", "cancelled_at", "paused_since",
	"replied_at", "reply_due", "onsite_at", "onsite_due", "resolved_at",
	"reply_warn_50", "reply_warn_75", "reply_warn_hours",
	"onsite_warn_50", "onsite_warn_75", "onsite_warn_hours",
	"reply_runs_from", "reply_runs_to", "onsite_runs_from", "onsite_runs_to",
	"part_due", "part_delivered_at", "part_warn_50", "part_warn_75", "part_warn_hours",
}

// openCondition selects the open requests of request_state.
const openCondition = "status = 'open'"

// OpenSource is what a query over the open requests of s reads FROM: the
// states of the requests of s that are open, their OpenColumns, with the
// cohort and the filters of s applied. With s.Rollup (and s.Database and a
// Split), the months whose build is current come from open_requests, the
// others from request_state with FINAL in liveArms arms, as rollupSelect
// reads them; otherwise every month from Source. Every condition is
// judged after the FINAL, on the newest versions (see Source).
func OpenSource(s Scope) string {
	cols := strings.Join(OpenColumns, ", ")
	if !s.Rollup || s.Database == "" || len(s.Split) == 0 {
		return "(\n  SELECT " + cols + " FROM " + s.Source() + "\n  WHERE " + openCondition + " AND " + s.Where() + "\n)"
	}
	t := rollupTables{s.Database}
	copied := "SELECT " + cols + " FROM " + t.table("open_requests") + " WHERE (terms, month, version) IN (" +
		t.builtBuilds(s.AsOf) + ") AND " + s.Where()
	within := "((" + strings.Join(s.Split, ") OR (") + "))"
	live := make([]string, liveArms)
	for k := range live {
		live[k] = "SELECT * FROM request_state FINAL WHERE " + within + " AND toYYYYMM(opened_date) IN (" + t.staleMonths(s.AsOf, false, k) + ")"
	}
	fresh := "SELECT " + cols + " FROM (\n    " + strings.Join(live, "\n    UNION ALL\n    ") + "\n  ) WHERE " + openCondition + " AND " + s.Where()
	return "(\n  " + copied + "\n  UNION ALL\n  " + fresh + "\n)"
}

// openBuildSQL is the INSERT of the open requests of month (YYYYMM) into
// open_requests under the build version. The condition is outside the
// FINAL read, so that it is judged on each request's newest state only.
func openBuildSQL(month int, version uint64) string {
	cols := strings.Join(OpenColumns, ", ")
	return "INSERT INTO open_requests (terms, month, version, " + cols + ")\n" +
		"SELECT '" + rollupDigest + "', toUInt32(" + strconv.Itoa(month) + "), toUInt64(" + strconv.FormatUint(version, 10) + "), " + cols + "\n" +
		"FROM (SELECT " + cols + " FROM request_state FINAL WHERE toYYYYMM(opened_date) = " + strconv.Itoa(month) + ")\nWHERE " + openCondition
}
