package importer

import (
	"crypto/rand"
	"fmt"

	json "github.com/goccy/go-json"

	"servicepulse/transform"
)

// checker judges events with ingest's own transform.
type checker struct {
	tr   *transform.Transformer
	kind Kind
}

// newChecker returns a checker whose transform has a random PII key: import
// keeps no row, only the verdict, which no key changes.
func newChecker(cfg Config) (*checker, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("import: random key: %w", err)
	}
	tr, err := transform.New(transform.Config{PIIKey: key, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return &checker{tr: tr, kind: cfg.Kind}, nil
}

// verdict is what import does with one event.
type verdict struct {
	kind Kind   // Records or Feedback: the topic it goes to
	key  []byte // its request_id, the message key
	// rej is nil for a valid event; else why ingest would reject it. Its
	// Reason and Detail name rules and fields only.
	rej *transform.Reject
}

// check decodes value as ingest would on the topic of its kind.
func (c *checker) check(value []byte) verdict {
	switch c.kind {
	case Records:
		return c.record(value)
	case Feedback:
		return c.feedback(value)
	}
	v := c.record(value)
	if v.rej == nil || v.rej.Reason != transform.ReasonUnknownEventType {
		return v
	}
	// Not a service-record type: feedback, unless it is no type of either
	// topic (then the records verdict, unknown_event_type, stands).
	if f := c.feedback(value); f.rej == nil || f.rej.Reason != transform.ReasonUnknownEventType {
		return f
	}
	return v
}

func (c *checker) record(value []byte) verdict {
	ev, rej := c.tr.DecodeRecord(transform.Source{}, value)
	if rej != nil {
		return verdict{kind: Records, key: rawRequestID(value), rej: rej}
	}
	return verdict{kind: Records, key: []byte(ev.RequestID)}
}

func (c *checker) feedback(value []byte) verdict {
	ev, rej := c.tr.DecodeFeedback(transform.Source{}, value)
	if rej != nil {
		return verdict{kind: Feedback, key: rawRequestID(value), rej: rej}
	}
	return verdict{kind: Feedback, key: []byte(ev.RequestID)}
}

// rawRequestID is the request_id of an invalid event, if it has a string
// one, so that with SendInvalid it lands in the partition of its request;
// else nil (any partition).
func rawRequestID(value []byte) []byte {
	var v struct {
		RequestID *string `json:"request_id"`
	}
	if json.Unmarshal(value, &v) != nil || v.RequestID == nil || *v.RequestID == "" {
		return nil
	}
	return []byte(*v.RequestID)
}
