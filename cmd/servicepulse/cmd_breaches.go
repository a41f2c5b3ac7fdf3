package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"text/tabwriter"
	"time"

	"servicepulse/contracts"
	"servicepulse/metrics"
)

// runBreaches lists the breaches of the requests opened in a range, the worst
// (latest, in business hours) first.
func runBreaches(ctx context.Context, args []string) error {
	var (
		c                       warehouseFlags
		from, to, asOf, format  string
		partner, contract, kind string
		limit                   int
	)
	fs := newFlagSet("breaches", "")
	c.register(fs)
	fs.StringVar(&from, "from", "", "first opening date, YYYY-MM-DD (required)")
	fs.StringVar(&to, "to", "", "last opening date, YYYY-MM-DD, inclusive (required)")
	fs.StringVar(&asOf, "as-of", "", "judge deadlines as of this RFC 3339 instant (default: now)")
	fs.StringVar(&partner, "partner", "", "only this partner")
	fs.StringVar(&contract, "contract", "", "only this contract")
	fs.StringVar(&kind, "kind", "", "only this kind: late_reply, late_onsite, late_parts, unqualified_staff, data_leak")
	fs.IntVar(&limit, "limit", 50, "at most this many, the latest first (0: all)")
	fs.StringVar(&format, "format", "table", "table or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	q, _, err := kpiQuery(from, to, "", asOf, "")
	if err != nil {
		return err
	}
	if format != "table" && format != "json" {
		return usagef("--format %q: want table or json", format)
	}
	if limit < 0 {
		return usagef("--limit %d: must not be negative", limit)
	}
	q.Filter = map[metrics.Dimension]string{}
	if partner != "" {
		q.Filter[metrics.ByPartner] = partner
	}
	if contract != "" {
		q.Filter[metrics.ByContract] = contract
	}
	conn, _, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	terms, err := contracts.Read(ctx, conn)
	if err != nil {
		return err
	}
	list, err := metrics.Breaches(ctx, conn, q, terms)
	if err != nil {
		return err
	}
	if kind != "" {
		list = slices.DeleteFunc(list, func(b metrics.Breach) bool { return b.Kind != kind })
	}
	slices.SortStableFunc(list, func(a, b metrics.Breach) int { return cmp.Compare(b.LateHours, a.LateHours) })
	if limit > 0 && len(list) > limit {
		list = list[:limit]
	}
	if format == "json" {
		return printJSON(list)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\tclause\trequest\tpartner\tcontract\tdeadline\tdone\tlate (business h)\tcount")
	for _, b := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%d\n", b.Kind, b.Clause, b.RequestID, b.PartnerID, b.ContractID,
			stamp(b.Deadline), stamp(b.Done), b.LateHours, b.Count)
	}
	return tw.Flush()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(shanghai()).Format("2006-01-02 15:04")
}
