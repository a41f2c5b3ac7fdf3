package sla

import (
	"time"

	"github.com/shopspring/decimal"
)

// Request is the state of one service request: a row of request_state.
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

// Complaint is one complaint about the request (clause 5.3).
type Complaint struct {
	ID       string
	Category string
	ClosedBH float64 // business hours from opening to resolution; -1 while open
}
