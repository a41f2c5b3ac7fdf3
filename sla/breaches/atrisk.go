package breaches

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/contracts"
	"servicepulse/metrics"
	"servicepulse/sla"
)

// Risk is one promise of an open request past a warning and not yet past
// its deadline (docs/warnings.md): if nothing happens it becomes the breach
// Kind at Deadline. The warning instants are the ones the refresher stored
// in request_state; this listing only compares them with the as-of time,
// as the at_risk KPI, the dashboard and the alert do.
type Risk struct {
	RequestID  string    `json:"request_id"`
	PartnerID  string    `json:"partner_id"`
	ContractID string    `json:"contract_id"`
	OpenedAt   time.Time `json:"opened_at"`
	Kind       string    `json:"kind"`    // the breach it becomes: late_reply, late_onsite, late_parts
	Promise    string    `json:"promise"` // reply, on-site, part line N (N-th line in line-id order)
	Clause     string    `json:"clause"`
	// Level is the latest warning reached: "50%", "75%" or the contract's
	// warn_hours before the deadline ("2h"); WarnedAt is its instant.
	Level    string    `json:"level"`
	WarnedAt time.Time `json:"warned_at"`
	Deadline time.Time `json:"deadline"`
	// DeadlineLocal is Deadline in the contract's time zone (RFC 3339 with
	// its offset), Timezone that zone.
	DeadlineLocal string `json:"deadline_local"`
	Timezone      string `json:"timezone"`
	// LeftHours is the time left to the deadline: business hours of the
	// contract clock for the reply and on-site promises (from the start of
	// an open pause, which holds the clock), elapsed hours for a part line,
	// whose promise counts calendar days. It is the SQL of
	// metrics.Milestone.HoursLeft and metrics.PartHoursLeft over the stored
	// runs, as the dashboard's table shows it.
	LeftHours float64 `json:"left_hours"`
	Paused    bool    `json:"paused,omitempty"` // the clock is paused: the time left does not run
}

// riskKind is one promise that warns and the query listing it. Each query
// selects request_id, partner_id, contract_id, opened_at, deadline, the
// three warning instants, paused_since, the part line's number (0 for the
// reply and on-site promises), the hours left and the level reached.
type riskKind struct {
	kind, clause, promise string
	parts                 bool
	sql                   func(s metrics.Scope) string
}

const riskColumns = "request_id, partner_id, contract_id, opened_at, "

var riskKinds = []riskKind{
	milestoneRisk("late_reply", "reply"),
	milestoneRisk("late_onsite", "on-site"),
	{kind: "late_parts", clause: "3.2.2", promise: "part line", parts: true, sql: func(s metrics.Scope) string {
		return "SELECT " + riskColumns + "d, w50, w75, wh, paused_since, toUInt64(n), toFloat64(" + metrics.PartHoursLeft("d", s.AsOf) + "), " +
			metrics.PartLevel("w50", "w75", "wh", s.AsOf) +
			" FROM " + s.Source() + " ARRAY JOIN part_due AS d, part_delivered_at AS a," +
			" part_warn_50 AS w50, part_warn_75 AS w75, part_warn_hours AS wh, arrayEnumerate(part_due) AS n" +
			" WHERE " + s.Where() + " AND status = 'open' AND " + metrics.PartAtRisk("d", "a", "w50", "wh", s.AsOf)
	}},
}

func milestoneRisk(kind, name string) riskKind {
	m := milestone(name)
	return riskKind{kind: kind, clause: "2.3.1", promise: name, sql: func(s metrics.Scope) string {
		return "SELECT " + riskColumns + m.Due + ", " + m.Warn50 + ", " + m.Warn75 + ", " + m.WarnHours + ", paused_since, toUInt64(0), toFloat64(" + m.HoursLeft(s.AsOf) + "), " + m.Level(s.AsOf) +
			" FROM " + s.Source() + " WHERE " + s.Where() + " AND " + m.AtRisk(s.AsOf)
	}}
}

// AtRisk lists the promises of the requests q selects (q.By is ignored)
// that are past a warning and not past their deadline as of q.AsOf, the
// nearest deadline first, with the time left measured on the terms (the
// contracts in ClickHouse) in force when each request was opened.
func AtRisk(ctx context.Context, conn driver.Conn, q metrics.Query, terms *contracts.File) ([]Risk, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	scope := q.Scope()
	// The scope's literal has whole seconds; measure from the same instant.
	asOf := q.AsOf.UTC().Truncate(time.Second)
	var (
		out      []Risk
		policies sla.Policies
	)
	for _, k := range riskKinds {
		list, err := listRisks(ctx, conn, k, scope, asOf, terms, &policies)
		if err != nil {
			return nil, fmt.Errorf("list promises at risk of %s: %w", k.kind, err)
		}
		out = append(out, list...)
	}
	slices.SortStableFunc(out, func(a, b Risk) int {
		return cmp.Or(a.Deadline.Compare(b.Deadline), cmp.Compare(a.RequestID, b.RequestID))
	})
	return out, nil
}

func listRisks(ctx context.Context, conn driver.Conn, k riskKind, scope metrics.Scope, asOf time.Time,
	terms *contracts.File, policies *sla.Policies) ([]Risk, error) {
	rows, err := conn.Query(ctx, k.sql(scope))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []Risk
	for rows.Next() {
		var (
			r            = Risk{Kind: k.kind, Clause: k.clause, Promise: k.promise}
			w            sla.Warnings
			pausedSince  time.Time
			line         uint64
			deadline, op time.Time
		)
		if err := rows.Scan(&r.RequestID, &r.PartnerID, &r.ContractID, &op, &deadline, &w.At50, &w.At75, &w.Hours, &pausedSince, &line, &r.LeftHours, &r.Level); err != nil {
			return nil, err
		}
		r.OpenedAt, r.Deadline = op.UTC(), deadline.UTC()
		if k.parts {
			r.Promise += " " + strconv.FormatUint(line, 10)
		}
		policy, err := policies.For(terms, r.ContractID, r.OpenedAt)
		if err != nil {
			return nil, err
		}
		describeRisk(&r, w, !k.parts && !orZero(pausedSince).IsZero(), policy)
		list = append(list, r)
	}
	return list, rows.Err()
}

// describeRisk names the level by the contract's warn_hours ("3h"), sets
// the instant of that warning and the deadline in the contract's zone.
func describeRisk(r *Risk, w sla.Warnings, paused bool, policy *sla.Policy) {
	r.Paused = paused
	loc := time.UTC
	switch r.Level {
	case "50%":
		r.WarnedAt = w.At50.UTC()
	case "75%":
		r.WarnedAt = w.At75.UTC()
	case metrics.WarnHoursLevel:
		r.WarnedAt = w.Hours.UTC()
	}
	if policy != nil {
		loc = policy.Loc
		if r.Level == metrics.WarnHoursLevel {
			r.Level = strconv.FormatFloat(policy.Terms.WarnHours, 'f', -1, 64) + "h"
		}
	}
	r.DeadlineLocal, r.Timezone = r.Deadline.In(loc).Format(time.RFC3339), loc.String()
}
