package sla

import (
	"time"

	"github.com/shopspring/decimal"

	"servicepulse/columns"
)

// Request is the state of one service request: a row of request_state
// (columns: RequestStateTable).
// Instants are UTC; the zero time means "has not happened" (stored as epoch 0).
type Request struct {
	RequestID     string
	ContractID    string
	PartnerID     string
	Channel       string
	Region        string
	ProductSerial string
	ProductModel  string
	CustomerRef   string
	// TermsFrom is the effective_from of the contract version that governs the
	// request (the one in force when it was opened); zero when the contract is
	// unknown, in which case no deadline is set.
	TermsFrom  time.Time
	OpenedAt   time.Time
	OpenedDate time.Time // local date of OpenedAt in the contract's time zone, at 00:00 UTC
	Status     string    // open, resolved, closed or cancelled
	Cancelled  time.Time
	// PausedSince is set while the SLA clock is paused (an unmatched
	// clock_paused): deadlines do not pass during the pause.
	PausedSince time.Time
	PausedBH    float64 // business hours of closed pauses

	RepliedAt time.Time
	ReplyDue  time.Time
	ReplyBH   float64 // business hours from opening to first reply, minus pauses
	OnsiteAt  time.Time
	OnsiteDue time.Time
	OnsiteBH  float64
	// ReplyWarn and OnsiteWarn are when the reply and on-site promises warn
	// (docs/warnings.md); set whenever their deadline is.
	ReplyWarn  Warnings
	OnsiteWarn Warnings
	// ReplyRuns and OnsiteRuns are when their clocks run up to the deadline
	// (Runs), for the business time left at any instant.
	ReplyRuns  Runs
	OnsiteRuns Runs
	// ResolvedAt is the final resolution (the last resolved event not followed
	// by a reopen); ResolveBH measures opening to it.
	ResolvedAt time.Time
	ResolveBH  float64
	ClosedAt   time.Time

	Visits          uint16
	CertifiedVisits uint16
	FirstVisitFix   bool // the first resolution came at visit 1
	Reopened        bool
	PlannedFollowUp bool
	RepeatWithin30d bool // the same serial came back within 30 days of this resolution
	IsRepeat        bool // this request came within 30 days of an earlier resolution of the serial

	Parts []PartLine
	// PartWarn are the warnings of Parts, in the same order: elapsed time
	// from each line's request, as its calendar-day deadline counts; zero
	// for a line whose request was not seen.
	PartWarn []Warnings

	Cause     string
	Warranty  string
	PartsFee  decimal.Decimal // summed over the request's resolutions
	LabourFee decimal.Decimal

	CSAT, NPS, CES int8 // the latest survey answer; -1 when not given
	Complaints     []Complaint
	Events         uint32
	ComputedAt     time.Time
}

// PartLine is one ordered part (clause 3.2.2).
type PartLine struct {
	LineID      string
	Due         time.Time // requested + parts_days (calendar days)
	DeliveredAt time.Time // zero while not delivered
	FromStock   bool
}

// Warnings are the instants a promise warns before its deadline: when 50%
// and 75% of its budget are used, and the contract's warn_hours before the
// deadline (Hours; zero when warn_hours is 0). Zero: no deadline. They are
// computed with the closed pauses, as the deadline is; while a pause is open
// they are compared with its start, as the deadline is (metrics' clockNow).
type Warnings struct {
	At50, At75, Hours time.Time
}

// Complaint is one complaint about the request (clause 5.3).
type Complaint struct {
	ID       string
	Category string
	ClosedBH float64 // business hours from opening to resolution; -1 while open
}

// RequestStateTable declares request_state (sql/0006_request_state.sql), one
// Request a row: WriteStates derives its INSERT from it. Times that have not
// happened are stored as epoch 0 and read back as zero. The part and
// complaint arrays are computed from Parts and Complaints and are not read
// back into a Request.
var RequestStateTable = columns.NewTable("request_state",
	columns.Field("request_id", "String", func(r *Request) *string { return &r.RequestID }),
	columns.Field("contract_id", "LowCardinality(String)", func(r *Request) *string { return &r.ContractID }),
	columns.Field("partner_id", "LowCardinality(String)", func(r *Request) *string { return &r.PartnerID }),
	columns.Field("channel", "LowCardinality(String)", func(r *Request) *string { return &r.Channel }),
	columns.Field("region", "LowCardinality(String)", func(r *Request) *string { return &r.Region }),
	columns.Field("product_serial", "String", func(r *Request) *string { return &r.ProductSerial }),
	columns.Field("product_model", "LowCardinality(String)", func(r *Request) *string { return &r.ProductModel }),
	columns.Field("customer_ref", "String", func(r *Request) *string { return &r.CustomerRef }),
	columns.Time("terms_from", "DateTime('UTC')", func(r *Request) *time.Time { return &r.TermsFrom }),
	columns.Time("opened_at", "DateTime('UTC')", func(r *Request) *time.Time { return &r.OpenedAt }),
	columns.Field("opened_date", "Date", func(r *Request) *time.Time { return &r.OpenedDate }),
	columns.Field("status", "LowCardinality(String)", func(r *Request) *string { return &r.Status }),
	columns.Time("cancelled_at", "DateTime('UTC')", func(r *Request) *time.Time { return &r.Cancelled }),
	columns.Time("paused_since", "DateTime('UTC')", func(r *Request) *time.Time { return &r.PausedSince }),
	columns.Field("paused_bh", "Float64", func(r *Request) *float64 { return &r.PausedBH }),

	columns.Time("replied_at", "DateTime('UTC')", func(r *Request) *time.Time { return &r.RepliedAt }),
	columns.Time("reply_due", "DateTime('UTC')", func(r *Request) *time.Time { return &r.ReplyDue }),
	columns.Field("reply_bh", "Float64", func(r *Request) *float64 { return &r.ReplyBH }),
	columns.Time("onsite_at", "DateTime('UTC')", func(r *Request) *time.Time { return &r.OnsiteAt }),
	columns.Time("onsite_due", "DateTime('UTC')", func(r *Request) *time.Time { return &r.OnsiteDue }),
	columns.Field("onsite_bh", "Float64", func(r *Request) *float64 { return &r.OnsiteBH }),
	columns.Time("reply_warn_50", "DateTime('UTC')", func(r *Request) *time.Time { return &r.ReplyWarn.At50 }),
	columns.Time("reply_warn_75", "DateTime('UTC')", func(r *Request) *time.Time { return &r.ReplyWarn.At75 }),
	columns.Time("reply_warn_hours", "DateTime('UTC')", func(r *Request) *time.Time { return &r.ReplyWarn.Hours }),
	columns.Time("onsite_warn_50", "DateTime('UTC')", func(r *Request) *time.Time { return &r.OnsiteWarn.At50 }),
	columns.Time("onsite_warn_75", "DateTime('UTC')", func(r *Request) *time.Time { return &r.OnsiteWarn.At75 }),
	columns.Time("onsite_warn_hours", "DateTime('UTC')", func(r *Request) *time.Time { return &r.OnsiteWarn.Hours }),
	columns.Of("reply_runs_from", "Array(DateTime('UTC'))", func(r *Request) []time.Time { return nonNilTimes(r.ReplyRuns.From) }, nil),
	columns.Of("reply_runs_to", "Array(DateTime('UTC'))", func(r *Request) []time.Time { return nonNilTimes(r.ReplyRuns.To) }, nil),
	columns.Of("onsite_runs_from", "Array(DateTime('UTC'))", func(r *Request) []time.Time { return nonNilTimes(r.OnsiteRuns.From) }, nil),
	columns.Of("onsite_runs_to", "Array(DateTime('UTC'))", func(r *Request) []time.Time { return nonNilTimes(r.OnsiteRuns.To) }, nil),
	columns.Time("resolved_at", "DateTime('UTC')", func(r *Request) *time.Time { return &r.ResolvedAt }),
	columns.Field("resolve_bh", "Float64", func(r *Request) *float64 { return &r.ResolveBH }),
	columns.Time("closed_at", "DateTime('UTC')", func(r *Request) *time.Time { return &r.ClosedAt }),

	columns.Field("visits", "UInt16", func(r *Request) *uint16 { return &r.Visits }),
	columns.Field("certified_visits", "UInt16", func(r *Request) *uint16 { return &r.CertifiedVisits }),
	columns.Bool("first_visit_fix", func(r *Request) *bool { return &r.FirstVisitFix }),
	columns.Bool("reopened", func(r *Request) *bool { return &r.Reopened }),
	columns.Bool("planned_follow_up", func(r *Request) *bool { return &r.PlannedFollowUp }),
	columns.Bool("repeat_within_30d", func(r *Request) *bool { return &r.RepeatWithin30d }),
	columns.Bool("is_repeat", func(r *Request) *bool { return &r.IsRepeat }),

	columns.Of("part_due", "Array(DateTime('UTC'))", func(r *Request) []time.Time {
		out := make([]time.Time, len(r.Parts))
		for i, p := range r.Parts {
			out[i] = columns.OrEpoch(p.Due)
		}
		return out
	}, nil),
	columns.Of("part_delivered_at", "Array(DateTime('UTC'))", func(r *Request) []time.Time {
		out := make([]time.Time, len(r.Parts))
		for i, p := range r.Parts {
			out[i] = columns.OrEpoch(p.DeliveredAt)
		}
		return out
	}, nil),
	columns.Of("part_from_stock", "Array(UInt8)", func(r *Request) []uint8 {
		out := make([]uint8, len(r.Parts))
		for i, p := range r.Parts {
			if p.FromStock {
				out[i] = 1
			}
		}
		return out
	}, nil),
	partWarnColumn("part_warn_50", func(w Warnings) time.Time { return w.At50 }),
	partWarnColumn("part_warn_75", func(w Warnings) time.Time { return w.At75 }),
	partWarnColumn("part_warn_hours", func(w Warnings) time.Time { return w.Hours }),

	columns.Field("cause", "LowCardinality(String)", func(r *Request) *string { return &r.Cause }),
	columns.Field("warranty", "LowCardinality(String)", func(r *Request) *string { return &r.Warranty }),
	columns.Field("parts_fee", "Decimal(18, 2)", func(r *Request) *decimal.Decimal { return &r.PartsFee }),
	columns.Field("labour_fee", "Decimal(18, 2)", func(r *Request) *decimal.Decimal { return &r.LabourFee }),

	columns.Field("csat", "Int8", func(r *Request) *int8 { return &r.CSAT }),
	columns.Field("nps", "Int8", func(r *Request) *int8 { return &r.NPS }),
	columns.Field("ces", "Int8", func(r *Request) *int8 { return &r.CES }),
	columns.Of("complaints", "UInt16", func(r *Request) uint16 { return uint16(len(r.Complaints)) }, nil),
	columns.Of("complaint_category", "Array(String)", func(r *Request) []string {
		out := make([]string, len(r.Complaints))
		for i, c := range r.Complaints {
			out[i] = c.Category
		}
		return out
	}, nil),
	columns.Of("complaint_close_bh", "Array(Float64)", func(r *Request) []float64 {
		out := make([]float64, len(r.Complaints))
		for i, c := range r.Complaints {
			out[i] = c.ClosedBH
		}
		return out
	}, nil),

	columns.Field("events", "UInt32", func(r *Request) *uint32 { return &r.Events }),
	columns.Field("computed_at", "DateTime('UTC')", func(r *Request) *time.Time { return &r.ComputedAt }),
)

// partWarnColumn is one warning instant of every part line, in Parts order.
func partWarnColumn(name string, at func(Warnings) time.Time) columns.Column[Request] {
	return columns.Of(name, "Array(DateTime('UTC'))", func(r *Request) []time.Time {
		out := make([]time.Time, len(r.Parts))
		for i := range r.Parts {
			var w Warnings
			if i < len(r.PartWarn) {
				w = r.PartWarn[i]
			}
			out[i] = columns.OrEpoch(at(w))
		}
		return out
	}, nil)
}

// nonNilTimes gives the driver an empty array for no runs.
func nonNilTimes(ts []time.Time) []time.Time {
	if ts == nil {
		return []time.Time{}
	}
	return ts
}
