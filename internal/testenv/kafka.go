package testenv

import (
	"io"
	"log/slog"
	"testing"

	"servicepulse/broker"
)

// KafkaCluster starts a cluster of n in-process kfake brokers on free ports,
// with the embedded broker's session reaper, stopped when the test ends.
// Its addresses are b.Addrs(); b.RemoveNode, b.AddNode and b.Cluster()
// break and move it. kfake keeps one copy of the data: such tests exercise
// clients' routing, retries and rebalances, not replication. Unlike Brokers,
// it ignores SERVICEPULSE_BROKERS: a test that removes brokers needs its own.
func KafkaCluster(t testing.TB, n int) *broker.Broker {
	t.Helper()
	b, err := broker.Start(broker.Config{
		Addr: "127.0.0.1:0", Brokers: n,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start %d-broker kafka cluster: %v", n, err)
	}
	t.Cleanup(b.Close)
	return b
}
