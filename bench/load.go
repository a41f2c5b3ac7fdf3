package bench

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"servicepulse/contracts"
	"servicepulse/daemon"
	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/sla"
	"servicepulse/transform"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// loadClock is the loader's now: the generator's clock, transform's and the
// states' as-of instant.
var loadClock = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)

// loadStates generates requests opened over 2026 and builds their states with
// the code of ingest and refresh (transform.Decode*, sla.BuildStates),
// without Kafka; with facts, it first writes each slice's events and
// feedback through the sink ingest uses (bench refresh). It generates in
// slices of about two weeks so memory holds one slice's events; request ids
// and serials get the slice's prefix, as the generator's ids restart with
// each run.
func loadStates(ctx context.Context, conn driver.Conn, requests int, facts bool, log *slog.Logger) error {
	// About 40,000 requests a slice keeps the loader under 1 GB (a request's
	// decoded events and feedback take about 20 KB).
	parts := max(1, min(365, requests/40_000))
	tr, err := transform.New(transform.Config{PIIKey: []byte(daemon.DevPIIKey), Now: func() time.Time { return loadClock }})
	if err != nil {
		return err
	}
	build := sla.StateBuild{Conn: conn, Terms: contracts.Sample(), Policies: &sla.Policies{}, AsOf: loadClock, WriteChunk: 100_000}
	sink := ingest.NewClickHouseSink(conn)
	written, rows := 0, 0
	year := time.Date(2026, 1, 1, 0, 0, 0, 0, shanghai())
	for k := range parts {
		n := requests / parts
		if k == parts-1 {
			n = requests - n*(parts-1)
		}
		gen := generator.Config{Seed: int64(k + 1), Tickets: n, From: year.AddDate(0, 0, k*365/parts),
			Days: (k+1)*365/parts - k*365/parts, Now: loadClock}
		inputs, order, err := generateSlice(tr, gen, fmt.Sprintf("S%03d-", k))
		if err != nil {
			return err
		}
		if facts {
			n, err := writeFacts(ctx, sink, inputs, order)
			if err != nil {
				return err
			}
			rows += n
		}
		// The slice's inputs are in memory already: one Load hands them all.
		build.Load = func(context.Context, []string) (map[string]*sla.Input, error) { return inputs, nil }
		build.LoadChunk = len(order)
		_, res, err := sla.BuildStates(ctx, build, order)
		if err != nil {
			return err
		}
		written += res.Requests
		if (k+1)%10 == 0 || k+1 == parts {
			log.Info("bench: request states loaded", "slice", k+1, "of", parts, "requests", written, "fact_rows", rows)
		}
	}
	return nil
}

// writeFacts writes the events and feedback of inputs, request by request
// in order, in batches of ingest's default size; it returns the rows
// written.
func writeFacts(ctx context.Context, sink *ingest.ClickHouseSink, inputs map[string]*sla.Input, order []string) (int, error) {
	rows := 0
	b := &ingest.Batch{}
	flush := func() error {
		rows += len(b.Events) + len(b.Feedback)
		err := sink.Write(ctx, b)
		b.Events, b.Feedback = b.Events[:0], b.Feedback[:0]
		return err
	}
	for _, id := range order {
		b.Events = append(b.Events, inputs[id].Events...)
		b.Feedback = append(b.Feedback, inputs[id].Feedback...)
		if len(b.Events)+len(b.Feedback) >= ingest.DefaultConfig().BatchRows {
			if err := flush(); err != nil {
				return rows, err
			}
		}
	}
	return rows, flush()
}

// generateSlice generates the traffic of gen and decodes it into each
// request's inputs, in the order requests first appear; request ids and
// serials get prefix. Malformed messages are dropped.
func generateSlice(tr *transform.Transformer, gen generator.Config, prefix string) (map[string]*sla.Input, []string, error) {
	inputs := map[string]*sla.Input{}
	var order []string
	get := func(id string) *sla.Input {
		in := inputs[id]
		if in == nil {
			in = &sla.Input{}
			inputs[id] = in
			order = append(order, id)
		}
		return in
	}
	var offset int64
	_, err := generator.Generate(gen, func(m generator.Message) error {
		src := transform.Source{Topic: "bench", Offset: offset}
		offset++
		if m.Topic == generator.Records {
			ev, rej := tr.DecodeRecord(src, m.Value)
			if rej != nil {
				return nil
			}
			ev.RequestID, ev.ProductSerial = prefix+ev.RequestID, prefix+ev.ProductSerial
			in := get(ev.RequestID)
			in.Events = append(in.Events, ev)
			return nil
		}
		fb, rej := tr.DecodeFeedback(src, m.Value)
		if rej != nil {
			return nil
		}
		fb.RequestID = prefix + fb.RequestID
		in := get(fb.RequestID)
		in.Feedback = append(in.Feedback, fb)
		return nil
	})
	return inputs, order, err
}

// shanghai is the generator's zone, in which the loaded year starts.
func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}
