package testenv

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"servicepulse/devenv"
)

// Cluster returns the ClickHouse cluster under test, from the environment:
//
//	SERVICEPULSE_TEST_CLUSTER_DSN  clickhouse://127.0.0.1:P1,127.0.0.1:P2,…  (several of its nodes)
//	SERVICEPULSE_TEST_CLUSTER      servicepulse                              (its name in remote_servers)
//
// scripts/servers.sh starts a 2 × 2 cluster with ZooKeeper and sets both
// (`servicepulse clickhouse start --shards 2 --replicas 2`). Like the other
// servers, a missing one skips the test, or fails it where integration is
// required.
func Cluster(t testing.TB) (dsn, name string) {
	t.Helper()
	dsn = os.Getenv("SERVICEPULSE_TEST_CLUSTER_DSN")
	if dsn == "" {
		missing(t, "SERVICEPULSE_TEST_CLUSTER_DSN=clickhouse://HOST:PORT,HOST:PORT (a ClickHouse cluster's nodes)")
	}
	name = os.Getenv("SERVICEPULSE_TEST_CLUSTER")
	if name == "" {
		missing(t, "SERVICEPULSE_TEST_CLUSTER=NAME (the cluster of SERVICEPULSE_TEST_CLUSTER_DSN)")
	}
	return dsn, name
}

// FreshClusterDatabase creates an empty database with a unique name on
// every node of the cluster under test (CREATE DATABASE … ON CLUSTER) and
// returns a DSN naming every node with that database, and the cluster's
// name. The database is dropped on every node when the test ends (its
// Replicated tables leave ZooKeeper with it) unless
// SERVICEPULSE_KEEP_TEST_DB=1.
func FreshClusterDatabase(t testing.TB) (dsn, database, cluster string) {
	t.Helper()
	base, cluster := Cluster(t)
	dsn = freshClusterDatabase(t, base, cluster)
	u, _ := url.Parse(dsn)
	return dsn, strings.Trim(u.Path, "/"), cluster
}

// ClusterDatabase is FreshClusterDatabase on the cluster of base and
// cluster (a private one, for instance); it returns the DSN.
func ClusterDatabase(t testing.TB, base, cluster string) (dsn string) {
	t.Helper()
	return freshClusterDatabase(t, base, cluster)
}

func freshClusterDatabase(t testing.TB, base, cluster string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse cluster DSN %q: %v", base, err)
	}
	database := "sp_test_" + strings.ToLower(randomHex(6))
	conn := adminConn(t, u)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := conn.Exec(ctx, "CREATE DATABASE "+database+" ON CLUSTER "+cluster); err != nil {
		t.Fatalf("create database %s on cluster %s: %v", database, cluster, err)
	}
	t.Cleanup(func() {
		defer conn.Close()
		if os.Getenv("SERVICEPULSE_KEEP_TEST_DB") == "1" {
			t.Logf("keeping database %s", database)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+database+" ON CLUSTER "+cluster); err != nil {
			t.Logf("drop database %s on cluster %s: %v", database, cluster, err)
		}
	})
	u.Path = "/" + database
	return u.String()
}

// SyncReplicas waits until every replica of every Replicated table in the
// database of dsn holds what its shard holds (SYSTEM SYNC REPLICA on each
// node that dsn names), so that counts read next do not depend on which
// replica answers.
func SyncReplicas(t testing.TB, dsn string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse cluster DSN %q: %v", dsn, err)
	}
	database := strings.Trim(u.Path, "/")
	for _, host := range strings.Split(u.Host, ",") {
		node := *u
		node.Host = host
		conn := adminConn(t, &node)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		rows, err := conn.Query(ctx, "SELECT name FROM system.tables WHERE database = ? AND engine LIKE 'Replicated%'", database)
		if err != nil {
			t.Fatalf("%s: list replicated tables: %v", host, err)
		}
		var tables []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, name)
		}
		rows.Close()
		for _, table := range tables {
			if err := conn.Exec(ctx, "SYSTEM SYNC REPLICA "+database+"."+table); err != nil {
				t.Fatalf("%s: sync replica %s.%s: %v", host, database, table, err)
			}
		}
		cancel()
		conn.Close()
	}
}

// PrivateCluster starts a ClickHouse cluster of this test's own (ZooKeeper
// and shards × replicas servers on free ports in a temporary directory),
// whose nodes the test may stop and start (Cluster.Node). It is stopped
// when the test ends.
func PrivateCluster(t testing.TB, shards, replicas int) *devenv.Cluster {
	t.Helper()
	return PrivateClusterWith(t, shards, replicas, "")
}

// PrivateClusterWith is PrivateCluster whose default user has the password
// of passwordFile ("" for none); the nodes use it between themselves.
func PrivateClusterWith(t testing.TB, shards, replicas int, passwordFile string) *devenv.Cluster {
	t.Helper()
	Cluster(t) // same policy: an integration test needs the cluster's software
	cfg := devenv.DefaultClusterConfig()
	cfg.Dir, cfg.Shards, cfg.Replicas, cfg.Install = t.TempDir(), shards, replicas, false
	cfg.PasswordFile = passwordFile
	c, err := devenv.StartCluster(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start private cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Logf("stop private cluster: %v", err)
		}
	})
	return c
}
