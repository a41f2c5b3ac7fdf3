package warehouse

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/sql"
)

// Dialer returns how the migrator reaches one node of cfg's cluster: cfg
// with the DSN's servers replaced by that node's address, so that the user,
// password file, TLS files, database and cluster settings stay those of the
// migrating connection. Its connections log nothing: the migration logs
// what it does with them.
func Dialer(cfg Config) sql.Dial {
	return func(ctx context.Context, addr string) (driver.Conn, error) {
		dsn, err := withServers(cfg.DSN, addr)
		if err != nil {
			return nil, err
		}
		node := cfg
		node.DSN, node.MaxOpenConns = dsn, 1
		return Open(ctx, node, slog.New(slog.DiscardHandler))
	}
}

// withServers returns dsn with the servers of its authority (host:port,
// comma-separated, after any user info) replaced by servers.
func withServers(dsn, servers string) (string, error) {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return "", fmt.Errorf("clickhouse DSN: no scheme (want clickhouse://host:port/...)")
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	user := ""
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		user = authority[:at+1]
	}
	return scheme + "://" + user + servers + tail, nil
}
