package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// clusterSettings go with every query of a cluster connection.
//
// insert_distributed_sync=1: an INSERT into a Distributed table returns once
// every row is on a replica of its shard, not when it is queued on the node
// that received it. Ingest commits an offset only after its INSERT
// returned, so a committed offset's rows are on their shard. A shard that is
// down fails the INSERT; ingest retries it and does not commit. A replica
// that is down is skipped: the shard's other replica takes the rows and the
// returning one fetches them.
var clusterSettings = map[string]any{"insert_distributed_sync": 1}

// readYourWrites is the load balancing that cluster connections need:
// reads and writes go to the first live replica of each shard, in
// remote_servers order, so a read right after a write sees it (replicas copy
// each other asynchronously; with the default, random, a refresh right after
// a commit read 499 of 1,000 rows just written). Servers from 19 on take
// it with each query. 18.x takes only numeric settings from this client, so
// there it must be the default profile's (docs/cluster.md), and Open warns
// when it is not.
const readYourWrites = "in_order"

// checkBalancing warns when an 18.x server's profile does not balance
// in_order.
func checkBalancing(ctx context.Context, conn driver.Conn, log *slog.Logger) error {
	var got string
	if err := conn.QueryRow(ctx, "SELECT value FROM system.settings WHERE name = 'load_balancing'").Scan(&got); err != nil {
		return fmt.Errorf("read load_balancing: %w", err)
	}
	if got != readYourWrites {
		log.Warn("cluster reads may miss rows written just before: set load_balancing to in_order in the default profile (users.xml) of every node, see docs/cluster.md",
			"load_balancing", got)
	}
	return nil
}

// checkCluster fails unless the server knows the cluster.
func checkCluster(ctx context.Context, conn driver.Conn, cluster string) error {
	rows, err := conn.Query(ctx, "SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster")
	if err != nil {
		return fmt.Errorf("list clusters: %w", err)
	}
	defer rows.Close()
	var known []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return fmt.Errorf("list clusters: %w", err)
		}
		if c == cluster {
			return nil
		}
		known = append(known, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list clusters: %w", err)
	}
	return fmt.Errorf("cluster %q %w (remote_servers has: %s)", cluster, ErrNoCluster, strings.Join(known, ", "))
}

var distributedCluster = regexp.MustCompile(`^Distributed\('?(\w+)'?,`)

// ClusterOf returns the cluster that table is distributed over, or "" when
// the table is a single node's (or does not exist).
func ClusterOf(ctx context.Context, conn driver.Conn, table string) (string, error) {
	rows, err := conn.Query(ctx, "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = ?", table)
	if err != nil {
		return "", fmt.Errorf("look up table %s: %w", table, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return "", rows.Err()
	}
	var engine string
	if err := rows.Scan(&engine); err != nil {
		return "", fmt.Errorf("look up table %s: %w", table, err)
	}
	if m := distributedCluster.FindStringSubmatch(engine); m != nil {
		return m[1], nil
	}
	return "", nil
}

// checkLayout fails when the schema already in the database was built for
// another layout than cfg.Cluster: a cluster schema written without the
// cluster settings would commit offsets before rows reach their shards,
// and a single-node schema has no shards to write to.
func checkLayout(ctx context.Context, conn driver.Conn, cluster string) error {
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'service_events'").Scan(&n); err != nil {
		return fmt.Errorf("look up the schema: %w", err)
	}
	if n == 0 {
		return nil // not migrated yet
	}
	got, err := ClusterOf(ctx, conn, "service_events")
	switch {
	case err != nil:
		return err
	case got == cluster:
		return nil
	case got == "":
		return fmt.Errorf("%w: the connection is for cluster %s, but this database holds a single-node schema (service_events is not Distributed); move the data into a cluster database (docs/cluster.md, \"Moving in\")", ErrLayout, cluster)
	case cluster == "":
		return fmt.Errorf("%w: the connection is for one server, but this database holds the schema of cluster %s (service_events is Distributed over it)", ErrLayout, got)
	}
	return fmt.Errorf("%w: the connection is for cluster %s, but this database's service_events is distributed over cluster %s", ErrLayout, cluster, got)
}

// ErrNoCluster is the error of Open when the server does not know
// Config.Cluster.
var ErrNoCluster = errors.New("is not a cluster of this server")

// ErrLayout is the error of Open when the database's schema was built for
// one server and Config.Cluster names a cluster, or the other way round.
var ErrLayout = errors.New("wrong cluster setting for this database")
