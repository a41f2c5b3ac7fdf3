package sla

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/shopspring/decimal"

	"servicepulse/transform"
)

// epoch stands for "not happened" in DateTime columns.
var epoch = time.Unix(0, 0).UTC()

func orEpoch(t time.Time) time.Time {
	if t.IsZero() {
		return epoch
	}
	return t.UTC()
}

func fromEpoch(t time.Time) time.Time {
	if t.Unix() <= 0 {
		return time.Time{}
	}
	return t.UTC()
}

var stateColumns = []string{
	"request_id", "contract_id", "partner_id", "channel", "region", "product_serial", "product_model", "customer_ref",
	"terms_from", "opened_at", "opened_date", "status", "cancelled_at", "paused_since", "paused_bh",
	"replied_at", "reply_due", "reply_bh", "onsite_at", "onsite_due", "onsite_bh", "resolved_at", "resolve_bh", "closed_at",
	"visits", "certified_visits", "first_visit_fix", "reopened", "planned_follow_up", "repeat_within_30d", "is_repeat",
	"part_due", "part_delivered_at", "part_from_stock",
	"cause", "warranty", "parts_fee", "labour_fee",
	"csat", "nps", "ces", "complaints", "complaint_category", "complaint_close_bh",
	"events", "computed_at",
}

func u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// WriteStates inserts request states. Rows replace earlier computations of
// the same request (ReplacingMergeTree on computed_at).
func WriteStates(ctx context.Context, conn driver.Conn, rs []Request) error {
	if len(rs) == 0 {
		return nil
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO request_state ("+strings.Join(stateColumns, ", ")+")")
	if err != nil {
		return fmt.Errorf("prepare insert into request_state: %w", err)
	}
	defer batch.Abort()
	for i := range rs {
		r := &rs[i]
		due := make([]time.Time, len(r.Parts))
		delivered := make([]time.Time, len(r.Parts))
		stock := make([]uint8, len(r.Parts))
		for j, p := range r.Parts {
			due[j], delivered[j], stock[j] = orEpoch(p.Due), orEpoch(p.DeliveredAt), u8(p.FromStock)
		}
		categories := make([]string, len(r.Complaints))
		closed := make([]float64, len(r.Complaints))
		for j, c := range r.Complaints {
			categories[j], closed[j] = c.Category, c.ClosedBH
		}
		err := batch.Append(
			r.RequestID, r.ContractID, r.PartnerID, r.Channel, r.Region, r.ProductSerial, r.ProductModel, r.CustomerRef,
			orEpoch(r.TermsFrom), orEpoch(r.OpenedAt), r.OpenedDate, r.Status, orEpoch(r.Cancelled), orEpoch(r.PausedSince), r.PausedBH,
			orEpoch(r.RepliedAt), orEpoch(r.ReplyDue), r.ReplyBH, orEpoch(r.OnsiteAt), orEpoch(r.OnsiteDue), r.OnsiteBH,
			orEpoch(r.ResolvedAt), r.ResolveBH, orEpoch(r.ClosedAt),
			r.Visits, r.CertifiedVisits, u8(r.FirstVisitFix), u8(r.Reopened), u8(r.PlannedFollowUp), u8(r.RepeatWithin30d), u8(r.IsRepeat),
			due, delivered, stock,
			r.Cause, r.Warranty, r.PartsFee, r.LabourFee,
			r.CSAT, r.NPS, r.CES, uint16(len(r.Complaints)), categories, closed,
			r.Events, r.ComputedAt.UTC(),
		)
		if err != nil {
			return fmt.Errorf("append state of %s: %w", r.RequestID, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d request states: %w", len(rs), err)
	}
	return nil
}

const eventSelect = `SELECT event_id, event_type, occurred_at, request_id, contract_id, partner_id,
 channel, region, product_serial, product_model, customer_ref,
 technician_id, technician_certified, visit_no, planned_follow_up,
 part_line_id, part_no, part_from_stock, cause, warranty, parts_fee, labour_fee, pause_reason
FROM service_events WHERE request_id IN (%s)`

const feedbackSelect = `SELECT event_id, event_type, occurred_at, request_id, csat, nps, ces,
 complaint_id, complaint_category
FROM feedback WHERE request_id IN (%s)`

// quoteList renders ids as a SQL list of string literals.
func quoteList(ids []string) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\'')
		b.WriteString(strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(id))
		b.WriteByte('\'')
	}
	return b.String()
}

// loadInputs reads the events and feedback of the given requests, grouped by
// request. Copies of an event not yet collapsed by ClickHouse are removed by Build.
func loadInputs(ctx context.Context, conn driver.Conn, ids []string) (map[string]*Input, error) {
	in := make(map[string]*Input, len(ids))
	get := func(id string) *Input {
		if in[id] == nil {
			in[id] = &Input{}
		}
		return in[id]
	}
	list := quoteList(ids)
	rows, err := conn.Query(ctx, fmt.Sprintf(eventSelect, list))
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	for rows.Next() {
		var (
			e                        transform.ServiceEvent
			certified, follow, stock uint8
			partsFee, labourFee      decimal.Decimal
		)
		if err := rows.Scan(&e.EventID, &e.EventType, &e.OccurredAt, &e.RequestID, &e.ContractID, &e.PartnerID,
			&e.Channel, &e.Region, &e.ProductSerial, &e.ProductModel, &e.CustomerRef,
			&e.TechnicianID, &certified, &e.VisitNo, &follow,
			&e.PartLineID, &e.PartNo, &stock, &e.Cause, &e.Warranty, &partsFee, &labourFee, &e.PauseReason); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan event: %w", err)
		}
		e.TechnicianCertified, e.PlannedFollowUp, e.PartFromStock = certified == 1, follow == 1, stock == 1
		e.PartsFee, e.LabourFee = partsFee, labourFee
		get(e.RequestID).Events = append(get(e.RequestID).Events, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	rows, err = conn.Query(ctx, fmt.Sprintf(feedbackSelect, list))
	if err != nil {
		return nil, fmt.Errorf("load feedback: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var f transform.FeedbackEvent
		if err := rows.Scan(&f.EventID, &f.EventType, &f.OccurredAt, &f.RequestID, &f.CSAT, &f.NPS, &f.CES,
			&f.ComplaintID, &f.ComplaintCategory); err != nil {
			return nil, fmt.Errorf("scan feedback: %w", err)
		}
		if seen[f.EventID] {
			continue
		}
		seen[f.EventID] = true
		get(f.RequestID).Feedback = append(get(f.RequestID).Feedback, f)
	}
	return in, rows.Err()
}
