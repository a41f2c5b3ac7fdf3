package pipelinetest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// BenchRequests is the number of request states a query benchmark fills:
// 10,000,000, or $SERVICEPULSE_BENCH_REQUESTS.
func BenchRequests(tb testing.TB) int {
	tb.Helper()
	n := 10_000_000
	if s := os.Getenv("SERVICEPULSE_BENCH_REQUESTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			tb.Fatalf("SERVICEPULSE_BENCH_REQUESTS %q: want a positive number", s)
		}
	}
	return n
}

// FillStates writes n synthetic request states straight into request_state,
// opened evenly over days from from (one INSERT … SELECT, ~13 s for 10M on
// the build machine), for the query benchmarks: 20 partners, 2 contracts;
// reply after 0–5 h (due 4 h), on site after 0–11 h (due 8 h), 90%
// resolved, a part line on every 10th, a survey on every 3rd.
func FillStates(tb testing.TB, conn driver.Conn, n int, from time.Time, days int) {
	tb.Helper()
	step := float64(days*24*3600) / float64(n)
	fill := fmt.Sprintf(`INSERT INTO request_state (request_id, contract_id, partner_id, channel, region, opened_at, opened_date, status,
  replied_at, reply_due, reply_bh, onsite_at, onsite_due, onsite_bh, resolved_at, resolve_bh, visits, certified_visits,
  first_visit_fix, repeat_within_30d, part_due, part_delivered_at, part_from_stock, cause, warranty, csat, nps, ces, complaints, computed_at)
SELECT concat('R', toString(number)), if(number %% 2 = 0, 'CT-T', 'CT-24'), concat('PT-', toString(number %% 20)), 'phone', 'East',
  toDateTime(%d + toUInt32(number * %f), 'UTC') AS o, toDate(o), if(number %% 10 = 0, 'open', 'closed'),
  o + 3600 * (number %% 6), o + 4 * 3600, toFloat64(number %% 6),
  o + 3600 * (number %% 12), o + 8 * 3600, toFloat64(number %% 12),
  if(number %% 10 = 0, toDateTime(0, 'UTC'), o + 3600 * (number %% 48 + 12)), toFloat64(number %% 48 + 12),
  toUInt16(1), toUInt16(if(number %% 17 = 0, 0, 1)), toUInt8(number %% 7 != 0), toUInt8(number %% 23 = 0),
  if(number %% 10 = 1, [o + 86400], emptyArrayDateTime()), if(number %% 10 = 1, [o + 3600 * (number %% 40)], emptyArrayDateTime()),
  if(number %% 10 = 1, [toUInt8(1)], emptyArrayUInt8()),
  arrayElement(['product_quality', 'user_misuse', 'wear', 'force_majeure'], number %% 4 + 1), 'in_warranty',
  toInt8(if(number %% 3 = 0, number %% 5 + 1, 0)), toInt8(if(number %% 3 = 0, number %% 11, -1)), toInt8(if(number %% 3 = 0, number %% 7 + 1, 0)),
  toUInt16(number %% 50 = 0), now()
FROM system.numbers LIMIT %d`, from.Unix(), step, n)
	t0 := time.Now()
	if err := conn.Exec(context.Background(), fill); err != nil {
		tb.Fatalf("fill request_state: %v", err)
	}
	tb.Logf("filled %d request states in %s", n, time.Since(t0).Round(time.Millisecond))
}
