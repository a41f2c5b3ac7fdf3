package ingest

import (
	"servicepulse/transform"
)

// Batch is what one flush writes: the rows the transform stage produced from a
// run of consumed messages, and the dead letters among them.
type Batch struct {
	Events   []transform.ServiceEvent
	Feedback []transform.FeedbackEvent
	Rejects  []transform.Reject
	// Dead holds the original bytes of each reject, index-aligned with Rejects.
	Dead []DeadLetter
	// Consumed counts the messages the batch accounts for.
	Consumed int
}

// DeadLetter is a rejected message as it was consumed.
type DeadLetter struct {
	Key, Value []byte
}

// Len is the number of messages in the batch.
func (b *Batch) Len() int { return b.Consumed }

func (b *Batch) reset() {
	clear(b.Events)
	clear(b.Feedback)
	clear(b.Rejects)
	clear(b.Dead)
	b.Events, b.Feedback, b.Rejects, b.Dead = b.Events[:0], b.Feedback[:0], b.Rejects[:0], b.Dead[:0]
	b.Consumed = 0
}
