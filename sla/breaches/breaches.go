package breaches

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/contracts"
	"servicepulse/metrics"
	"servicepulse/sla"
)

// Breach is one broken promise of a request, citing its clause (appendix 2
// of the contract lists the breach types).
type Breach struct {
	RequestID  string    `json:"request_id"`
	PartnerID  string    `json:"partner_id"`
	ContractID string    `json:"contract_id"`
	OpenedAt   time.Time `json:"opened_at"`
	Kind       string    `json:"kind"` // late_reply, late_onsite, late_parts, unqualified_staff, data_leak
	Clause     string    `json:"clause"`
	// Deadline is when the promise fell due; Done when it was kept late, zero
	// while it is still not kept. Both zero for breaches without a deadline.
	Deadline time.Time `json:"deadline,omitzero"`
	Done     time.Time `json:"done,omitzero"`
	// LateHours is how late, in business hours of the clock of the terms
	// that govern the request, up to Done or to the as-of time; 0 for
	// breaches without a deadline.
	LateHours float64 `json:"late_hours"`
	Count     int     `json:"count"` // how many (visits by unqualified staff, privacy complaints); 1 otherwise
}

// kind is one kind of breach and the query listing it over a scope. Each
// query selects request_id, partner_id, contract_id, opened_at, deadline,
// done, count.
type kind struct {
	name, clause string
	sql          func(s metrics.Scope) string
}

// kinds are the kinds of breach, in the order of the list.
var kinds = []kind{
	{"late_reply", "2.3.1", func(s metrics.Scope) string {
		return "SELECT request_id, partner_id, contract_id, opened_at, reply_due, replied_at, toUInt64(1)" +
			" FROM " + s.Source() + " WHERE " + s.Where() + " AND " + milestone("reply").PastDue(s.AsOf)
	}},
	{"late_onsite", "2.3.1", func(s metrics.Scope) string {
		return "SELECT request_id, partner_id, contract_id, opened_at, onsite_due, onsite_at, toUInt64(1)" +
			" FROM " + s.Source() + " WHERE " + s.Where() + " AND " + milestone("on-site").PastDue(s.AsOf)
	}},
	{"late_parts", "3.2.2", func(s metrics.Scope) string {
		return "SELECT request_id, partner_id, contract_id, opened_at, d, a, toUInt64(1)" +
			" FROM " + s.Source() + " ARRAY JOIN part_due AS d, part_delivered_at AS a" +
			" WHERE " + s.Where() + " AND " + metrics.LatePart("d", "a", s.AsOf)
	}},
	{"unqualified_staff", "2.4.1", func(s metrics.Scope) string {
		return "SELECT request_id, partner_id, contract_id, opened_at, toDateTime(0, 'UTC'), toDateTime(0, 'UTC'), toUInt64(visits - certified_visits)" +
			" FROM " + s.Source() + " WHERE " + s.Where() + " AND visits > certified_visits"
	}},
	{"data_leak", "9.2.1", func(s metrics.Scope) string {
		return "SELECT request_id, partner_id, contract_id, opened_at, toDateTime(0, 'UTC'), toDateTime(0, 'UTC'), toUInt64(countEqual(complaint_category, 'privacy'))" +
			" FROM " + s.Source() + " WHERE " + s.Where() + " AND has(complaint_category, 'privacy')"
	}},
}

// milestone is the catalog's milestone called name.
func milestone(name string) metrics.Milestone {
	for _, m := range metrics.Milestones {
		if m.Name == name {
			return m
		}
	}
	panic("breaches: no milestone " + name)
}

// List lists the breaches of the requests q selects (q.By is ignored),
// every kind, in the order late_reply, late_onsite, late_parts,
// unqualified_staff, data_leak and then by deadline, with how late each is
// under terms (the contracts in ClickHouse).
func List(ctx context.Context, conn driver.Conn, q metrics.Query, terms *contracts.File) ([]Breach, error) {
	var out []Breach
	start := 0
	err := each(ctx, conn, q, terms, func(b *Breach) error {
		out = append(out, *b)
		return nil
	}, func() {
		slices.SortFunc(out[start:], func(a, b Breach) int {
			return cmp.Or(a.Deadline.Compare(b.Deadline), cmp.Compare(a.RequestID, b.RequestID))
		})
		start = len(out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Each calls fn with every breach List would return, kind by kind but in
// no order within a kind, without holding them: a quarter over millions of
// requests has hundreds of thousands of breaches, and a caller that keeps
// a summary (the report's worst per clause) needs none of them afterwards.
// fn must not keep b; an error from fn stops the walk and is returned.
func Each(ctx context.Context, conn driver.Conn, q metrics.Query, terms *contracts.File, fn func(b *Breach) error) error {
	return each(ctx, conn, q, terms, fn, func() {})
}

// each is Each with a call after each kind.
func each(ctx context.Context, conn driver.Conn, q metrics.Query, terms *contracts.File, fn func(b *Breach) error, kindDone func()) error {
	if err := q.Validate(); err != nil {
		return err
	}
	scope := q.Scope()
	var policies sla.Policies
	for _, k := range kinds {
		if err := eachOfKind(ctx, conn, k, scope, q.AsOf, terms, &policies, fn); err != nil {
			return fmt.Errorf("list %s breaches: %w", k.name, err)
		}
		kindDone()
	}
	return nil
}

// eachOfKind runs k's query over scope and measures each breach up to its
// Done, or to asOf while it is not kept.
func eachOfKind(ctx context.Context, conn driver.Conn, k kind, scope metrics.Scope, asOf time.Time,
	terms *contracts.File, policies *sla.Policies, fn func(b *Breach) error) error {
	rows, err := conn.Query(ctx, k.sql(scope))
	if err != nil {
		return err
	}
	defer rows.Close()
	var b Breach
	for rows.Next() {
		b = Breach{Kind: k.name, Clause: k.clause}
		var n uint64
		if err := rows.Scan(&b.RequestID, &b.PartnerID, &b.ContractID, &b.OpenedAt, &b.Deadline, &b.Done, &n); err != nil {
			return err
		}
		b.Count = int(n)
		b.Deadline, b.Done = orZero(b.Deadline), orZero(b.Done)
		if !b.Deadline.IsZero() {
			end := b.Done
			if end.IsZero() {
				end = asOf
			}
			if b.LateHours, err = lateHours(terms, policies, b.ContractID, b.OpenedAt, b.Deadline, end, k.name == "late_onsite"); err != nil {
				return err
			}
		}
		if err := fn(&b); err != nil {
			return err
		}
	}
	return rows.Err()
}

func orZero(t time.Time) time.Time {
	if t.Unix() <= 0 {
		return time.Time{}
	}
	return t.UTC()
}

// lateHours measures deadline → end on the business clock of the terms in
// force when the request was opened (wall-clock hours if there are none):
// the repair window's for on site (clause 3.3.2), as its deadline is.
func lateHours(terms *contracts.File, policies *sla.Policies, contract string, opened, deadline, end time.Time, onsite bool) (float64, error) {
	p, err := policies.For(terms, contract, opened)
	if err != nil || p == nil {
		return end.Sub(deadline).Hours(), err
	}
	if onsite {
		return p.RepairClock().Elapsed(deadline, end).Hours(), nil
	}
	return p.Clock.Elapsed(deadline, end).Hours(), nil
}
