package reports

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/calendar"
	"servicepulse/contracts"
	"servicepulse/internal/fields"
	"servicepulse/metrics"
	"servicepulse/sla"
)

// KPIConfig asks for the catalog's values over a cohort, each judged
// against its target (`servicepulse kpi`).
type KPIConfig struct {
	// Query is the cohort, its grouping and its as-of instant.
	Query metrics.Query
	// IDs are the catalog ids to compute, in this order (blanks around an id
	// are ignored). Default (empty): the whole catalog.
	IDs []string
	// Refresh brings the request states up to date with the events first.
	Refresh bool
}

// Validate rejects an unknown KPI id or a query that cannot run.
func (c KPIConfig) Validate() error {
	for _, id := range c.IDs {
		if !metrics.Known(strings.TrimSpace(id)) {
			return fields.Errorf("IDs", nil, "unknown KPI %q", id)
		}
	}
	return c.Query.Validate()
}

// KPIs are the KPIs of c.IDs, in order.
func (c KPIConfig) KPIs() []metrics.KPI {
	if len(c.IDs) == 0 {
		return metrics.All()
	}
	kpis := make([]metrics.KPI, 0, len(c.IDs))
	for _, id := range c.IDs {
		k, _ := metrics.ByID(strings.TrimSpace(id))
		kpis = append(kpis, k)
	}
	return kpis
}

// KPIs computes the KPIs of c group by group, each judged against the
// targets of the contract versions in force at the end of the range (the
// catalog's defaults unless grouped by contract).
func KPIs(ctx context.Context, conn driver.Conn, c KPIConfig, log *slog.Logger) ([]metrics.Result, error) {
	if c.Refresh {
		r := sla.NewRefresher(conn, log)
		r.SetParallel(true) // the report waits on it, nothing else
		if _, err := r.Refresh(ctx); err != nil {
			return nil, fmt.Errorf("kpis: %w", err)
		}
	}
	file, err := contracts.Read(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("kpis: %w", err)
	}
	targets := ContractTargets(file, c.Query.To)
	groups, err := metrics.Run(ctx, conn, c.Query, c.KPIs(), targets)
	if err != nil {
		return nil, fmt.Errorf("kpis: %w", err)
	}
	return metrics.Results(groups, c.KPIs(), targets), nil
}

// ContractTargets takes each contract's target and weight overrides from
// the version in force just before end, the exclusive end of a range.
func ContractTargets(f *contracts.File, end time.Time) metrics.Targets {
	t := metrics.Targets{}
	for _, id := range f.IDs() {
		if terms, ok := f.At(id, end.Add(-time.Second)); ok {
			t[id] = metrics.Override{Targets: terms.Targets, Weights: terms.Weights}
		}
	}
	return t
}

// QuarterToDate is the default range of `servicepulse kpi`: the opening
// dates from the first day of the calendar quarter now falls in, to now's
// date, inclusive, both read in the time zone tz (an IANA name; "" is
// calendar.DefaultZone, Asia/Shanghai). Its To is exclusive, as a Period's.
func QuarterToDate(now time.Time, tz string) (Period, error) {
	if tz == "" {
		tz = calendar.DefaultZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		if tz != calendar.DefaultZone {
			return Period{}, fields.Errorf("TZ", strconv.Quote(tz), "unknown time zone; use an IANA name such as %q", calendar.DefaultZone)
		}
		loc = time.FixedZone("CST", 8*3600) // no zone database: Shanghai has had no DST since 1991
	}
	t := now.In(loc)
	p := quarterOf(t.Year(), (int(t.Month())+2)/3)
	p.To = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	p.Label += " to date"
	return p, nil
}
