package warehouse

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"servicepulse/internal/fields"
	"servicepulse/internal/secrets"
)

// Config says how to reach ClickHouse.
type Config struct {
	// DSN is clickhouse://[user[:password]@]host:port[/database], native
	// protocol. Open creates the database if it does not exist; without one
	// the server's default database is used. Query parameters of
	// clickhouse-go's ParseDSN are accepted.
	// Default: clickhouse://127.0.0.1:9000/servicepulse
	DSN string
	// MaxOpenConns caps the connections of the pool: one per table being
	// inserted into at once, plus some for queries. Default: 10
	MaxOpenConns int
	// DialTimeout bounds connecting to the server. Default: 5s
	DialTimeout time.Duration
	// Access holds the password file and the TLS files (the user and
	// secure=true are the DSN's).
	Access
	// Cluster is the name of a cluster in the servers' remote_servers, for a
	// replicated, sharded ClickHouse (docs/cluster.md). Empty: one node. On
	// a cluster, Open creates the database on every node, and inserts into
	// the Distributed tables wait until the rows are on their shard.
	Cluster string
}

// DefaultConfig returns the configuration of the local demo server.
func DefaultConfig() Config {
	return Config{
		DSN:          "clickhouse://127.0.0.1:9000/servicepulse",
		MaxOpenConns: 10,
		DialTimeout:  5 * time.Second,
	}
}

var (
	identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// redact masks the password of a DSN, which errors and logs show.
func redact(dsn string) string { return secrets.Mask(dsn) }

// Validate rejects a configuration Open cannot use, quoting the bad value
// (with any password masked) and saying what to write instead.
func (c Config) Validate() error {
	const example = "clickhouse://127.0.0.1:9000/servicepulse"
	if c.DSN == "" {
		return fmt.Errorf("clickhouse DSN is empty; set it like %q", example)
	}
	shown := redact(c.DSN)
	u, err := url.Parse(c.DSN)
	if err != nil {
		// Not err itself: it quotes the DSN with its password.
		return fmt.Errorf("clickhouse DSN %q is not a URL; write it like %q", shown, example)
	}
	if u.Scheme != "clickhouse" {
		return fmt.Errorf("clickhouse DSN %q: scheme must be clickhouse:// (native protocol), as in %q", shown, example)
	}
	// Several servers (the nodes of a cluster) are comma-separated: Open
	// connects to the first that answers.
	for _, hp := range strings.Split(u.Host, ",") {
		host, port, err := net.SplitHostPort(hp)
		if p, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || p < 1 || p > 65535 {
			return fmt.Errorf("clickhouse DSN %q: want host:port (the native port, usually 9000), or several separated by commas, as in %q", shown, example)
		}
	}
	if db := u.Path; db != "" && db != "/" && !identifier.MatchString(db[1:]) {
		return fmt.Errorf("clickhouse DSN %q: database %q must be one name of letters, digits and underscores", shown, db[1:])
	}
	if c.MaxOpenConns < 1 {
		return fmt.Errorf("clickhouse max open connections is %d; want at least 1", c.MaxOpenConns)
	}
	if err := c.Access.validate(secureDSN(u)); err != nil {
		return err
	}
	if c.Cluster != "" && !identifier.MatchString(c.Cluster) {
		return fields.Errorf("Cluster", strconv.Quote(c.Cluster), "must be one name of letters, digits and underscores, as in remote_servers")
	}
	if c.DialTimeout <= 0 {
		return fmt.Errorf("clickhouse dial timeout is %s; want a positive duration such as 5s", c.DialTimeout)
	}
	return nil
}

// ConfigFor returns the default configuration with dsn.
func ConfigFor(dsn string) Config {
	c := DefaultConfig()
	c.DSN = dsn
	return c
}

// secureDSN reports whether clickhouse-go connects with TLS to u: secure
// present, empty or true (strconv.ParseBool's truths).
func secureDSN(u *url.URL) bool {
	q := u.Query()
	if !q.Has("secure") {
		return false
	}
	v := q.Get("secure")
	b, err := strconv.ParseBool(v)
	return v == "" || err == nil && b
}
