package reports

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/calendar"
	"servicepulse/contracts"
	"servicepulse/internal/fields"
	"servicepulse/metrics"
	"servicepulse/sla/breaches"
)

// BreachesConfig asks for the broken promises of a cohort, the worst (the
// latest, in business hours) first (`servicepulse breaches`).
type BreachesConfig struct {
	// Query is the cohort and its as-of instant; its grouping is ignored.
	Query metrics.Query
	// Partner and Contract keep only the breaches of this partner, of this
	// contract. Default (""): every one.
	Partner, Contract string
	// Kind keeps only breaches of this kind (late_reply, late_onsite,
	// late_parts, unqualified_staff, data_leak). Default (""): every kind.
	Kind string
	// Limit keeps at most this many, the latest first. Default (0): all.
	Limit int
}

// Validate rejects a negative limit or a query that cannot run.
func (c BreachesConfig) Validate() error {
	if c.Limit < 0 {
		return fields.Errorf("Limit", c.Limit, "must not be negative")
	}
	return c.Query.Validate()
}

// filtered is c.Query narrowed to c.Partner and c.Contract.
func (c BreachesConfig) filtered() metrics.Query {
	q := c.Query
	q.Filter = map[metrics.Dimension]string{}
	if c.Partner != "" {
		q.Filter[metrics.ByPartner] = c.Partner
	}
	if c.Contract != "" {
		q.Filter[metrics.ByContract] = c.Contract
	}
	return q
}

// ListBreaches lists the breaches c asks for, measured on the contracts in
// ClickHouse; equal lateness keeps the listing's order.
func ListBreaches(ctx context.Context, conn driver.Conn, c BreachesConfig) ([]breaches.Breach, error) {
	terms, err := contracts.Read(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("breaches: %w", err)
	}
	list, err := breaches.List(ctx, conn, c.filtered(), terms)
	if err != nil {
		return nil, fmt.Errorf("breaches: %w", err)
	}
	if c.Kind != "" {
		list = slices.DeleteFunc(list, func(b breaches.Breach) bool { return b.Kind != c.Kind })
	}
	slices.SortStableFunc(list, func(a, b breaches.Breach) int { return cmp.Compare(b.LateHours, a.LateHours) })
	if c.Limit > 0 && len(list) > c.Limit {
		list = list[:c.Limit]
	}
	return list, nil
}

// WriteBreaches prints breaches as a table, times in the default contract
// zone (Asia/Shanghai).
func WriteBreaches(w io.Writer, list []breaches.Breach) error {
	loc, err := time.LoadLocation(calendar.DefaultZone)
	if err != nil {
		loc = time.FixedZone("CST", 8*3600) // no zone database: Shanghai has no DST
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\tclause\trequest\tpartner\tcontract\tdeadline\tdone\tlate (business h)\tcount")
	for _, b := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%d\n", b.Kind, b.Clause, b.RequestID, b.PartnerID, b.ContractID,
			stamp(b.Deadline), stamp(b.Done), b.LateHours, b.Count)
	}
	return tw.Flush()
}
