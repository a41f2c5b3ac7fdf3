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

	"servicepulse/contracts"
	"servicepulse/sla/breaches"
)

// ListAtRisk lists the promises of c's cohort past a warning and not yet
// past their deadline as of c.Query.AsOf (`servicepulse breaches
// --at-risk`), the least time left first. c.Kind names the breach each would
// become (late_reply, late_onsite, late_parts); c.Limit keeps the most urgent.
func ListAtRisk(ctx context.Context, conn driver.Conn, c BreachesConfig) ([]breaches.Risk, error) {
	terms, err := contracts.Read(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("at risk: %w", err)
	}
	list, err := breaches.AtRisk(ctx, conn, c.filtered(), terms)
	if err != nil {
		return nil, fmt.Errorf("at risk: %w", err)
	}
	if c.Kind != "" {
		list = slices.DeleteFunc(list, func(r breaches.Risk) bool { return r.Kind != c.Kind })
	}
	// Business and elapsed hours left compare as hours: the listing is one
	// queue of what falls due first on its own clock.
	slices.SortStableFunc(list, func(a, b breaches.Risk) int { return cmp.Compare(a.LeftHours, b.LeftHours) })
	if c.Limit > 0 && len(list) > c.Limit {
		list = list[:c.Limit]
	}
	return list, nil
}

// WriteAtRisk prints promises at risk as a table, each deadline in its
// contract's local time.
func WriteAtRisk(w io.Writer, list []breaches.Risk) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "request\tpartner\tcontract\tpromise\tclause\tlevel\tdeadline (local)\tleft (h)\tbecomes")
	for _, r := range list {
		deadline := r.DeadlineLocal
		if t, err := time.Parse(time.RFC3339, r.DeadlineLocal); err == nil {
			deadline = t.Format("2006-01-02 15:04 MST")
		}
		left := fmt.Sprintf("%.2f", r.LeftHours)
		if r.Paused {
			left += " (paused)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.RequestID, r.PartnerID, r.ContractID, r.Promise, r.Clause,
			r.Level, deadline, left, r.Kind)
	}
	return tw.Flush()
}
