// Package ingest moves messages from Kafka into ClickHouse without losing or
// double-counting any of them.
//
// A Pipeline is one consumer-group member, however many workers it runs: a
// dispatcher fetches from the member and routes each partition, always to
// the same worker. A worker hands each message to the transform stage and
// groups the results into a Batch by size and by time. A batch then travels
// the ack path, strictly in this order:
//
//  1. Sink.Write stores its fact rows and rejects in ClickHouse (retried with
//     backoff while ClickHouse is down; fetching stops meanwhile, so memory
//     stays bounded by two batches);
//  2. DeadLetters.Write sends the rejected messages to the DLQ topic;
//  3. the Kafka offsets of the batch are committed.
//
// A crash anywhere before step 3 re-delivers the batch. That is safe because
// every write is idempotent: the fact tables are ReplacingMergeTree keyed by
// event_id and the rejects table by source offset, and readers count distinct
// rows (FINAL). The DLQ topic is at-least-once: a crash between steps 2 and 3
// sends the same dead letter twice; its headers carry the source offset, which
// identifies duplicates.
//
// Batch runs (Config.UntilIdle) end when the group is caught up on the
// broker's view (LagReader: committed offsets at the high-water marks), not
// when the member merely received nothing for a while, which is also what a
// member without partitions sees during a rebalance.
package ingest
