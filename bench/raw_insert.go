package bench

import (
	"context"
	"time"

	"servicepulse/daemon"
	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/transform"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// rawInsert decodes every message (untimed) and then times inserting the
// rows with the sink ingest uses, batchRows at a time, with no Kafka at all.
func rawInsert(ctx context.Context, conn driver.Conn, msgs []generator.Message, batchRows int) (rows int, secs float64, err error) {
	batches, err := decodeBatches(msgs, batchRows)
	if err != nil {
		return 0, 0, err
	}
	sink := ingest.NewClickHouseSink(conn)
	start := time.Now()
	for _, b := range batches {
		if err := sink.Write(ctx, b); err != nil {
			return 0, 0, err
		}
		rows += len(b.Events) + len(b.Feedback) + len(b.Rejects)
	}
	return rows, time.Since(start).Seconds(), nil
}

// decodeBatches decodes msgs as ingest's workers do, into batches of
// batchRows messages.
func decodeBatches(msgs []generator.Message, batchRows int) ([]*ingest.Batch, error) {
	tr, err := transform.New(transform.Config{PIIKey: []byte(daemon.DevPIIKey)})
	if err != nil {
		return nil, err
	}
	var batches []*ingest.Batch
	cur := &ingest.Batch{}
	for i, m := range msgs {
		src := transform.Source{Topic: "bench", Partition: 0, Offset: int64(i)}
		cur.Consumed++
		if m.Topic == generator.Records {
			if ev, rej := tr.DecodeRecord(src, m.Value); rej == nil {
				cur.Events = append(cur.Events, ev)
			} else {
				cur.Rejects = append(cur.Rejects, *rej)
			}
		} else {
			if ev, rej := tr.DecodeFeedback(src, m.Value); rej == nil {
				cur.Feedback = append(cur.Feedback, ev)
			} else {
				cur.Rejects = append(cur.Rejects, *rej)
			}
		}
		if cur.Consumed == batchRows {
			batches = append(batches, cur)
			cur = &ingest.Batch{}
		}
	}
	return append(batches, cur), nil
}
