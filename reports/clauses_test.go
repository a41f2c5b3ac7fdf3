package reports

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"servicepulse/sla/breaches"
)

// The streamed summary keeps, per clause, exactly the WorstBreaches worst of
// all its breaches (as sorting them all would), and counts every breach and
// every distinct request: 3,000 breaches with many ties on late hours and
// requests, fed in a random order.
func TestClausesKeepTheWorst(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var all []breaches.Breach
	for i := range 3000 {
		all = append(all, breaches.Breach{
			Kind: []string{"late_reply", "late_onsite", "late_parts"}[i%3], Clause: []string{"2.3.1", "2.3.1", "3.2.2"}[i%3],
			RequestID: fmt.Sprintf("R%03d", r.IntN(400)), LateHours: float64(r.IntN(20)) / 2, Count: 1 + i%2,
			Deadline: at.Add(time.Duration(r.IntN(50)) * time.Hour),
		})
	}
	var c clauses
	for i := range all {
		if err := c.add(&all[i]); err != nil {
			t.Fatal(err)
		}
	}
	got := c.result()
	if len(got) != 2 || got[0].Clause != "2.3.1" || got[1].Clause != "3.2.2" {
		t.Fatalf("clauses %+v, want 2.3.1 then 3.2.2", got)
	}
	for _, g := range got {
		var of []breaches.Breach
		count, reqs := 0, map[string]bool{}
		for _, b := range all {
			if b.Clause == g.Clause {
				of = append(of, b)
				count += b.Count
				reqs[b.RequestID] = true
			}
		}
		slices.SortStableFunc(of, worse)
		if g.Count != count || g.Requests != len(reqs) {
			t.Errorf("clause %s: count %d, requests %d; want %d, %d", g.Clause, g.Count, g.Requests, count, len(reqs))
		}
		if !slices.EqualFunc(g.Worst, of[:WorstBreaches], func(a, b breaches.Breach) bool { return worse(a, b) == 0 }) {
			t.Errorf("clause %s: worst\n%v\nwant\n%v", g.Clause, g.Worst, of[:WorstBreaches])
		}
	}
	if got := (&clauses{}).result(); got == nil || len(got) != 0 {
		t.Errorf("no breaches: %v, want an empty list", got)
	}
}
