package transform

import (
	"time"

	"github.com/shopspring/decimal"
)

// Source says where a message came from. It travels with every row so that a
// stored fact or reject can be traced back to its Kafka offset.
type Source struct {
	Topic     string
	Partition int32
	Offset    int64
}

// ServiceEvent is one validated, normalised and pseudonymised service record:
// a row of the service_events fact table, whose columns ServiceEventsTable
// declares. It holds no personal data.
// Fields that the event type does not carry are zero values.
type ServiceEvent struct {
	EventID       string
	EventType     string // one of RecordTypes
	SchemaVersion uint8
	OccurredAt    time.Time // UTC
	RequestID     string
	ContractID    string
	PartnerID     string

	// request_created
	Channel       string
	Region        string
	ProductSerial string
	ProductModel  string
	PurchaseDate  time.Time // zero when not given
	// CustomerRef is the keyed HMAC of the customer's normalised phone, e-mail
	// and name: equal for the same customer, meaningless without the key.
	// Empty when the event names no customer.
	CustomerRef string

	// dispatched, onsite_arrived, remote_started, resolved
	TechnicianID        string
	TechnicianCertified bool
	VisitNo             uint16
	PlannedFollowUp     bool

	// part_requested, part_delivered
	PartLineID    string
	PartNo        string
	PartQuantity  uint16
	PartFromStock bool

	// resolved
	Cause     string
	Warranty  string
	PartsFee  decimal.Decimal // exact, scale <= 2
	LabourFee decimal.Decimal // exact, scale <= 2
	Currency  string

	// clock_paused / reopened
	PauseReason  string
	ReopenReason string

	// HasNote says a free-text note was present; its text is never kept.
	HasNote bool

	Source Source
	// IngestedAt is when the sink wrote the row (ingested_at); zero until then.
	IngestedAt time.Time
}

// FeedbackEvent is one validated, pseudonymised customer feedback message: a
// row of the feedback fact table (columns: FeedbackTable). Ratings that were
// not given are -1.
type FeedbackEvent struct {
	EventID       string
	EventType     string // one of FeedbackTypes
	SchemaVersion uint8
	OccurredAt    time.Time // UTC
	RequestID     string
	ContractID    string
	PartnerID     string
	CustomerRef   string

	CSAT int8 // 1..5, or -1
	NPS  int8 // 0..10, or -1
	CES  int8 // 1..7, or -1

	ComplaintID       string
	ComplaintCategory string
	ComplaintSeverity string

	HasComment bool

	Source Source
	// IngestedAt is when the sink wrote the row (ingested_at); zero until then.
	IngestedAt time.Time
}

// Reject is a message that could not be accepted: a row of the rejects table
// (columns: RejectsTable). Payload is the redacted form of the message
// (personal data masked), safe to store and to show.
type Reject struct {
	Reason        Reason
	Detail        string // the field or rule, e.g. "product.serial"
	Payload       string // redacted, at most MaxRedactedBytes
	PayloadSize   int    // size of the original message in bytes
	PayloadSHA256 string // hex digest of the original bytes, to find it in the DLQ
	Source        Source
	// RejectedAt is when the sink wrote the row (rejected_at); zero until then.
	RejectedAt time.Time
}

// Reason is the machine-readable cause of a rejection.
type Reason string

// The reject reasons. Their order here is the order in which the checks run.
const (
	ReasonOversize             Reason = "oversize"
	ReasonInvalidUTF8          Reason = "invalid_utf8"
	ReasonBadJSON              Reason = "bad_json"
	ReasonUnknownSchemaVersion Reason = "unknown_schema_version"
	ReasonMissingField         Reason = "missing_field"
	ReasonUnknownEventType     Reason = "unknown_event_type"
	ReasonBadField             Reason = "bad_field"
	ReasonBadTimestamp         Reason = "bad_timestamp"
	ReasonFutureTimestamp      Reason = "future_timestamp"
	ReasonRatingOutOfRange     Reason = "rating_out_of_range"
	ReasonBadMoney             Reason = "bad_money"
)

// Reasons lists every reject reason, in check order.
var Reasons = []Reason{
	ReasonOversize, ReasonInvalidUTF8, ReasonBadJSON, ReasonUnknownSchemaVersion,
	ReasonMissingField, ReasonUnknownEventType, ReasonBadField, ReasonBadTimestamp,
	ReasonFutureTimestamp, ReasonRatingOutOfRange, ReasonBadMoney,
}

// Service record event types (topic servicepulse.service-records).
const (
	RequestCreated = "request_created"
	Acknowledged   = "acknowledged"
	Dispatched     = "dispatched"
	OnsiteArrived  = "onsite_arrived"
	RemoteStarted  = "remote_started"
	PartRequested  = "part_requested"
	PartDelivered  = "part_delivered"
	ClockPaused    = "clock_paused"
	ClockResumed   = "clock_resumed"
	Resolved       = "resolved"
	Reopened       = "reopened"
	Closed         = "closed"
	Cancelled      = "cancelled"
)

// RecordTypes lists the service record event types.
var RecordTypes = []string{
	RequestCreated, Acknowledged, Dispatched, OnsiteArrived, RemoteStarted,
	PartRequested, PartDelivered, ClockPaused, ClockResumed, Resolved,
	Reopened, Closed, Cancelled,
}

// Feedback event types (topic servicepulse.feedback).
const (
	SurveySubmitted   = "survey_submitted"
	ComplaintOpened   = "complaint_opened"
	ComplaintResolved = "complaint_resolved"
)

// FeedbackTypes lists the feedback event types.
var FeedbackTypes = []string{SurveySubmitted, ComplaintOpened, ComplaintResolved}

// Enumerations of field values.
var (
	Channels         = []string{"phone", "online", "email", "app", "walk_in"}
	Causes           = []string{"product_quality", "user_misuse", "force_majeure"}
	Warranties       = []string{"in_warranty", "out_of_warranty", "extended"}
	PauseReasons     = []string{"waiting_customer", "customer_unreachable", "access_denied", "other"}
	ComplaintClasses = []string{"delay", "quality", "attitude", "billing", "privacy", "other"}
	Severities       = []string{"low", "medium", "high", "critical"}
)

// Limits of the contract.
const (
	SchemaVersion    = 1
	MaxMessageBytes  = 64 << 10 // larger messages are rejected as oversize
	MaxRedactedBytes = 4 << 10  // a reject keeps at most this much redacted payload
	MaxFutureSkew    = 24 * time.Hour
)
