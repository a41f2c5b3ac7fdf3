package sla

import (
	"context"
	"slices"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/calendar"
	"servicepulse/transform"
)

// This file exports, for explaining one request (package sla/timeline), the
// steps Build and BuildStates take, so that an explanation reads the same
// inputs and gets the same numbers as the refresher without a second copy
// of the SLA rules.

// LoadInputs reads the events and feedback of the requests ids from the
// fact tables, as the refresher does: events may hold redelivered copies
// (Build and Ordered drop them), feedback is one row per event id.
func LoadInputs(ctx context.Context, conn driver.Conn, ids []string) (map[string]*Input, error) {
	return loadInputs(ctx, conn, ids)
}

// States computes the states of ids as BuildStates does (terms, policies,
// repeat flags among the requests built together) but writes nothing. As
// with BuildStates, ids must hold every request on the product serials of
// each of them for the repeat flags to be right.
func States(ctx context.Context, b StateBuild, ids []string) ([]Request, Result, error) {
	var res Result
	if len(ids) == 0 {
		return nil, res, nil
	}
	b = b.withDefaults()
	states := make([]Request, 0, len(ids))
	for chunk := range slices.Chunk(ids, b.LoadChunk) {
		inputs, err := b.Load(ctx, chunk)
		if err != nil {
			return nil, res, err
		}
		if states, err = b.build(states, inputs, chunk, &res); err != nil {
			return nil, res, err
		}
	}
	MarkRepeats(states)
	res.Requests = len(states)
	return states, res, nil
}

// Ordered returns the events as Build reads them: one copy of each event id,
// by occurred_at, ties by event id.
func Ordered(events []transform.ServiceEvent) []transform.ServiceEvent {
	return order(slices.Clone(events))
}

// Pause is one stop of a request's SLA clock: a clock_paused whose reason
// the contract accepts, up to the next clock_resumed. To is zero while the
// clock is still paused.
type Pause struct {
	calendar.Interval
	Reason string
}

// Pauses returns the pauses Build subtracts from a request's business time,
// from its Ordered events under policy: none without a policy. A second
// clock_paused while paused does not restart the pause, and a clock_resumed
// while running does nothing, as in Build; the last pause is open (To zero)
// exactly when Build sets PausedSince.
func Pauses(ordered []transform.ServiceEvent, policy *Policy) []Pause {
	if policy == nil {
		return nil
	}
	var out []Pause
	paused := false
	for _, e := range ordered {
		switch {
		case e.EventType == transform.ClockPaused && !paused && policy.Terms.Pauses(e.PauseReason):
			out = append(out, Pause{Interval: calendar.Interval{From: e.OccurredAt.UTC()}, Reason: e.PauseReason})
			paused = true
		case e.EventType == transform.ClockResumed && paused:
			out[len(out)-1].To = e.OccurredAt.UTC()
			paused = false
		}
	}
	return out
}

// RepairClock is the clock of the on-site and resolve promises, which count
// in the contract's repair-service window (clause 3.3.2); Clock, the
// support clock, when the contract gives none. The reply counts on Clock.
func (p *Policy) RepairClock() *calendar.Clock { return repairClock(p) }
