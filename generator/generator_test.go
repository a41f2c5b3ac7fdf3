package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"servicepulse/transform"
)

// testNow is a fixed clock: the default window is then 2026-07-01 … 2026-10-01.
var testNow = time.Date(2026, 11, 24, 10, 30, 0, 0, shanghai)

func testConfig(tickets int, badRate float64) Config {
	return Config{Seed: 7, Tickets: tickets, BadRate: badRate, Now: testNow}
}

// generated is the output of one Generate call, kept for several tests.
type generated struct {
	cfg  Config
	msgs []Message
	sum  Summary
}

func generate(t testing.TB, cfg Config) generated {
	t.Helper()
	g := generated{cfg: cfg}
	var err error
	g.sum, err = Generate(cfg, func(m Message) error { g.msgs = append(g.msgs, m); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := g.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return g
}

var (
	fixtureOnce sync.Once
	fixture     generated
)

// shared is 3,000 tickets with 20% malformed messages.
func shared(t *testing.T) generated {
	fixtureOnce.Do(func() { fixture = generate(t, testConfig(3000, 0.2)) })
	if fixture.msgs == nil {
		t.Fatal("fixture generation failed")
	}
	return fixture
}

func digest(msgs []Message, validOnly bool) string {
	h := sha256.New()
	for _, m := range msgs {
		if validOnly && m.Malformed != "" {
			continue
		}
		fmt.Fprintf(h, "%s|%s|%s|%d|", m.Topic, m.Key, m.Malformed, len(m.Value))
		h.Write(m.Value)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestSameSeedSameBytes(t *testing.T) {
	a := generate(t, testConfig(1500, 0.1))
	b := generate(t, testConfig(1500, 0.1))
	if digest(a.msgs, false) != digest(b.msgs, false) {
		t.Fatal("two runs of the same Config differ")
	}
	other := testConfig(1500, 0.1)
	other.Seed = 8
	if c := generate(t, other); digest(a.msgs, false) == digest(c.msgs, false) {
		t.Fatal("seeds 7 and 8 gave the same messages")
	}
}

func TestBadRateLeavesValidTrafficAlone(t *testing.T) {
	clean := generate(t, testConfig(1500, 0))
	dirty := generate(t, testConfig(1500, 0.3))
	if digest(clean.msgs, true) != digest(dirty.msgs, true) {
		t.Fatal("the valid messages depend on BadRate")
	}
	if clean.sum.Malformed != 0 || len(clean.sum.MalformedByReason) != 0 {
		t.Fatalf("BadRate 0 gave malformed messages: %+v", clean.sum)
	}
}

func TestSummaryCountsWhatWasEmitted(t *testing.T) {
	g := shared(t)
	var records, feedback, malformed int
	byReason, byTopic := map[string]int{}, map[string]int{}
	reasonTopics := map[transform.Reason]map[Stream]bool{}
	for _, m := range g.msgs {
		switch {
		case m.Malformed != "":
			malformed++
			byReason[string(m.Malformed)]++
			byTopic[string(m.Topic)]++
			if reasonTopics[m.Malformed] == nil {
				reasonTopics[m.Malformed] = map[Stream]bool{}
			}
			reasonTopics[m.Malformed][m.Topic] = true
		case m.Topic == Records:
			records++
		case m.Topic == Feedback:
			feedback++
		default:
			t.Fatalf("message on unknown topic %q", m.Topic)
		}
	}
	s := g.sum
	if s.Records != records || s.Feedback != feedback || s.Malformed != malformed {
		t.Errorf("summary says %d/%d/%d records/feedback/malformed, emitted %d/%d/%d",
			s.Records, s.Feedback, s.Malformed, records, feedback, malformed)
	}
	if fmt.Sprint(s.MalformedByReason) != fmt.Sprint(byReason) || fmt.Sprint(s.MalformedByTopic) != fmt.Sprint(byTopic) {
		t.Errorf("summary by reason %v / topic %v, emitted %v / %v", s.MalformedByReason, s.MalformedByTopic, byReason, byTopic)
	}
	if s.Tickets != 3000 || s.Seed != 7 || !s.From.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, shanghai)) ||
		!s.To.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, shanghai)) {
		t.Errorf("summary header = %d tickets, seed %d, %v … %v", s.Tickets, s.Seed, s.From, s.To)
	}
	valid := records + feedback
	if got := float64(malformed) / float64(valid); math.Abs(got-0.2) > 0.01 {
		t.Errorf("malformed/valid = %.4f, want 0.2 ± 0.01", got)
	}
	// Spread evenly: round robin over the reasons, both topics where they apply.
	for _, r := range transform.Reasons {
		n := byReason[string(r)]
		if n < malformed/len(transform.Reasons) || n > malformed/len(transform.Reasons)+1 {
			t.Errorf("reason %s: %d messages, want %d or %d", r, n, malformed/11, malformed/11+1)
		}
		want := map[Stream]bool{Records: true, Feedback: true}
		switch r {
		case transform.ReasonRatingOutOfRange:
			want = map[Stream]bool{Feedback: true}
		case transform.ReasonBadMoney:
			want = map[Stream]bool{Records: true}
		}
		if fmt.Sprint(reasonTopics[r]) != fmt.Sprint(want) {
			t.Errorf("reason %s on topics %v, want %v", r, reasonTopics[r], want)
		}
	}
	if records < 6*3000 || records > 11*3000 || feedback < 3000/3 || feedback > 3000 {
		t.Errorf("%d records and %d feedback for 3000 tickets: not the expected shape", records, feedback)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"records":`, `"feedback":`, `"malformed":`, `"malformed_by_reason":`,
		`"malformed_by_topic":`, `"tickets":`, `"from":`, `"to":`, `"seed":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("summary JSON %s lacks %s", b, k)
		}
	}
}

// head is the common part of every valid message.
type head struct {
	SchemaVersion int    `json:"schema_version"`
	EventID       string `json:"event_id"`
	EventType     string `json:"event_type"`
	OccurredAt    string `json:"occurred_at"`
	RequestID     string `json:"request_id"`
	Customer      *struct {
		Name, Phone, Address, Email string
	} `json:"customer"`
}

func TestEveryMessageKeepsTheContract(t *testing.T) {
	g := shared(t)
	ids := map[string]bool{}
	names := map[string]string{} // request_id → customer name
	lastAt := map[string]time.Time{}
	for i, m := range g.msgs {
		v := checkMessage(m.Topic, m.Value, g.cfg.Now)
		if m.Malformed == "" {
			if len(v) > 0 {
				t.Fatalf("message %d is meant to be valid but breaks %v:\n%s", i, v, m.Value)
			}
		} else if len(v) != 1 || v[0].reason != m.Malformed {
			t.Fatalf("message %d is meant to break one rule, %s, but breaks %v:\n%.800q", i, m.Malformed, v, m.Value)
		}

		var h head
		if err := json.Unmarshal(m.Value, &h); err == nil && h.EventID != "" {
			if ids[h.EventID] {
				t.Fatalf("event id %s used twice", h.EventID)
			}
			ids[h.EventID] = true
		}
		if m.Malformed != "" {
			if !strings.Contains(string(m.Value), `"customer":`) || !strings.Contains(string(m.Value), names[string(m.Key)]) {
				t.Fatalf("malformed message %d lacks the personal data of %s:\n%.800q", i, m.Key, m.Value)
			}
			continue
		}

		if h.SchemaVersion != 1 || h.RequestID != string(m.Key) {
			t.Fatalf("message %d: schema_version %d, request_id %q, key %q", i, h.SchemaVersion, h.RequestID, m.Key)
		}
		if !strings.HasSuffix(h.OccurredAt, "+08:00") {
			t.Fatalf("message %d: occurred_at %s is not in +08:00", i, h.OccurredAt)
		}
		at, _ := time.Parse(time.RFC3339, h.OccurredAt)
		if at.Before(g.cfg.From) || !at.Before(g.cfg.Now) {
			t.Fatalf("message %d: occurred_at %s outside [%s, %s)", i, h.OccurredAt, g.cfg.From, g.cfg.Now)
		}
		if h.EventType == transform.RequestCreated {
			if h.Customer == nil || len([]rune(h.Customer.Name)) < 2 || len(h.Customer.Phone) != 11 ||
				h.Customer.Phone[0] != '1' || h.Customer.Address == "" {
				t.Fatalf("message %d: request without a plausible customer: %s", i, m.Value)
			}
			names[h.RequestID] = h.Customer.Name
		} else if names[h.RequestID] == "" {
			t.Fatalf("message %d: %s of %s before its request_created", i, h.EventType, h.RequestID)
		}
		if m.Topic == Records { // a request's lifecycle is emitted in time order
			if at.Before(lastAt[h.RequestID]) {
				t.Fatalf("message %d: %s of %s at %s, before the previous event", i, h.EventType, h.RequestID, h.OccurredAt)
			}
			lastAt[h.RequestID] = at
		}
	}
}

// The creation window ends at Now when From + Days is later; nothing valid
// happens at or after Now.
func TestWindowClampedToNow(t *testing.T) {
	cfg := Config{Seed: 3, Tickets: 800, BadRate: 0.05, Now: time.Date(2026, 8, 10, 15, 4, 5, 500, shanghai),
		From: time.Date(2026, 7, 1, 0, 0, 0, 0, shanghai), Days: 92}
	g := generate(t, cfg)
	if !g.sum.To.Equal(cfg.Now) {
		t.Errorf("To = %v, want Now %v", g.sum.To, cfg.Now)
	}
	open := 0
	for _, m := range g.msgs {
		if m.Malformed != "" {
			continue
		}
		var h head
		if err := json.Unmarshal(m.Value, &h); err != nil {
			t.Fatal(err)
		}
		at, _ := time.Parse(time.RFC3339, h.OccurredAt)
		if !at.Before(cfg.Now) || at.Before(cfg.From) {
			t.Fatalf("%s at %s, outside [From, Now)", h.EventID, h.OccurredAt)
		}
		if v := checkMessage(m.Topic, m.Value, cfg.Now); len(v) > 0 {
			t.Fatalf("%s breaks %v", h.EventID, v)
		}
		if at.After(cfg.Now.Add(-24 * time.Hour)) {
			open++
		}
	}
	if open == 0 {
		t.Error("no events in the last day before Now")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{name: "defaults", cfg: Config{Now: testNow}, check: func(t *testing.T, c Config) {
			if c.Seed != 1 || c.Tickets != 1000 || c.BadRate != 0 || c.Days != 92 ||
				!c.From.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, shanghai)) {
				t.Errorf("defaults = %+v", c)
			}
		}},
		{name: "previous quarter across a year", cfg: Config{Now: time.Date(2026, 2, 3, 1, 0, 0, 0, shanghai)},
			check: func(t *testing.T, c Config) {
				if !c.From.Equal(time.Date(2025, 10, 1, 0, 0, 0, 0, shanghai)) || c.Days != 92 {
					t.Errorf("From %v Days %d", c.From, c.Days)
				}
			}},
		{name: "quarter boundary in Shanghai, not UTC", cfg: Config{Now: time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC)},
			check: func(t *testing.T, c Config) { // 2026-04-01 01:00 in Shanghai: Q2, so From is Q1
				if !c.From.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, shanghai)) || c.Days != 90 {
					t.Errorf("From %v Days %d", c.From, c.Days)
				}
			}},
		{name: "rest of the quarter of a given From", cfg: Config{Now: testNow, From: time.Date(2026, 8, 15, 0, 0, 0, 0, shanghai)},
			check: func(t *testing.T, c Config) {
				if c.Days != 47 {
					t.Errorf("Days = %d, want 47 (Aug 15 … Sep 30)", c.Days)
				}
			}},
		{name: "bad rate too high", cfg: Config{BadRate: 0.9}, wantErr: "BadRate 0.9: must be between 0 and 0.5"},
		{name: "bad rate negative", cfg: Config{BadRate: -0.1}, wantErr: "BadRate -0.1: must be between 0 and 0.5"},
		{name: "bad rate NaN", cfg: Config{BadRate: math.NaN()}, wantErr: "BadRate NaN"},
		{name: "tickets", cfg: Config{Tickets: -5}, wantErr: "Tickets -5: must be between 1 and 20000000"},
		{name: "days", cfg: Config{Now: testNow, Days: -1}, wantErr: "Days -1: must be between 1 and 3660"},
		{name: "from after now", cfg: Config{Now: testNow, From: testNow.Add(time.Hour)}, wantErr: "From 2026-11-24T11:30:00+08:00: must be before now"},
		{name: "from before 2000", cfg: Config{Now: testNow, From: time.Date(1999, 5, 1, 0, 0, 0, 0, shanghai)}, wantErr: "From 1999-05-01T00:00:00+08:00: must not be before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cfg
			err := c.Validate()
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
			again := c
			if err := again.Validate(); err != nil || again != c {
				t.Errorf("Validate is not idempotent: %+v → %+v (%v)", c, again, err)
			}
		})
	}
}

func TestGenerateStopsAtEmitError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	_, err := Generate(testConfig(200, 0.1), func(Message) error {
		if n++; n == 100 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 100 {
		t.Fatalf("Generate returned %v after %d messages, want the emit error after 100", err, n)
	}
}

// Receivers may keep messages: later messages never overwrite earlier ones.
func TestMessagesAreOwnedByTheReceiver(t *testing.T) {
	var kept []Message
	var copies [][]byte
	if _, err := Generate(testConfig(300, 0.1), func(m Message) error {
		kept = append(kept, m)
		copies = append(copies, slices.Clone(m.Value))
		m.Value = append(m.Value, "garbage"...) // must not reach the next message
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range kept {
		if string(kept[i].Value) != string(copies[i]) {
			t.Fatalf("message %d changed after emit returned", i)
		}
	}
}

// stringsOf collects every JSON string of a message; for messages that do
// not parse, every quoted run of bytes.
func stringsOf(v []byte, into map[string]bool) {
	var root any
	if err := json.Unmarshal(v, &root); err == nil {
		var walk func(any)
		walk = func(x any) {
			switch x := x.(type) {
			case string:
				into[x] = true
			case map[string]any:
				for _, e := range x {
					walk(e)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			}
		}
		walk(root)
		return
	}
	for _, part := range strings.Split(string(v), `"`) {
		into[part] = true
	}
}

func TestPersonalDataListsEveryPersonalValue(t *testing.T) {
	cfg := testConfig(600, 0.25)
	g := generate(t, cfg)
	pd, err := PersonalData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(pd) || len(pd) < 600*3 {
		t.Fatalf("PersonalData: %d values, sorted %v", len(pd), slices.IsSorted(pd))
	}
	listed := map[string]bool{}
	for _, s := range pd {
		listed[s] = true
	}
	// Completeness: every personal value in a valid message is listed.
	for _, m := range g.msgs {
		if m.Malformed != "" {
			continue
		}
		var x struct {
			Customer map[string]string `json:"customer"`
			Note     string            `json:"note"`
			Comment  string            `json:"comment"`
		}
		if err := json.Unmarshal(m.Value, &x); err != nil {
			t.Fatal(err)
		}
		for _, s := range append([]string{x.Note, x.Comment}, valuesOf(x.Customer)...) {
			if s != "" && !listed[s] {
				t.Fatalf("personal value %q of %s is not in PersonalData", s, m.Value)
			}
		}
	}
	// Soundness: every listed value occurs in some message.
	seen := map[string]bool{}
	var long []string
	for _, m := range g.msgs {
		stringsOf(m.Value, seen)
	}
	for s := range seen {
		if len(s) > 4096 {
			long = append(long, s)
		}
	}
	for _, s := range pd {
		if seen[s] || slices.ContainsFunc(long, func(l string) bool { return strings.Contains(l, s) }) {
			continue
		}
		if !slices.ContainsFunc(g.msgs, func(m Message) bool { return strings.Contains(string(m.Value), s) }) {
			t.Fatalf("PersonalData lists %q, which no message carries", s)
		}
	}
}

func valuesOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// BenchmarkGenerate measures generation alone, 10,000 tickets per op
// (about 82,000 messages), at three rates of malformed messages.
func BenchmarkGenerate(b *testing.B) {
	for _, bad := range []float64{0, 0.01, 0.1} {
		b.Run(fmt.Sprintf("bad=%g", bad), func(b *testing.B) {
			cfg := testConfig(10000, bad)
			var n, size int
			if _, err := Generate(cfg, func(m Message) error { n++; size += len(m.Key) + len(m.Value); return nil }); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Generate(cfg, func(Message) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64(n), "msgs/op")
		})
	}
}
