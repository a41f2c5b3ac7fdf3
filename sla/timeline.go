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
	// Loaded in key order: a chunk of neighbouring ids reads a few granules
	// of each part of service_events (sorted by request_id), where one id
	// far from the others adds a granule of every part. A refresh's batch
	// is mostly one id range with a few far siblings (requests on the same
	// serials); unsorted, each chunk read the whole table (20.2M rows read
	// for the 743,108 events of 100,000 requests, against 3.0M sorted).
	ids = slices.Sorted(slices.Values(ids))
	states := make([]Request, 0, len(ids))
	chunks := slices.Collect(slices.Chunk(ids, b.LoadChunk))
	load := inLine
	if b.Prefetch {
		load = prefetch
	}
	for l := range load(ctx, b.Load, chunks) {
		if l.err != nil {
			return nil, res, l.err
		}
		var err error
		if states, err = b.build(states, l.inputs, l.ids, &res); err != nil {
			return nil, res, err
		}
	}
	MarkRepeats(states)
	res.Requests = len(states)
	return states, res, nil
}

// loaded is one chunk's inputs, or why they could not be read.
type loaded struct {
	ids    []string
	inputs map[string]*Input
	err    error
}

// inLine yields the inputs of each chunk in order, loading each when the
// caller asks for it; it stops at the first error, which it yields.
func inLine(ctx context.Context, load InputLoader, chunks [][]string) func(yield func(loaded) bool) {
	return func(yield func(loaded) bool) {
		for _, chunk := range chunks {
			in, err := load(ctx, chunk)
			if !yield(loaded{ids: chunk, inputs: in, err: err}) || err != nil {
				return
			}
		}
	}
}

// prefetch is inLine loading the next chunk while the caller builds the
// current one: ClickHouse reads while Go builds, where one after the other
// left each idle half the time (a refresh of 100,000 requests spent 2.6 s
// of CPU in Go and about as long waiting for its reads). One load runs ahead at most, so two chunks of
// inputs are alive at once (InputLoader's ownership rule). It stops at the
// first error, which it yields; a caller that stops early ends the load in
// flight with the context.
func prefetch(ctx context.Context, load InputLoader, chunks [][]string) func(yield func(loaded) bool) {
	return func(yield func(loaded) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		next := make(chan loaded)
		go func() {
			defer close(next)
			for _, chunk := range chunks {
				in, err := load(ctx, chunk)
				select {
				case next <- loaded{ids: chunk, inputs: in, err: err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		}()
		for l := range next {
			if !yield(l) || l.err != nil {
				cancel()
				for range next { // the loader has returned once next is closed
				}
				return
			}
		}
	}
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
