package sla_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"servicepulse/calendar"
	"servicepulse/sla"
	"servicepulse/transform"
)

// The warning instants of docs/warnings.md, computed by hand on the PRC
// calendar (see the top of build_test.go): termsW is termsT with warn_hours 3,
// so each promise warns at 50% and 75% of its budget and 3 hours before its
// deadline.
func TestBuildWarnings(t *testing.T) {
	termsW := termsT
	termsW.ContractID, termsW.WarnHours = "CT-W", 3
	none := sla.Warnings{}
	cases := []struct {
		name          string
		story         *story
		reply, onsite sla.Warnings
		parts         []sla.Warnings
	}{{
		// Wed 09-30 15:00, the eve of National Day (Thu 10-01 … Wed 10-07 off).
		// Reply (4 bh): 3 h Wed 15–18, 1 h Thu 10-08 → due Thu 10-08 10:00.
		//   50% = 2 bh → Wed 17:00; 75% = 3 bh → Wed 18:00 (the window's
		//   close, not the next opening); 3 h before = 1 bh → Wed 16:00.
		// On site (8 bh): 3 h Wed + 5 h Thu → due Thu 10-08 14:00.
		//   50% = 4 bh → Thu 10:00; 75% = 6 bh → Thu 12:00; 3 h before = 5 bh → Thu 11:00.
		// Part L1 requested Thu 10-08 11:00, 2 calendar days = 48 elapsed h
		// → due Sat 10-10 11:00. 50% = 24 h → Fri 10-09 11:00; 75% = 36 h →
		// Fri 23:00; 3 h before, elapsed → Sat 08:00 (hours of the parts
		// clock, which runs round the clock, holidays included).
		name:   "across National Day",
		story:  newStory("W1").add(transform.RequestCreated, "2026-09-30 15:00", nil).partReq("2026-10-08 11:00", "L1"),
		reply:  sla.Warnings{At50: at("2026-09-30 17:00"), At75: at("2026-09-30 18:00"), Hours: at("2026-09-30 16:00")},
		onsite: sla.Warnings{At50: at("2026-10-08 10:00"), At75: at("2026-10-08 12:00"), Hours: at("2026-10-08 11:00")},
		parts:  []sla.Warnings{{At50: at("2026-10-09 11:00"), At75: at("2026-10-09 23:00"), Hours: at("2026-10-10 08:00")}},
	}, {
		// Fri 10-09 16:00; Sat 10-10 is a make-up working day (调休).
		// Reply: 2 h Fri + 2 h Sat → Sat 11:00. 50% = 2 bh → Fri 18:00;
		//   75% = 3 bh → Sat 10:00; 3 h before = 1 bh → Fri 17:00.
		// On site: 2 h Fri + 6 h Sat → Sat 15:00. 50% → Sat 11:00; 75% → Sat
		//   13:00; 3 h before = 5 bh → Sat 12:00.
		name:   "make-up working day",
		story:  newStory("W2").add(transform.RequestCreated, "2026-10-09 16:00", nil),
		reply:  sla.Warnings{At50: at("2026-10-09 18:00"), At75: at("2026-10-10 10:00"), Hours: at("2026-10-09 17:00")},
		onsite: sla.Warnings{At50: at("2026-10-10 11:00"), At75: at("2026-10-10 13:00"), Hours: at("2026-10-10 12:00")},
	}, {
		// Mon 09-28 09:00, paused (waiting_customer) 10:00 → Tue 09-29 10:00:
		// the clock runs 1 h Mon, then from Tue 10:00. Reply due 1 h + 3 h →
		// Tue 13:00. 50% = 2 bh → Tue 11:00; 75% = 3 bh → Tue 12:00; 3 h
		// before = 1 bh → Mon 10:00, reached as the pause starts.
		name: "a closed pause",
		story: newStory("W3").add(transform.RequestCreated, "2026-09-28 09:00", nil).
			pause("2026-09-28 10:00", "waiting_customer").resume("2026-09-29 10:00"),
		reply: sla.Warnings{At50: at("2026-09-29 11:00"), At75: at("2026-09-29 12:00"), Hours: at("2026-09-28 10:00")},
		// On site: 1 h Mon + 7 h Tue from 10:00 → Tue 17:00 (18:00 − 1 h).
		//   50% = 4 bh → Tue 13:00; 75% = 6 bh → Tue 15:00; 3 h before = 5 bh → Tue 14:00.
		onsite: sla.Warnings{At50: at("2026-09-29 13:00"), At75: at("2026-09-29 15:00"), Hours: at("2026-09-29 14:00")},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.story.events {
				tc.story.events[i].ContractID = "CT-W"
			}
			r, ok := sla.Build(sla.Input{Events: tc.story.events}, policyOf(t, termsW), asOf)
			if !ok {
				t.Fatal("not built")
			}
			if r.ReplyWarn != tc.reply {
				t.Errorf("reply warnings %v, want %v", r.ReplyWarn, tc.reply)
			}
			if r.OnsiteWarn != tc.onsite {
				t.Errorf("on-site warnings %v, want %v", r.OnsiteWarn, tc.onsite)
			}
			// The runs sum to each budget: 4 and 8 business hours.
			if got := runsLeft(r.ReplyRuns, r.OpenedAt); got != 4*time.Hour {
				t.Errorf("reply runs %v sum to %v, want 4h", r.ReplyRuns, got)
			}
			if got := runsLeft(r.OnsiteRuns, r.OpenedAt); got != 8*time.Hour {
				t.Errorf("on-site runs %v sum to %v, want 8h", r.OnsiteRuns, got)
			}
			if len(r.PartWarn) != len(tc.parts) {
				t.Fatalf("part warnings %v, want %v", r.PartWarn, tc.parts)
			}
			for i := range tc.parts {
				if r.PartWarn[i] != tc.parts[i] {
					t.Errorf("part %d warnings %v, want %v", i+1, r.PartWarn[i], tc.parts[i])
				}
			}
		})
	}

	// W1's reply clock runs Wed 15–18 and Thu 10-08 09–10, National Day
	// between; at Mon 10-05 12:00 (a holiday) 1 business hour is left.
	w1 := cases[0].story
	r, _ := sla.Build(sla.Input{Events: w1.events}, policyOf(t, termsW), asOf)
	want := sla.Runs{From: []time.Time{at("2026-09-30 15:00"), at("2026-10-08 09:00")}, To: []time.Time{at("2026-09-30 18:00"), at("2026-10-08 10:00")}}
	if !slices.EqualFunc(r.ReplyRuns.From, want.From, time.Time.Equal) || !slices.EqualFunc(r.ReplyRuns.To, want.To, time.Time.Equal) {
		t.Errorf("W1 reply runs %v, want %v", r.ReplyRuns, want)
	}
	if got := runsLeft(r.ReplyRuns, at("2026-10-05 12:00")); got != time.Hour {
		t.Errorf("W1 reply left at Mon 10-05 12:00: %v, want 1h", got)
	}

	// warn_hours 0 turns the third warning off; no terms, no warnings.
	s := newStory("W4").add(transform.RequestCreated, "2026-10-09 16:00", nil).partReq("2026-10-09 17:00", "L1")
	off := termsT
	off.WarnHours = 0
	r, _ = sla.Build(sla.Input{Events: s.events}, policyOf(t, off), asOf)
	if r.ReplyWarn.Hours != (time.Time{}) || r.PartWarn[0].Hours != (time.Time{}) || r.ReplyWarn.At50.IsZero() {
		t.Errorf("warn_hours 0: reply %v, part %v; want 50%% and 75%% only", r.ReplyWarn, r.PartWarn)
	}
	r, _ = sla.Build(sla.Input{Events: s.events}, nil, asOf)
	if r.ReplyWarn != none || r.OnsiteWarn != none || len(r.PartWarn) != 0 {
		t.Errorf("without terms: reply %v, on site %v, parts %v; want none", r.ReplyWarn, r.OnsiteWarn, r.PartWarn)
	}
}

// runsLeft is what SQL computes from the stored runs (metrics'
// BusinessLeft): Σ max(0, To − max(From, now)).
func runsLeft(r sla.Runs, now time.Time) time.Duration {
	var left time.Duration
	for i := range r.From {
		from := r.From[i]
		if now.After(from) {
			from = now
		}
		if d := r.To[i].Sub(from); d > 0 {
			left += d
		}
	}
	return left
}

// The stored runs agree with the clock: from any instant, the time left
// they give equals the clock's Elapsed to the deadline, on the PRC calendar
// with pauses, over 2026 (holidays and make-up days included), and on a
// round-the-clock contract.
func TestBuildRunsAgreeWithTheClock(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 6))
	terms24 := termsT
	terms24.Calendar, terms24.Window = "24x7", "24h"
	for _, terms := range []struct {
		name string
		p    *sla.Policy
	}{{"prc", policyOf(t, termsT)}, {"24x7", policyOf(t, terms24)}} {
		for i := range 300 {
			opened := at("2026-01-01 00:00").Add(time.Duration(rng.IntN(360*24*60)) * time.Minute)
			s := newStory("P").add(transform.RequestCreated, opened.In(time.FixedZone("", 8*3600)).Format("2006-01-02 15:04"), nil)
			if i%2 == 0 {
				p := opened.Add(time.Duration(rng.IntN(48*60)) * time.Minute)
				q := p.Add(time.Duration(1+rng.IntN(72*60)) * time.Minute)
				s.pause(p.In(time.FixedZone("", 8*3600)).Format("2006-01-02 15:04"), "waiting_customer").
					resume(q.In(time.FixedZone("", 8*3600)).Format("2006-01-02 15:04"))
			}
			r, _ := sla.Build(sla.Input{Events: s.events}, terms.p, asOf)
			var pauses []calendar.Interval
			if i%2 == 0 {
				pauses = []calendar.Interval{{From: s.events[1].OccurredAt, To: s.events[2].OccurredAt}}
			}
			for _, m := range []struct {
				runs sla.Runs
				due  time.Time
			}{{r.ReplyRuns, r.ReplyDue}, {r.OnsiteRuns, r.OnsiteDue}} {
				now := r.OpenedAt.Add(time.Duration(rng.Int64N(int64(m.due.Sub(r.OpenedAt)) + 1)))
				if got, want := runsLeft(m.runs, now), terms.p.Clock.Elapsed(now, m.due, pauses...); got != want {
					t.Fatalf("%s: opened %s, pauses %v, due %s: left at %s from runs %v, clock %v (runs %v)",
						terms.name, r.OpenedAt, pauses, m.due, now, got, want, m.runs)
				}
			}
		}
	}
}
