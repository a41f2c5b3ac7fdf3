package warehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Ownership markers: no command destroys what it did not create.
//
// A database that a servicepulse command creates for itself (the scratch
// databases of `bench` and `bench kpi`, the database of `demo`) holds one
// small table, MarkerTable, with one row saying which command made it, when,
// on which host and from which process:
//
//	CREATE TABLE `db`.servicepulse_owner (command String, created_at DateTime, host String, pid UInt32) ENGINE = TinyLog
//
// ClaimDatabase and ResetDatabase create such databases and are the only way
// those commands drop one: they drop a database only while it carries the
// marker of the command asking, and refuse, with ErrNotOwned, a database
// that exists without a marker or with another command's. A database made by
// hand, by a migration run (Open creates a missing database but does not mark
// it) or by another tool is therefore never dropped by servicepulse.
//
// The check and the DROP are two statements: ClickHouse has no transaction
// that could hold them together. ResetDatabase checks the marker immediately
// before dropping, so the window is one round trip; two runs of the same
// command on the same database at once may still reset each other's data,
// which is theirs to share.

// MarkerTable is the table that marks a database as created by a servicepulse
// command.
const MarkerTable = "servicepulse_owner"

// ErrNotOwned is the error (matched with errors.Is) of ClaimDatabase and
// ResetDatabase for a database that exists but does not carry the marker of
// the command asking: it has been left untouched.
var ErrNotOwned = errors.New("database not created by this servicepulse command")

// notOwned is the one-sentence refusal; it matches ErrNotOwned.
type notOwned struct {
	database, command, reason string
}

func (e *notOwned) Error() string {
	return fmt.Sprintf("database %q exists and was not created by servicepulse %s (%s): it is left untouched",
		e.database, e.command, e.reason)
}

func (e *notOwned) Is(target error) bool { return target == ErrNotOwned }

// ValidateDatabaseName rejects a name that is not one ClickHouse identifier
// of letters, digits and underscores (not starting with a digit), quoting it.
// Names that pass need no escaping inside backticks.
func ValidateDatabaseName(name string) error {
	if !identifier.MatchString(name) {
		return fmt.Errorf("database name %q: want one name of letters, digits and underscores, not starting with a digit", name)
	}
	return nil
}

// ClaimDatabase makes sure database is command's own: it creates the database
// with command's marker if it does not exist, and returns nil if it exists
// and carries command's marker. It leaves an existing database without the
// marker, or with another command's, untouched and returns an error matching
// ErrNotOwned. conn may have any default database; command is the command's
// name without "servicepulse", such as "bench kpi".
func ClaimDatabase(ctx context.Context, conn driver.Conn, database, command string) error {
	return claimDatabase(ctx, conn, database, command, "")
}

func claimDatabase(ctx context.Context, conn driver.Conn, database, command, cluster string) error {
	if err := checkClaim(database, command); err != nil {
		return err
	}
	exists, reason, err := ownership(ctx, conn, database, command)
	switch {
	case err != nil:
		return err
	case !exists:
		return createOwned(ctx, conn, database, command, cluster)
	case reason != "":
		return &notOwned{database, command, reason}
	}
	return nil
}

// ResetDatabase drops database and creates it again, empty but for a new
// marker of command, if it carries command's marker; it creates it if it
// does not exist. It leaves an existing database without the marker, or with
// another command's, untouched and returns an error matching ErrNotOwned. The
// marker is read immediately before the DROP.
func ResetDatabase(ctx context.Context, conn driver.Conn, database, command string) error {
	return resetDatabase(ctx, conn, database, command, "")
}

// resetDatabase is ResetDatabase; on a cluster it drops and creates the
// database on every node (ON CLUSTER), and the marker, which is read on the
// connected node, is written there.
func resetDatabase(ctx context.Context, conn driver.Conn, database, command, cluster string) error {
	if err := checkClaim(database, command); err != nil {
		return err
	}
	exists, reason, err := ownership(ctx, conn, database, command)
	if err != nil {
		return err
	}
	if exists {
		if reason != "" {
			return &notOwned{database, command, reason}
		}
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+database+"`"+onCluster(cluster)); err != nil {
			return fmt.Errorf("reset database %q: drop: %w", database, err)
		}
	}
	return createOwned(ctx, conn, database, command, cluster)
}

func onCluster(cluster string) string {
	if cluster == "" {
		return ""
	}
	return " ON CLUSTER " + cluster
}

func checkClaim(database, command string) error {
	if err := ValidateDatabaseName(database); err != nil {
		return err
	}
	if command == "" {
		return errors.New("claim database: empty command name")
	}
	return nil
}

// marker is one row of MarkerTable.
type marker struct {
	Command   string
	CreatedAt time.Time
	Host      string
	PID       uint32
}

// ownership reports whether database exists and, if it does, why it is not
// command's ("" when it carries command's marker and nothing else).
func ownership(ctx context.Context, conn driver.Conn, database, command string) (exists bool, reason string, err error) {
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", database).Scan(&n); err != nil {
		return false, "", fmt.Errorf("look up database %q: %w", database, err)
	}
	if n == 0 {
		return false, "", nil
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", database, MarkerTable).Scan(&n); err != nil {
		return true, "", fmt.Errorf("look up the marker of database %q: %w", database, err)
	}
	if n == 0 {
		return true, "no " + MarkerTable + " marker", nil
	}
	ms, err := readMarkers(ctx, conn, database)
	if err != nil {
		// A table of that name that is not a marker: not ours either.
		return true, "its " + MarkerTable + " table is not a marker: " + err.Error(), nil
	}
	if len(ms) == 0 {
		return true, "its " + MarkerTable + " marker is empty", nil
	}
	for _, m := range ms {
		if m.Command != command {
			return true, fmt.Sprintf("its %s marker says servicepulse %s made it on %s at %s UTC",
				MarkerTable, m.Command, m.Host, m.CreatedAt.UTC().Format(time.DateTime)), nil
		}
	}
	return true, "", nil
}

func readMarkers(ctx context.Context, conn driver.Conn, database string) ([]marker, error) {
	rows, err := conn.Query(ctx, "SELECT command, created_at, host, pid FROM `"+database+"`."+MarkerTable)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []marker
	for rows.Next() {
		var m marker
		if err := rows.Scan(&m.Command, &m.CreatedAt, &m.Host, &m.PID); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

// createOwned creates database, which must not exist (a plain CREATE: if
// another process made it meanwhile, it is not ours), and writes command's
// marker. If the marker cannot be written, it drops the database it has just
// created, so no unmarked database is left behind.
func createOwned(ctx context.Context, conn driver.Conn, database, command, cluster string) error {
	if err := conn.Exec(ctx, "CREATE DATABASE `"+database+"`"+onCluster(cluster)); err != nil {
		return fmt.Errorf("create database %q: %w", database, err)
	}
	err := writeMarker(ctx, conn, database, command)
	if err != nil {
		if derr := conn.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS `"+database+"`"+onCluster(cluster)); derr != nil {
			err = errors.Join(err, fmt.Errorf("drop the unmarked database again: %w", derr))
		}
		return fmt.Errorf("mark database %q as created by servicepulse %s: %w", database, command, err)
	}
	return nil
}

func writeMarker(ctx context.Context, conn driver.Conn, database, command string) error {
	// TinyLog: one row, no merges, and the same DDL on 18.16 and current ClickHouse.
	table := "`" + database + "`." + MarkerTable
	if err := conn.Exec(ctx, "CREATE TABLE "+table+" (command String, created_at DateTime, host String, pid UInt32) ENGINE = TinyLog"); err != nil {
		return err
	}
	host, _ := os.Hostname()
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+table+" (command, created_at, host, pid)")
	if err != nil {
		return err
	}
	if err := batch.Append(command, time.Now().UTC().Truncate(time.Second), host, uint32(os.Getpid())); err != nil {
		batch.Abort()
		return err
	}
	return batch.Send()
}
