package bench

import (
	"slices"
	"testing"

	"servicepulse/daemon"
	"servicepulse/generator"
	"servicepulse/transform"
)

func TestPercentile(t *testing.T) {
	ten := []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1} // unsorted on purpose
	twenty := make([]float64, 20)
	for i := range twenty {
		twenty[i] = float64(i + 1)
	}
	tests := []struct {
		name string
		xs   []float64
		p    float64
		want float64
	}{
		{"no values", nil, 50, 0},
		{"one value p50", []float64{3.5}, 50, 3.5},
		{"one value p95", []float64{3.5}, 95, 3.5},
		{"ten p50", ten, 50, 5},
		{"ten p95", ten, 95, 10},
		{"ten p90", ten, 90, 9},
		{"ten max", ten, 100, 10},
		{"ten tiny p", ten, 0.1, 1},
		{"twenty p95", twenty, 95, 19},
		{"twenty p50", twenty, 50, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.xs, tt.p); got != tt.want {
				t.Fatalf("percentile(%v, %v) = %v, want %v", tt.xs, tt.p, got, tt.want)
			}
		})
	}
	if !slices.Equal(ten, []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}) {
		t.Fatalf("percentile sorted its input: %v", ten)
	}
}

// The sample spreads over the whole produce, and each sampled request's
// expected events count and last message agree with the generator's own
// account of its valid records.
func TestPlanSample(t *testing.T) {
	var msgs []generator.Message
	if _, err := generator.Generate(generator.Config{Tickets: 300, BadRate: 0.05}, func(m generator.Message) error {
		msgs = append(msgs, m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tr, err := transform.New(transform.Config{PIIKey: []byte(daemon.DevPIIKey)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	samples := planSample(msgs, pickRequests(msgs, n), tr)
	if len(samples) != n {
		t.Fatalf("%d samples, want %d", len(samples), n)
	}
	ids := map[string]bool{}
	for i, s := range samples {
		if ids[s.RequestID] {
			t.Fatalf("request %s sampled twice", s.RequestID)
		}
		ids[s.RequestID] = true
		if i > 0 && samples[i-1].Last >= s.Last {
			t.Fatalf("samples not ordered by their last event: %d then %d", samples[i-1].Last, s.Last)
		}
		var events uint32
		last := -1
		for j, m := range msgs {
			if m.Topic == generator.Records && m.Malformed == "" && string(m.Key) == s.RequestID {
				events, last = events+1, j
			}
		}
		if s.Events != events || s.Last != last || events == 0 {
			t.Fatalf("sample %s: %d events, last at %d; the generator says %d, last at %d", s.RequestID, s.Events, s.Last, events, last)
		}
	}
	// Spread: the first and last samples' events sit in the first and last
	// tenth of the messages that end a request.
	if first, last := samples[0].Last, samples[n-1].Last; first > len(msgs)/5 || last < len(msgs)*4/5 {
		t.Fatalf("samples end at messages %d…%d of %d, want them spread over the whole produce", first, last, len(msgs))
	}
}

// pickRequests takes every request when there are fewer than asked for.
func TestPickRequestsFewerThanAsked(t *testing.T) {
	msgs := []generator.Message{
		{Topic: generator.Records, Key: []byte("R1")},
		{Topic: generator.Feedback, Key: []byte("R2")},
		{Topic: generator.Records, Key: []byte("R3"), Malformed: transform.ReasonBadJSON},
		{Topic: generator.Records, Key: []byte("R4")},
		{Topic: generator.Records, Key: []byte("R1")},
	}
	if got := pickRequests(msgs, 10); !slices.Equal(got, []string{"R4", "R1"}) {
		t.Fatalf("pickRequests = %q, want R4 then R1 (by their last valid record)", got)
	}
}

// The producer stamps a sample when the batch holding its last event is
// handed over, and no other.
func TestFreshnessHanding(t *testing.T) {
	f := newFreshness([]sampled{{RequestID: "A", Last: 5}, {RequestID: "B", Last: 15}, {RequestID: "C", Last: 25}})
	f.handing(0, 10)
	if f.handed[0].Load() == 0 || f.handed[1].Load() != 0 || f.handed[2].Load() != 0 {
		t.Fatalf("after messages 0–9: handed %d %d %d, want only A", f.handed[0].Load(), f.handed[1].Load(), f.handed[2].Load())
	}
	f.handing(10, 20)
	if f.handed[1].Load() == 0 || f.handed[2].Load() != 0 {
		t.Fatalf("after messages 10–19: handed B %d, C %d, want B only", f.handed[1].Load(), f.handed[2].Load())
	}
	if f.unseen() != 3 || len(f.seconds()) != 0 {
		t.Fatalf("nothing polled yet: unseen %d, %d freshness values, want 3 and 0", f.unseen(), len(f.seconds()))
	}
	f.visible[0] = f.handed[0].Load() + 1_500_000_000
	if got := f.seconds(); len(got) != 1 || got[0] != 1.5 || f.unseen() != 2 {
		t.Fatalf("A seen 1.5 s after handed: seconds %v, unseen %d, want [1.5] and 2", got, f.unseen())
	}
}
