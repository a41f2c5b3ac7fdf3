package generator

import (
	"math"
	"time"

	"servicepulse/internal/fields"
	"servicepulse/transform"
)

// MaxTickets bounds Config.Tickets: request creation times are drawn up front
// (8 bytes per ticket).
const MaxTickets = 20_000_000

// Config says what traffic to generate. The zero value of every field means
// its default; Validate fills them in.
type Config struct {
	// Seed seeds every random choice: the same Config gives byte-identical
	// messages. Default: 1.
	Seed int64
	// Tickets is the number of service requests to generate. Default: 1000.
	Tickets int
	// BadRate is the number of extra malformed messages per valid message,
	// 0..0.5. Default: 0.
	BadRate float64
	// From is the earliest request creation time. Default: the start of the
	// previous calendar quarter (Asia/Shanghai) relative to Now.
	From time.Time
	// Days is the span of request creation times, from From. Requests are
	// created in [From, From+Days) but never at or after Now. Default: the
	// rest of the calendar quarter From falls in (its whole length for the
	// default From).
	Days int
	// Now is the generator's clock: every valid event happens before it, and
	// the future_timestamp messages are a month after it. Default: time.Now(),
	// read once, by Validate.
	Now time.Time
}

// Validate fills in defaults and reports the first invalid value, naming its
// command-line flag. It is idempotent.
func (c *Config) Validate() error {
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Tickets == 0 {
		c.Tickets = 1000
	}
	if c.Tickets < 1 || c.Tickets > MaxTickets {
		return fields.Errorf("Tickets", c.Tickets, "must be between 1 and %d", MaxTickets)
	}
	if math.IsNaN(c.BadRate) || c.BadRate < 0 || c.BadRate > 0.5 {
		return fields.Errorf("BadRate", c.BadRate, "must be between 0 and 0.5")
	}
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	if c.From.IsZero() {
		c.From = previousQuarter(c.Now)
	}
	if c.From.Before(minFrom) {
		return fields.Errorf("From", c.From.Format(time.RFC3339), "must not be before %s", minFrom.Format(time.DateOnly))
	}
	if !c.From.Before(c.Now) {
		return fields.Errorf("From", c.From.Format(time.RFC3339), "must be before now (%s)", c.Now.Format(time.RFC3339))
	}
	if c.Days == 0 {
		c.Days = daysToQuarterEnd(c.From)
	}
	if c.Days < 1 || c.Days > maxDays {
		return fields.Errorf("Days", c.Days, "must be between 1 and %d", maxDays)
	}
	return nil
}

const maxDays = 3660

// minFrom keeps every event after 2000-01-01, the contract's lower bound.
var minFrom = time.Date(2000, 1, 2, 0, 0, 0, 0, shanghai)

// quarterStart returns the first instant of the calendar quarter (+08:00) t is in.
func quarterStart(t time.Time) time.Time {
	t = t.In(shanghai)
	return time.Date(t.Year(), (t.Month()-1)/3*3+1, 1, 0, 0, 0, 0, shanghai)
}

func previousQuarter(now time.Time) time.Time {
	return quarterStart(now).AddDate(0, -3, 0)
}

// daysToQuarterEnd counts the days from t to the end of its quarter, rounded up.
func daysToQuarterEnd(t time.Time) int {
	end := quarterStart(t).AddDate(0, 3, 0)
	return int((end.Sub(t) + 24*time.Hour - 1) / (24 * time.Hour))
}

// window returns the request creation window [from, to) in Unix seconds, and
// the exclusive upper bound of every valid event time.
func (c *Config) window() (from, to, now int64) {
	from = c.From.Unix()
	if c.From.Nanosecond() > 0 {
		from++ // whole seconds, never before From
	}
	now = c.Now.Unix() // events are whole seconds: t < now.Unix() ⇒ t < Now
	if c.Now.Nanosecond() > 0 {
		now++
	}
	to = from + int64(c.Days)*daySec
	if to > now {
		to = now
	}
	return from, to, now
}

// Stream is a topic of the event contract.
type Stream string

// The two input topics of docs/events.md.
const (
	Records  Stream = "records"  // servicepulse.service-records
	Feedback Stream = "feedback" // servicepulse.feedback
)

// Message is one Kafka message. Key and Value are freshly allocated for each
// message and belong to the receiver, which may keep them.
type Message struct {
	Topic Stream
	Key   []byte // the request_id
	Value []byte // the JSON event
	// Malformed is "" for a valid message; otherwise the reason the pipeline
	// must reject it with. A malformed message breaks exactly one rule.
	Malformed transform.Reason
}

// Summary counts what Generate emitted.
type Summary struct {
	Records   int `json:"records"`   // valid service-record messages
	Feedback  int `json:"feedback"`  // valid feedback messages
	Malformed int `json:"malformed"` // malformed messages, both topics
	// MalformedByReason counts malformed messages per reject reason; reasons
	// with no message are absent.
	MalformedByReason map[string]int `json:"malformed_by_reason"`
	// MalformedByTopic counts malformed messages per topic ("records",
	// "feedback"); topics with none are absent.
	MalformedByTopic map[string]int `json:"malformed_by_topic"`
	Tickets          int            `json:"tickets"`
	// From and To bound the request creation times, [From, To), in +08:00.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Seed int64     `json:"seed"`
}
