package timeline

import (
	"time"
)

// Timeline is one request's life as of an instant (JSON of `servicepulse
// request ID --format json`).
type Timeline struct {
	RequestID     string  `json:"request_id"`
	AsOf          Instant `json:"as_of"`
	PartnerID     string  `json:"partner_id"`
	ContractID    string  `json:"contract_id"`
	Channel       string  `json:"channel"`
	Region        string  `json:"region"`
	ProductSerial string  `json:"product_serial"`
	ProductModel  string  `json:"product_model"`
	Status        string  `json:"status"` // open, resolved, closed or cancelled
	Opened        Instant `json:"opened"`
	// Contract is the version that judges the request; nil when the
	// contract has no terms for the opening time (then nothing has a
	// deadline).
	Contract *Contract `json:"contract"`
	Events   []Event   `json:"events"`
	Pauses   []Pause   `json:"pauses"`
	Promises []Promise `json:"promises"`

	FirstTimeFix FirstTimeFix `json:"first_time_fix"`
	Repeat       Repeat       `json:"repeat"`
	Feedback     []Feedback   `json:"feedback"`
	Survey       Survey       `json:"survey"`
	Complaints   []Complaint  `json:"complaints"`
}

// Instant is a moment in UTC and on the contract's wall clock (the default
// zone, Asia/Shanghai, without terms).
type Instant struct {
	UTC     time.Time `json:"utc"`
	Local   string    `json:"local"`   // RFC 3339 with the zone's offset
	Weekday string    `json:"weekday"` // of the local date: Mon … Sun
}

// Contract is the contract version in force when the request was opened,
// which governs all its clocks.
type Contract struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	EffectiveFrom Instant `json:"effective_from"`
	Calendar      string  `json:"calendar"`
	// CalendarCovers is false when the calendar's data does not cover the
	// year of the opening: its holidays are then not accounted for.
	CalendarCovers bool   `json:"calendar_covers"`
	Window         string `json:"window"`
	// RepairWindow is the repair-service window (clause 3.3.2) the on-site
	// and resolve promises count in; "" when the contract gives none (they
	// count in Window).
	RepairWindow  string   `json:"repair_window,omitempty"`
	Timezone      string   `json:"timezone"`
	ResponseHours float64  `json:"response_hours"`
	OnsiteHours   float64  `json:"onsite_hours"`
	PartsDays     float64  `json:"parts_days"`
	PauseReasons  []string `json:"pause_reasons"`
	// SpecialDays are the dates from the opening to the last deadline or
	// milestone on which the calendar departs from Monday to Friday:
	// holidays on weekdays, make-up working days (调休) on weekends.
	SpecialDays []Day `json:"special_days"`
}

// Day is a local date of the calendar.
type Day struct {
	Date    string `json:"date"` // YYYY-MM-DD
	Weekday string `json:"weekday"`
	Kind    string `json:"kind"` // holiday, make_up_working_day
}

// Event is one service event, once, in the order Build reads them.
type Event struct {
	At                  Instant `json:"at"`
	Type                string  `json:"type"`
	EventID             string  `json:"event_id"`
	VisitNo             uint16  `json:"visit_no,omitempty"`
	TechnicianCertified *bool   `json:"technician_certified,omitempty"`
	PartLine            string  `json:"part_line,omitempty"`
	PartNo              string  `json:"part_no,omitempty"`
	PartFromStock       *bool   `json:"part_from_stock,omitempty"`
	PauseReason         string  `json:"pause_reason,omitempty"`
	Cause               string  `json:"cause,omitempty"`
	Warranty            string  `json:"warranty,omitempty"`
	PartsFee            string  `json:"parts_fee,omitempty"`
	LabourFee           string  `json:"labour_fee,omitempty"`
	// Note says what the event does to the promises.
	Note string `json:"note,omitempty"`
}

// Pause is one stop of the SLA clock (a clock_paused whose reason the
// contract accepts, to the next clock_resumed).
type Pause struct {
	From   Instant  `json:"from"`
	To     *Instant `json:"to"` // nil: still paused
	Reason string   `json:"reason"`
	// BusinessHours is the business time inside the pause, to its end or,
	// while it lasts, to the as-of instant.
	BusinessHours float64 `json:"business_hours"`
}

// Outcomes of a promise.
const (
	Met        = "met"
	Breached   = "breached"
	Open       = "open"        // not kept yet, deadline not passed (or held by a pause)
	NotOwed    = "not_owed"    // the request was cancelled (or, for the visit, resolved) before the deadline
	NoDeadline = "no_deadline" // the contract has no terms for the request
	Resolved   = "resolved"    // the resolution, which has no deadline
	Cancelled  = "cancelled"
	Closed     = "closed" // closed without a standing resolution
)

// Units of a promise's budget and hours.
const (
	BusinessHours = "business_hours" // on the contract's calendar and window, minus pauses
	CalendarHours = "calendar_hours" // elapsed wall-clock hours (parts: days × 24)
)

// Promise is one promise of the contract to this request.
type Promise struct {
	Name     string `json:"name"` // reply, onsite, part, resolve
	PartLine string `json:"part_line,omitempty"`
	Clause   string `json:"clause"`
	// Budget is the promised time in Unit; 0 for the resolution, which has
	// no deadline.
	Budget float64 `json:"budget,omitempty"`
	Unit   string  `json:"unit"`
	// Start is when the promise's clock starts: the opening, or the part's
	// request (nil for a part delivered without a request seen).
	Start    *Instant `json:"start,omitempty"`
	Deadline *Instant `json:"deadline,omitempty"`
	Done     *Instant `json:"done,omitempty"` // the milestone, nil while not kept
	// Used is the time used, in Unit: to Done (as request_state holds it)
	// or, while not kept, so far: to the as-of instant, or to the
	// cancellation or resolution that ended the promise.
	Used float64 `json:"used"`
	// Left is Budget − Used while the promise is open.
	Left    *float64 `json:"left,omitempty"`
	Outcome string   `json:"outcome"`
	// LateBusinessHours is how late a breached promise is, in business
	// hours from the deadline to Done or to the as-of instant, as
	// `servicepulse breaches` says.
	LateBusinessHours *float64 `json:"late_business_hours,omitempty"`
	// HeldByPause: the clock is paused, which holds the deadline.
	HeldByPause bool `json:"held_by_pause,omitempty"`
}

// FirstTimeFix is the request's place in first_time_fix_rate (clauses 3.3,
// 5.2).
type FirstTimeFix struct {
	Counted         bool   `json:"counted"` // in the KPI's denominator
	Fixed           bool   `json:"fixed"`   // in its numerator
	FirstVisitFix   bool   `json:"first_visit_fix"`
	Reopened        bool   `json:"reopened"`
	PlannedFollowUp bool   `json:"planned_follow_up"`
	Cause           string `json:"cause"`
	Why             string `json:"why"`
}

// Repeat is the request's place in repeat_repair_rate (clause 5.1), among
// the requests on its product serial.
type Repeat struct {
	IsRepeat        bool `json:"is_repeat"`         // it came within 30 days of an earlier resolution
	RepeatWithin30d bool `json:"repeat_within_30d"` // the serial came back within 30 days of its resolution
	// Of and By name the requests that make those flags true.
	Of []string `json:"repeat_of,omitempty"`
	By []string `json:"repeated_by,omitempty"`
}

// Feedback is one feedback event.
type Feedback struct {
	At          Instant `json:"at"`
	Type        string  `json:"type"`
	EventID     string  `json:"event_id"`
	CSAT        *int8   `json:"csat,omitempty"`
	NPS         *int8   `json:"nps,omitempty"`
	CES         *int8   `json:"ces,omitempty"`
	ComplaintID string  `json:"complaint_id,omitempty"`
	Category    string  `json:"complaint_category,omitempty"`
}

// Survey is the latest answer of each scale, as the KPIs read it; nil
// when never given.
type Survey struct {
	CSAT *int8 `json:"csat"`
	NPS  *int8 `json:"nps"`
	CES  *int8 `json:"ces"`
}

// Complaint is one complaint, as the complaint KPIs read it.
type Complaint struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	// ClosedBusinessHours is from opening to resolution; nil while open.
	ClosedBusinessHours *float64 `json:"closed_business_hours"`
}
