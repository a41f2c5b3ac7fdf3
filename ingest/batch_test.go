package ingest

import "testing"

// A batch's rows grow by doubling up to the batch size, and no further: a
// 50,000-row batch is reallocated 17 times (append's quarter steps: 23, to a
// capacity of 55,296), and never holds room for more rows than a batch has.
func TestRoomForOneDoublesUpToTheBatch(t *testing.T) {
	for _, limit := range []int{1, 1000, 50000} {
		var s []int
		grows := 0
		for i := range limit {
			before := cap(s)
			s = append(roomForOne(s, limit), i)
			if cap(s) != before {
				grows++
				if before > 0 && cap(s) < min(2*before, limit) {
					t.Fatalf("limit %d: grew from %d to %d, want at least %d", limit, before, cap(s), min(2*before, limit))
				}
			}
		}
		if cap(s) != limit {
			t.Errorf("limit %d: capacity %d after %d rows", limit, cap(s), limit)
		}
		if max := 17; grows > max {
			t.Errorf("limit %d: %d reallocations, want at most %d", limit, grows, max)
		}
	}
}
