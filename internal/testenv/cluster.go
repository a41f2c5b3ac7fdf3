package testenv

import (
	"os"
	"testing"
)

// Cluster returns the ClickHouse cluster under test, from the environment:
//
//	SERVICEPULSE_CLICKHOUSE_CLUSTER_DSN  clickhouse://127.0.0.1:P1,127.0.0.1:P2,…  (several of its nodes)
//	SERVICEPULSE_CLICKHOUSE_CLUSTER      servicepulse                              (its name in remote_servers)
//
// scripts/servers.sh starts a 2 × 2 cluster with ZooKeeper and sets both
// (`servicepulse clickhouse start --shards 2 --replicas 2`). Like the other
// servers, a missing one skips the test, or fails it where integration is
// required.
func Cluster(t testing.TB) (dsn, name string) {
	t.Helper()
	dsn = os.Getenv("SERVICEPULSE_CLICKHOUSE_CLUSTER_DSN")
	if dsn == "" {
		missing(t, "SERVICEPULSE_CLICKHOUSE_CLUSTER_DSN=clickhouse://HOST:PORT,HOST:PORT (a ClickHouse cluster's nodes)")
	}
	name = os.Getenv("SERVICEPULSE_CLICKHOUSE_CLUSTER")
	if name == "" {
		missing(t, "SERVICEPULSE_CLICKHOUSE_CLUSTER=NAME (the cluster of SERVICEPULSE_CLICKHOUSE_CLUSTER_DSN)")
	}
	return dsn, name
}
