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
	conn, err := connect(ctx, &first, addr)
	if err != nil {
		return nil, err
	}
	v, err := conn.ServerVersion()
	if err == nil && database != "" {
		err = ensureDatabase(ctx, conn, database, log)
	}
	conn.Close()
	if err != nil {
		return nil, fmt.Errorf("clickhouse at %s: %w", addr, err)
	}

	if v.Version.Major < 19 {
		opts.Settings["allow_experimental_low_cardinality_type"] = 1
	}
	if conn, err = connect(ctx, opts, addr); err != nil {
		return nil, err
	}
	log.Info("connected to clickhouse", "addr", addr, "version", v.Version.String(), "database", database)
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
	if ex := (*clickhouse.Exception)(nil); errors.As(err, &ex) {
		// The server answered: wrong user, password or database.
		return nil, fmt.Errorf("clickhouse at %s refused the connection: %w", addr, err)
	}
	return nil, fmt.Errorf("clickhouse at %s %w: %w", addr, ErrUnreachable, err)
}

// ErrUnreachable is the error of Open when no ClickHouse server answers at
// the DSN's address (as opposed to one that refused the connection).
var ErrUnreachable = errors.New("not reachable")

func ensureDatabase(ctx context.Context, conn driver.Conn, name string, log *slog.Logger) error {
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", name).Scan(&n); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	log.Info("creating clickhouse database", "database", name)
	// IF NOT EXISTS: another process may be creating it right now.
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"`"); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}
