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
	b.Events, b.Feedback, b.Rejects, b.Dead = reuse(b.Events), reuse(b.Feedback), reuse(b.Rejects), reuse(b.Dead)
	b.Consumed = 0
}

// reuse empties s for the next batch, keeping its room, unless the batch
// just written used less than a quarter of a large one: then s is let go
// and grows again when needed. A backfill reads a topic's partitions in
// turn, so a batch may be all records or all feedback; both slices kept at
// a full batch's size held 67 MB in two batches, a third of the heap.
func reuse[E any](s []E) []E {
	if cap(s) > 1024 && len(s) < cap(s)/4 {
		return nil
	}
	clear(s)
	return s[:0]
}

// roomForOne returns s with room for one more row, doubling its capacity up
// to limit (the batch size) when full. A batch is reused, so it grows only
// while the first batches fill; but append grows a large slice by a quarter
// at a time, and filling one 50,000-row batch that way allocated five times
// its size, about 120 MB, each step a copy while the last was still held.
func roomForOne[E any](s []E, limit int) []E {
	if len(s) < cap(s) {
		return s
	}
	grown := make([]E, len(s), max(min(2*cap(s), limit), len(s)+1))
	copy(grown, s)
	return grown
}
