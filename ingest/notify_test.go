package ingest

import (
	"slices"
	"testing"

	"servicepulse/transform"
)

// A commit names each request of its batch once, feedback's too, rejects'
// never.
func TestRequestIDs(t *testing.T) {
	b := &Batch{
		Events:   []transform.ServiceEvent{{RequestID: "R1"}, {RequestID: "R2"}, {RequestID: "R1"}},
		Feedback: []transform.FeedbackEvent{{RequestID: "R3"}, {RequestID: "R2"}},
		Rejects:  []transform.Reject{{}},
	}
	got := requestIDs(b)
	slices.Sort(got)
	if want := []string{"R1", "R2", "R3"}; !slices.Equal(got, want) {
		t.Errorf("requestIDs = %v, want %v", got, want)
	}
	if got := requestIDs(&Batch{}); len(got) != 0 {
		t.Errorf("requestIDs of an empty batch = %v", got)
	}
}
