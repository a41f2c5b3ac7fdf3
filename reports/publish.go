package reports

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ScopeAll is the scope of values over all partners in report_values.
const ScopeAll = "all"

// ID names a published report: its period and publication time.
func ID(p Period, publishedAt time.Time) string {
	return p.Label + "@" + publishedAt.UTC().Format("20060102T150405Z")
}

// Publish stores the values r shows — every KPI over all partners, and each
// partner's evaluation score and requests — as published at publishedAt,
// and returns the report id. Rows are only added: publishing a period again
// keeps the first values, which later reports show as "as reported".
func Publish(ctx context.Context, conn driver.Conn, r *Report, publishedAt time.Time) (string, error) {
	id := ID(r.Period, publishedAt)
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO report_values (report_id, period, kpi, scope, value, published_at)")
	if err != nil {
		return "", fmt.Errorf("publish report %s: %w", id, err)
	}
	add := func(kpi, scope string, v *float64) error {
		val := math.NaN()
		if v != nil {
			val = *v
		}
		return batch.Append(id, r.Period.Label, kpi, scope, val, publishedAt.UTC().Truncate(time.Second))
	}
	for _, k := range r.KPIs {
		if err := add(k.ID, ScopeAll, k.Value); err != nil {
			batch.Abort()
			return "", fmt.Errorf("publish report %s: %w", id, err)
		}
	}
	for _, p := range r.Partners {
		n := float64(p.Requests)
		if err := add("evaluation_score", p.PartnerID, p.Score); err != nil {
			batch.Abort()
			return "", fmt.Errorf("publish report %s: %w", id, err)
		}
		if err := add("requests", p.PartnerID, &n); err != nil {
			batch.Abort()
			return "", fmt.Errorf("publish report %s: %w", id, err)
		}
	}
	if err := batch.Send(); err != nil {
		return "", fmt.Errorf("publish report %s: %w", id, err)
	}
	return id, nil
}

// reported is a value as first published.
type reported struct {
	value float64
	at    time.Time
}

// firstReported reads, per KPI of scope, the value of the earliest
// publication of period p.
func firstReported(ctx context.Context, conn driver.Conn, p Period, scope string) (map[string]reported, error) {
	rows, err := conn.Query(ctx, "SELECT kpi, argMin(value, published_at), min(published_at) FROM report_values"+
		" WHERE period = ? AND scope = ? GROUP BY kpi", p.Label, scope)
	if err != nil {
		return nil, fmt.Errorf("read published values: %w", err)
	}
	defer rows.Close()
	out := map[string]reported{}
	for rows.Next() {
		var kpi string
		var r reported
		if err := rows.Scan(&kpi, &r.value, &r.at); err != nil {
			return nil, fmt.Errorf("read published values: %w", err)
		}
		out[kpi] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read published values: %w", err)
	}
	return out, nil
}
