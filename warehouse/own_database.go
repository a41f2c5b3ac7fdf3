package warehouse

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// OwnDatabase is a database that one command (bench, bench kpi, demo)
// creates for itself on a server, marked as its own (ClaimDatabase), and may
// therefore reset (ResetDatabase).
type OwnDatabase struct {
	Command string // "bench", "bench kpi", "bench refresh" or "demo": the marker's command
	Name    string // the database
	Server  string // DSN of the server, without a database
	DSN     string // DSN of the server with Name as its database
	// Cluster, when set, makes the database on every node of that cluster
	// (Config.Cluster); its marker is on the node the DSN reaches first.
	Cluster string
	// Access is how to log in (the password file, TLS files).
	Access Access
}

// NewOwnDatabase takes only the server from dsn: a database that dsn names
// is ignored, and logged. It checks name (ValidateDatabaseName).
func NewOwnDatabase(dsn, name, command string, log *slog.Logger) (OwnDatabase, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return OwnDatabase{}, fmt.Errorf("server DSN %q: want clickhouse://host:port", redact(dsn))
	}
	if err := ValidateDatabaseName(name); err != nil {
		return OwnDatabase{}, err
	}
	if db := strings.Trim(u.Path, "/"); db != "" && db != name {
		log.Info(command+" works in a database of its own; the database named in the DSN is ignored",
			"ignored", db, "database", name)
	}
	u.Path = ""
	o := OwnDatabase{Command: command, Name: name, Server: u.String()}
	u.Path = "/" + name
	o.DSN = u.String()
	return o, nil
}

// Prepare claims the database (reset false: create it if missing, accept it
// if it carries the command's marker) or resets it (drop and create again,
// only if it carries the command's marker); either refuses, with
// ErrNotOwned, a database the command did not create.
func (o OwnDatabase) Prepare(ctx context.Context, reset bool, log *slog.Logger) error {
	conn, err := Open(ctx, o.Config(o.Server), log)
	if err != nil {
		return err
	}
	defer conn.Close()
	if reset {
		return resetDatabase(ctx, conn, o.Name, o.Command, o.Cluster)
	}
	return claimDatabase(ctx, conn, o.Name, o.Command, o.Cluster)
}

// Config is the configuration to open dsn (o.Server or o.DSN) with.
func (o OwnDatabase) Config(dsn string) Config {
	c := ConfigFor(dsn)
	c.Cluster, c.Access = o.Cluster, o.Access
	return c
}
