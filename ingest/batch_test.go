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

// A reset batch keeps the room its rows used, and lets go of a large slice
// it used less than a quarter of; what it keeps holds no old rows.
func TestReuseKeepsWhatTheBatchUsed(t *testing.T) {
	for _, c := range []struct {
		len, cap int
		kept     bool
	}{
		{900, 1000, true}, // small: always kept
		{10, 1000, true},  // small, even if mostly unused
		{40000, 50000, true},
		{12500, 50000, true}, // a quarter: kept
		{12499, 50000, false},
		{0, 50000, false},
	} {
		s := make([]*int, c.len, c.cap)
		for i := range s {
			s[i] = new(int)
		}
		got := reuse(s)
		if kept := got != nil; kept != c.kept {
			t.Errorf("reuse(len %d, cap %d) kept the slice: %v, want %v", c.len, c.cap, kept, c.kept)
		}
		if len(got) != 0 {
			t.Errorf("reuse(len %d, cap %d) left %d rows", c.len, c.cap, len(got))
		}
		if got != nil && cap(got) != c.cap {
			t.Errorf("reuse(len %d, cap %d) kept capacity %d", c.len, c.cap, cap(got))
		}
		for i, p := range s[:c.len] {
			if c.kept && p != nil {
				t.Fatalf("reuse(len %d, cap %d) kept row %d's pointer for the GC to find", c.len, c.cap, i)
			}
		}
	}
}
