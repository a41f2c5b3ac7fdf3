// Package transform is the validation stage of servicepulse: it turns the raw
// value of one Kafka message into either a fact row (ServiceEvent,
// FeedbackEvent) or a Reject, following the event contract in
// docs/events.md and the JSON Schemas in schema/.
//
// Contract of the stage:
//
//   - Pure: the result depends only on the message, the PII key and the clock
//     of Config.Now (the future_timestamp rule). No I/O, no logging, no global
//     state.
//   - Total: every input, including invalid UTF-8, truncated JSON and
//     oversized messages, gives exactly one of a row or a Reject, never a
//     panic or an error.
//   - Ordered: the checks run in a fixed order (size, UTF-8, JSON,
//     schema_version, the common fields, then the event type's fields), and
//     a Reject names the first rule broken and the field (Detail).
//   - Concurrency-safe: a Transformer may be used by any number of goroutines.
//   - PII never leaves: names, phones, addresses, e-mails and free text never
//     appear in a row or in a Reject. A customer becomes CustomerRef, a keyed
//     HMAC; free text becomes a "present" flag; a Reject carries the Redacted
//     payload and a digest of the original, whose bytes go to the DLQ only
//     sealed (SealDLQ) under a key derived from the PII key.
//
// The hot path (an accepted message) checks UTF-8, then makes one pass over
// the bytes that checks the JSON syntax and finds the contract's fields, and
// allocates once, for the strings the row keeps.
package transform
