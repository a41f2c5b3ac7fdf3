package transform

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// MinPIIKeyBytes is the shortest PIIKey accepted.
const MinPIIKeyBytes = 16

// Config configures a Transformer.
type Config struct {
	// PIIKey is the HMAC key of the customer pseudonyms (CustomerRef) and,
	// derived, of the DLQ seal. Required, at least MinPIIKeyBytes bytes; keep
	// it secret and stable: a new key gives every customer a new ref.
	PIIKey []byte
	// Now is the ingesting clock of the future_timestamp rule.
	// Default: time.Now.
	Now func() time.Time
}

// Validate reports the first invalid field of c, naming it.
func (c *Config) Validate() error {
	switch n := len(c.PIIKey); {
	case n == 0:
		return fmt.Errorf("transform config: %q is empty: set %s to at least %d random bytes, or give a key file",
			"PIIKey", PIIKeyEnv, MinPIIKeyBytes)
	case n < MinPIIKeyBytes:
		return fmt.Errorf("transform config: %q is %d bytes, want at least %d random bytes",
			"PIIKey", n, MinPIIKeyBytes)
	}
	return nil
}

// Transformer decodes, validates, normalises and pseudonymises the messages of
// both topics. It is safe for concurrent use; it does no I/O.
type Transformer struct {
	now    func() time.Time
	pseudo *pseudonymizer
}

// New returns a Transformer for cfg, or the error of cfg.Validate. It copies
// the key: the caller may clear its slice afterwards.
func New(cfg Config) (*Transformer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Transformer{now: now, pseudo: newPseudonymizer(cfg.PIIKey)}, nil
}

// DecodeRecord decodes one message of the service-records topic. Exactly one
// of the results is meaningful: rej == nil means accepted, and ev is the row;
// otherwise ev is the zero value. The row holds no personal data and does not
// refer to value's memory.
func (t *Transformer) DecodeRecord(src Source, value []byte) (ev ServiceEvent, rej *Reject) {
	var c checker
	ev = t.decodeRecord(&c, value)
	if c.failed() {
		return ServiceEvent{}, newReject(src, value, c.fail)
	}
	ev.Source = src
	return ev, nil
}

// DecodeFeedback decodes one message of the feedback topic, as DecodeRecord.
func (t *Transformer) DecodeFeedback(src Source, value []byte) (ev FeedbackEvent, rej *Reject) {
	var c checker
	ev = t.decodeFeedback(&c, value)
	if c.failed() {
		return FeedbackEvent{}, newReject(src, value, c.fail)
	}
	ev.Source = src
	return ev, nil
}

// envelope holds the fields common to both topics.
type envelope struct {
	schemaVersion uint8
	eventID       string
	eventType     string
	occurredAt    time.Time
	occurredDay   civilDate // in the message's own offset
	requestID     string
	contractID    string
	partnerID     string
	customerRef   string
	hasFreeText   bool
}

// The checks run in this order; the first broken rule is the reject's reason.
// Each step does nothing once an earlier one failed.
//
//  1. parse: size, UTF-8, JSON object            (oversize, invalid_utf8, bad_json)
//  2. schema_version                             (unknown_schema_version)
//  3. envelope, in the order of docs/events.md:
//     event_id, event_type, occurred_at, request_id, contract_id, partner_id,
//     customer, note|comment
//  4. the fields of the event type, in the order of its row in docs/events.md.

// parse runs the checks that precede any field: size, UTF-8 and JSON syntax.
// It fills c.fields on success.
func (c *checker) parse(value []byte) {
	c.msg = value
	switch {
	case len(value) > MaxMessageBytes:
		c.reject(ReasonOversize, oversizeDetail)
	case !utf8.Valid(value):
		c.reject(ReasonInvalidUTF8, "not valid UTF-8")
	case !scan(value, &c.fields):
		c.reject(ReasonBadJSON, badJSONDetail(value))
	}
}

var oversizeDetail = "larger than " + strconv.Itoa(MaxMessageBytes) + " bytes"

// badJSONDetail says how a message that scan refused is not a JSON object.
func badJSONDetail(value []byte) string {
	for _, c := range value {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return "invalid JSON object"
		}
		return "not a JSON object"
	}
	return "not a JSON object"
}

// envelope checks the fields common to both topics. freeText is the topic's
// free-text field (note or comment).
func (t *Transformer) envelope(c *checker, types enumSet, freeText field) (e envelope) {
	e.schemaVersion = c.schemaVersion()
	e.eventID = c.id(fEventID)
	e.eventType = c.eventType(types)
	if !c.failed() {
		e.occurredAt, e.occurredDay = c.occurredAt(t.now())
	}
	e.requestID = c.id(fRequestID)
	e.contractID = c.id(fContractID)
	e.partnerID = c.id(fPartnerID)
	e.customerRef = t.customer(c)
	e.hasFreeText = c.freeText(freeText)
	return e
}

// customer checks the optional customer object and returns its CustomerRef.
// The address is type-checked and otherwise never read.
func (t *Transformer) customer(c *checker) string {
	if !c.object(fCustomer, optional) {
		return ""
	}
	name, _ := c.str(fCustomerName, optional)
	phone, _ := c.str(fCustomerPhone, optional)
	c.str(fCustomerAddress, optional)
	email, _ := c.str(fCustomerEmail, optional)
	if c.failed() {
		return ""
	}
	var ref [customerRefLen]byte
	if !t.pseudo.ref(&ref, name, phone, email) {
		return ""
	}
	return c.keep(ref[:])
}

// newReject builds the reject of value. Its Payload is redacted; Detail names
// a field or a rule, never a value.
func newReject(src Source, value []byte, f failure) *Reject {
	sum := sha256.Sum256(value)
	return &Reject{
		Reason:        f.reason,
		Detail:        f.detail,
		Payload:       Redact(value),
		PayloadSize:   len(value),
		PayloadSHA256: hex.EncodeToString(sum[:]),
		Source:        src,
	}
}
