package timeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/contracts"
	"servicepulse/internal/fields"
	"servicepulse/sla"
)

// ErrNotFound is returned for a request with no request_created event.
var ErrNotFound = errors.New("no such request")

// Config asks for one request's timeline.
type Config struct {
	// RequestID is the request. Required.
	RequestID string
	// AsOf is the instant open promises are judged at, as `kpi --as-of`
	// judges them: every event known now counts, and a deadline after AsOf
	// is open. Required.
	AsOf time.Time
}

// Validate rejects a missing request id or as-of instant.
func (c Config) Validate() error {
	if c.RequestID == "" {
		return fields.Errorf("RequestID", nil, "is required")
	}
	if c.AsOf.IsZero() {
		return fields.Errorf("AsOf", nil, "is required")
	}
	return nil
}

// Read builds the timeline of c.RequestID from the fact tables and the
// contract terms in ClickHouse, with the refresher's own build
// (sla.States, which writes nothing), together with the requests on its
// product serial for the repeat flags.
func Read(ctx context.Context, conn driver.Conn, c Config) (Timeline, error) {
	if err := c.Validate(); err != nil {
		return Timeline{}, err
	}
	id := c.RequestID
	inputs, err := sla.LoadInputs(ctx, conn, []string{id})
	if err != nil {
		return Timeline{}, fmt.Errorf("request %s: %w", id, err)
	}
	in := inputs[id]
	if in == nil {
		in = &sla.Input{}
	}
	created, ok := sla.Opening(in.Events)
	if !ok {
		return Timeline{}, fmt.Errorf("request %s: %w: no request_created event (%d other events)", id, ErrNotFound, len(in.Events))
	}
	terms, err := contracts.Read(ctx, conn)
	if err != nil {
		return Timeline{}, fmt.Errorf("request %s: read contract terms: %w", id, err)
	}
	ids, err := onSerial(ctx, conn, id)
	if err != nil {
		return Timeline{}, fmt.Errorf("request %s: %w", id, err)
	}
	var policies sla.Policies
	states, _, err := sla.States(ctx, sla.StateBuild{Conn: conn, Terms: terms, Policies: &policies, AsOf: c.AsOf}, ids)
	if err != nil {
		return Timeline{}, fmt.Errorf("request %s: build states: %w", id, err)
	}
	var state *sla.Request
	for i := range states {
		if states[i].RequestID == id {
			state = &states[i]
		}
	}
	if state == nil {
		return Timeline{}, fmt.Errorf("request %s: %w: no state built", id, ErrNotFound)
	}
	policy, err := policies.For(terms, created.ContractID, created.OccurredAt)
	if err != nil {
		return Timeline{}, fmt.Errorf("request %s: %w", id, err)
	}
	return Explain(*in, *state, states, policy, c.AsOf)
}

// onSerial lists id and every request opened on its serials, as the
// refresher finds them (sla.OnSerials), id first.
func onSerial(ctx context.Context, conn driver.Conn, id string) ([]string, error) {
	all, err := sla.OnSerials(ctx, conn, []string{id})
	if err != nil {
		return nil, err
	}
	ids := []string{id}
	for _, s := range all {
		if s != id {
			ids = append(ids, s)
		}
	}
	return ids, nil
}
