package generator

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"servicepulse/transform"
)

// personal matches what the generator's personal data looks like.
var personal = regexp.MustCompile(`\p{Han}+|\b1[3-9][0-9]{9}\b|[a-z.0-9]+@[a-z0-9.]+`)

// The generator and transform's decoder are two independent readings of
// docs/events.md. Every valid message must be accepted, and every malformed
// one rejected with exactly the reason it was built to have; a disagreement
// is a contract bug on one side or the other.
func TestCrossCheckTransform(t *testing.T) {
	for _, cfg := range []Config{
		testConfig(3000, 0.3),
		{Seed: 11, Tickets: 2000, BadRate: 0.5, Now: time.Date(2026, 2, 20, 8, 0, 0, 0, shanghai)},
	} {
		t.Run(fmt.Sprintf("seed %d", cfg.Seed), func(t *testing.T) {
			g := generate(t, cfg)
			tr, err := transform.New(transform.Config{
				PIIKey: []byte("generator-crosscheck-key-0123456789abcdef"),
				Now:    func() time.Time { return g.cfg.Now },
			})
			if err != nil {
				t.Fatal(err)
			}
			var disagreements []string
			rejected := map[transform.Reason]int{}
			for i, m := range g.msgs {
				src := transform.Source{Topic: string(m.Topic), Offset: int64(i)}
				var rej *transform.Reject
				var stored string
				if m.Topic == Records {
					var ev transform.ServiceEvent
					ev, rej = tr.DecodeRecord(src, m.Value)
					stored = fmt.Sprintf("%+v", ev)
				} else {
					var ev transform.FeedbackEvent
					ev, rej = tr.DecodeFeedback(src, m.Value)
					stored = fmt.Sprintf("%+v", ev)
				}
				if rej != nil {
					stored = rej.Detail + " " + rej.Payload
					rejected[rej.Reason]++
				}
				switch {
				case m.Malformed == "" && rej != nil:
					disagreements = append(disagreements, fmt.Sprintf("valid message rejected as %s (%s):\n  %.600s", rej.Reason, rej.Detail, m.Value))
				case m.Malformed != "" && rej == nil:
					disagreements = append(disagreements, fmt.Sprintf("%s message accepted:\n  %.600q", m.Malformed, m.Value))
				case m.Malformed != "" && rej.Reason != m.Malformed:
					disagreements = append(disagreements, fmt.Sprintf("%s message rejected as %s (%s):\n  %.600q", m.Malformed, rej.Reason, rej.Detail, m.Value))
				}
				// Nothing the decoder keeps, a fact row or a reject's redacted
				// payload, holds personal data in clear. All of it is Chinese
				// text, a mobile number or an e-mail address here.
				if leak := personal.FindString(stored); leak != "" {
					t.Fatalf("decoded message %d keeps personal data %q: %s", i, leak, stored)
				}
			}
			for i, d := range disagreements {
				if i == 20 {
					t.Errorf("… and %d more", len(disagreements)-20)
					break
				}
				t.Error(d)
			}
			for _, r := range transform.Reasons {
				if rejected[r] != g.sum.MalformedByReason[string(r)] {
					t.Errorf("decoder rejected %d messages as %s, generator made %d", rejected[r], r, g.sum.MalformedByReason[string(r)])
				}
			}
		})
	}
}
