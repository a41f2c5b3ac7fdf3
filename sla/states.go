package sla

import (
	"context"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/contracts"
)

// InputLoader reads the events and feedback of the requests ids, grouped by
// request id. A request with neither may be absent from the map, and the map
// may hold requests beyond ids: only those of ids are built. Calls come one
// at a time; with StateBuild.Prefetch, from a goroutine of their own, the
// next chunk loading while the builder builds the current one. The builder
// owns what a call returns until the next call (with Prefetch, the call
// after next): it reorders the events in place, and the default loader
// reuses its buffers (with Prefetch, two sets in turn).
type InputLoader func(ctx context.Context, ids []string) (map[string]*Input, error)

// StateBuild says where BuildStates reads inputs and contract terms, and
// where it writes the states.
type StateBuild struct {
	// Conn receives the states (request_state) and, unless Load is set,
	// gives the inputs (the fact tables). Required.
	Conn driver.Conn
	// Terms are the contract versions; a request whose contract has no
	// terms for its opening time gets no deadlines. Nil: no terms at all.
	Terms *contracts.File
	// Policies caches the business clocks of the terms across calls.
	// Default: a cache for this call only.
	Policies *Policies
	// AsOf is the clock of the build: computed_at, and what an open
	// request's deadlines are compared with. Required.
	AsOf time.Time
	// Load reads inputs, LoadChunk request ids at a time. Default: the
	// events and feedback stored in Conn.
	Load InputLoader
	// LoadChunk is how many request ids one Load call names. Default: 2000.
	LoadChunk int
	// WriteChunk is how many states one insert carries. Default: 50000.
	WriteChunk int
	// Prefetch loads the next chunk while the current one builds (one more
	// goroutine, two chunks of inputs alive): ClickHouse reads while Go
	// builds. Faster alone, slower beside other work on few cores: see
	// Refresher.SetParallel.
	Prefetch bool
}

// BuildStates is the one path from request ids to request_state rows: it
// loads the inputs of ids, finds the terms in force when each request was
// opened, builds the states, marks repeat repairs, and writes them. ids must
// hold every request on the product serials of each of them, since repeats
// are judged among the requests built together. It returns the states
// written; Result counts them, and the requests it could not build.
//
// Rows are appended: a state replaces an earlier one of its request in the
// same opened_date month when ClickHouse collapses them (ReplacingMergeTree),
// but a row in another month stays, which the Refresher removes.
func BuildStates(ctx context.Context, b StateBuild, ids []string) ([]Request, Result, error) {
	states, res, err := States(ctx, b, ids)
	if err != nil {
		return nil, res, err
	}
	if err := b.write(ctx, states); err != nil {
		return nil, res, err
	}
	return states, res, nil
}

// write inserts states into Conn, WriteChunk per insert.
func (b StateBuild) write(ctx context.Context, states []Request) error {
	b = b.withDefaults()
	for chunk := range slices.Chunk(states, b.WriteChunk) {
		if err := WriteStates(ctx, b.Conn, chunk); err != nil {
			return err
		}
	}
	return nil
}

func (b StateBuild) withDefaults() StateBuild {
	if b.Policies == nil {
		b.Policies = &Policies{}
	}
	if b.Load == nil {
		// Two sets of buffers, used in turn when States loads the next
		// chunk while it builds the current one.
		conn, bufs, turn, prefetch := b.Conn, [2]inputBuffers{}, 0, b.Prefetch
		b.Load = func(ctx context.Context, ids []string) (map[string]*Input, error) {
			buf := &bufs[turn]
			if prefetch {
				turn = 1 - turn
			}
			return buf.load(ctx, conn, ids, stateInputs)
		}
	}
	if b.LoadChunk < 1 {
		b.LoadChunk = 2000
	}
	if b.WriteChunk < 1 {
		b.WriteChunk = 50000
	}
	return b
}

// build appends to states the state of each request of ids that has an
// opening event, counting in res those without one and those without terms.
func (b StateBuild) build(states []Request, inputs map[string]*Input, ids []string, res *Result) ([]Request, error) {
	for _, id := range ids {
		in := inputs[id]
		if in == nil {
			continue
		}
		created, ok := Opening(in.Events)
		if !ok {
			res.Orphans++
			continue
		}
		policy, err := b.Policies.For(b.Terms, created.ContractID, created.OccurredAt)
		if err != nil {
			return states, err // it names the contract
		}
		if policy == nil {
			res.Unmatched++
		}
		states = append(states, fromOrdered(created, order(in.Events), in.Feedback, policy, b.AsOf))
	}
	return states, nil
}
