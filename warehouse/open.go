package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Open connects to the ClickHouse server of cfg and returns a connection
// pool whose default database is the DSN's.
//
// The database is created if it is missing, so that the demo, the tests and
// a first deployment need nothing but a running server. The cost is that a
// misspelt name creates an empty database instead of failing; Open logs when
// it creates one.
//
// On ClickHouse older than 19 the pool's queries carry
// allow_experimental_low_cardinality_type=1, without which 18.x rejects
// LowCardinality columns; newer servers reject the setting itself.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (driver.Conn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts, err := clickhouse.ParseDSN(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("parse clickhouse DSN: %w", err)
	}
	if err := cfg.Access.apply(opts, log); err != nil {
		return nil, err
	}
	opts.Protocol = clickhouse.Native
	opts.Compression = &clickhouse.Compression{Method: clickhouse.CompressionLZ4}
	opts.MaxOpenConns = cfg.MaxOpenConns
	opts.MaxIdleConns = cfg.MaxOpenConns
	opts.DialTimeout = cfg.DialTimeout
	// With several servers (a cluster's nodes) the driver dials them in
	// order and keeps the first that answers.
	opts.ConnOpenStrategy = clickhouse.ConnOpenInOrder
	addr, database := strings.Join(opts.Addr, ","), opts.Auth.Database

	// First connect without a database: it may not exist yet, and the
	// handshake tells which settings the real pool needs.
	first := *opts
	first.Auth.Database = ""
	first.Settings = nil
	// The handshake must not wait for the query timeout (5 min): a server
	// that waits for a TLS hello, or for a password check, answers within
	// the dial timeout or not at all.
	first.ReadTimeout = cfg.DialTimeout
	conn, err := connect(ctx, &first, addr)
	if err != nil {
		return nil, err
	}
	v, err := conn.ServerVersion()
	if err == nil && cfg.Cluster != "" {
		err = checkCluster(ctx, conn, cfg.Cluster)
	}
	if err == nil && database != "" {
		err = ensureDatabase(ctx, conn, database, cfg.Cluster, log)
	}
	conn.Close()
	if err != nil {
		return nil, fmt.Errorf("clickhouse at %s: %w", addr, err)
	}

	if v.Version.Major < 19 {
		opts.Settings["allow_experimental_low_cardinality_type"] = 1
	}
	if cfg.Cluster != "" {
		for k, val := range clusterSettings {
			opts.Settings[k] = val
		}
		if v.Version.Major >= 19 {
			opts.Settings["load_balancing"] = readYourWrites
		}
	}
	if conn, err = connect(ctx, opts, addr); err != nil {
		return nil, err
	}
	err = checkLayout(ctx, conn, cfg.Cluster)
	if err == nil && cfg.Cluster != "" && v.Version.Major < 19 {
		err = checkBalancing(ctx, conn, log)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse at %s, database %s: %w", addr, database, err)
	}
	log.Info("connected to clickhouse", "addr", addr, "version", v.Version.String(), "database", database, "cluster", cfg.Cluster)
	return conn, nil
}

func connect(ctx context.Context, opts *clickhouse.Options, addr string) (driver.Conn, error) {
	conn, err := clickhouse.Open(opts)
	if err == nil {
		err = conn.Ping(ctx)
	}
	if err == nil {
		return conn, nil
	}
	if conn != nil {
		conn.Close()
	}
	if e := explain(addr, opts.TLS != nil, err); e != nil {
		return nil, e
	}
	if ex := (*clickhouse.Exception)(nil); errors.As(err, &ex) {
		// The server answered: wrong user, password or database.
		return nil, fmt.Errorf("clickhouse at %s refused the connection: %w", addr, err)
	}
	return nil, fmt.Errorf("clickhouse at %s %w: %w", addr, ErrUnreachable, err)
}

// ErrUnreachable is the error of Open when no ClickHouse server answers at
// the DSN's address (as opposed to one that refused the connection).
var ErrUnreachable = errors.New("not reachable")

// ensureDatabase creates the database if it is missing: on a cluster, if
// it is missing on any shard (one replica of each, which is what cluster()
// reads), then on every node.
func ensureDatabase(ctx context.Context, conn driver.Conn, name, cluster string, log *slog.Logger) error {
	var n, want uint64 = 0, 1
	if cluster == "" {
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", name).Scan(&n); err != nil {
			return fmt.Errorf("look up database %s: %w", name, err)
		}
	} else {
		if err := conn.QueryRow(ctx, "SELECT uniqExact(shard_num) FROM system.clusters WHERE cluster = ?", cluster).Scan(&want); err != nil {
			return fmt.Errorf("shards of cluster %s: %w", cluster, err)
		}
		if err := conn.QueryRow(ctx, "SELECT count() FROM cluster(?, system.databases) WHERE name = ?", cluster, name).Scan(&n); err != nil {
			return fmt.Errorf("look up database %s on cluster %s: %w", name, cluster, err)
		}
	}
	if n >= want {
		return nil
	}
	log.Info("creating clickhouse database", "database", name, "cluster", cluster)
	// IF NOT EXISTS: another process may be creating it right now.
	stmt := "CREATE DATABASE IF NOT EXISTS `" + name + "`"
	if cluster != "" {
		stmt += " ON CLUSTER " + cluster
	}
	if err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}
