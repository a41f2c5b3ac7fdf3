package ingest

import (
	"context"
	"log/slog"
	"testing"

	"github.com/segmentio/kafka-go"

	"servicepulse/internal/testenv"
)

// TestIntegrationCommitNeverMovesBack: after a rebalance a worker may still
// hold a batch of a partition that another member has read and committed
// past. Its commit must leave that partition alone, and still commit the
// partitions where it is ahead. The group's offsets are set on the real
// broker as the other member would have left them.
func TestIntegrationCommitNeverMovesBack(t *testing.T) {
	brokers := testenv.Brokers(t)
	ctx := context.Background()
	topic, group := testenv.Unique("guard"), testenv.Unique("group")
	if err := EnsureTopics(ctx, brokers, 2, topic); err != nil {
		t.Fatal(err)
	}
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}}
	// The other member committed 100 on partition 0 and 10 on partition 1.
	res, err := client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{
		topic: {{Partition: 0, Offset: 100}, {Partition: 1, Offset: 10}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range res.Topics {
		for _, p := range ps {
			if p.Error != nil {
				t.Fatalf("set up the group's offsets: partition %d: %v", p.Partition, p.Error)
			}
		}
	}
	lag := NewLagReader(brokers, group, 0, topic)
	defer lag.Close()
	w := &worker{offsets: lag, log: slog.New(slog.DiscardHandler)}
	// Our stale batch ends at offset 49 of partition 0 (commit 50 < 100),
	// and at 29 of partition 1 (commit 30 > 10).
	keep, err := w.notBehind(ctx, []kafka.Message{
		{Topic: topic, Partition: 0, Offset: 49},
		{Topic: topic, Partition: 1, Offset: 29},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keep) != 1 || keep[0].Partition != 1 || keep[0].Offset != 29 {
		t.Fatalf("kept %+v, want only partition 1's message: partition 0 is committed past it", keep)
	}
	// A partition the group never committed on is committed.
	fresh := testenv.Unique("group")
	w.offsets = NewLagReader(brokers, fresh, 0, topic)
	keep, err = w.notBehind(ctx, []kafka.Message{{Topic: topic, Partition: 0, Offset: 5}})
	if err != nil || len(keep) != 1 {
		t.Fatalf("a group without offsets: kept %+v (%v), want the message", keep, err)
	}
}
