package sql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

const createRecordTable = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version    UInt32,
    name       String,
    checksum   String,
    applied_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version`

// The migrator's own queries; the chdb test runs them on current ClickHouse.
const (
	recordTableExists = "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'"
	readRecords       = "SELECT version, name, checksum FROM schema_migrations FINAL"
	columnExists      = "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = ? AND name = ?"

	clusterShards       = "SELECT uniqExact(shard_num) FROM system.clusters WHERE cluster = ?"
	clusterColumnExists = "SELECT count() FROM cluster(?, system.columns) WHERE database = ? AND table = ? AND name = ?"
)

// Migrate applies the shipped migrations that the connection's database has
// not recorded yet, in version order, and returns the versions it applied
// (on error, those applied before it).
//
// It is safe to run twice and from several processes at once. ClickHouse has
// no lock to take, so instead every statement is idempotent (enforced by
// Migrations) and schema_migrations, a ReplacingMergeTree keyed by version,
// collapses the record that each concurrent run writes; readers use FINAL.
//
// Before applying anything it fails if an applied migration's file has
// changed since: the fix is a new migration, never an edited one.
func Migrate(ctx context.Context, conn driver.Conn, log *slog.Logger) (applied []int, err error) {
	return MigrateCluster(ctx, conn, "", nil, log)
}

// Dial connects to one node of a cluster, addr being host:port as
// system.clusters lists it (the native port), with the user, TLS and
// database of the migrating connection (warehouse.Dialer makes one).
// MigrateCluster sends through it what must run once per shard.
type Dial func(ctx context.Context, addr string) (driver.Conn, error)

// MigrateCluster is Migrate on every node of cluster (remote_servers of the
// connected server), in the connection's database: each statement in its
// cluster form (Render), the migration log included. An empty cluster is
// Migrate. Running it twice, or from two processes at once, is as safe as
// Migrate: every CREATE and DROP is ON CLUSTER and IF NOT EXISTS, the log
// is Replicated and collapses, and an ADD COLUMN is skipped where the
// column exists. An ALTER of a sharded table goes, through dial, to one
// replica of each shard, without ON CLUSTER (Render). dial is required on a
// cluster.
func MigrateCluster(ctx context.Context, conn driver.Conn, cluster string, dial Dial, log *slog.Logger) (applied []int, err error) {
	migs, err := Migrations()
	if err != nil {
		return nil, err
	}
	return migrate(ctx, conn, log, migs, cluster, dial)
}

// Pending returns the shipped migrations that Migrate would apply, without
// changing anything, for a dry run or a status report. Like Migrate it fails
// if an applied migration's file has changed.
func Pending(ctx context.Context, conn driver.Conn) ([]Migration, error) {
	migs, err := Migrations()
	if err != nil {
		return nil, err
	}
	return pending(ctx, conn, slog.New(slog.DiscardHandler), migs)
}

func migrate(ctx context.Context, conn driver.Conn, log *slog.Logger, migs []Migration, cluster string, dial Dial) ([]int, error) {
	if cluster != "" && dial == nil {
		return nil, fmt.Errorf("migrate cluster %s: no way to reach its nodes one by one (sql.Dial)", cluster)
	}
	ctx, err := withServerSettings(ctx, conn)
	if err != nil {
		return nil, err
	}
	m, err := newMigrator(ctx, conn, cluster)
	if err != nil {
		return nil, err
	}
	m.dial, m.log = dial, log
	if err := m.apply(ctx, Statements(createRecordTable)[0]); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	todo, err := pending(ctx, conn, log, migs)
	if err != nil {
		return nil, err
	}
	if len(todo) == 0 {
		log.Info("schema up to date", "migrations", len(migs))
		return nil, nil
	}
	var applied []int
	for _, mig := range todo {
		start := time.Now()
		for i, stmt := range mig.Statements {
			if err := m.apply(ctx, stmt); err != nil {
				return applied, fmt.Errorf("migration %s, statement %d (%s): %w%s", mig.Name, i+1, abbreviate(stmt), err, m.hint(err))
			}
		}
		if err := record(ctx, conn, mig); err != nil {
			return applied, err
		}
		applied = append(applied, mig.Version)
		log.Info("applied migration", "name", mig.Name, "statements", len(mig.Statements), "cluster", cluster, "took", time.Since(start).Round(time.Millisecond))
	}
	return applied, nil
}

// pending compares migs with the records and returns those not applied yet.
func pending(ctx context.Context, conn driver.Conn, log *slog.Logger, migs []Migration) ([]Migration, error) {
	done, err := records(ctx, conn)
	if err != nil {
		return nil, err
	}
	var todo []Migration
	shipped := map[int]bool{}
	for _, m := range migs {
		shipped[m.Version] = true
		rec, ok := done[m.Version]
		switch {
		case !ok:
			todo = append(todo, m)
		case rec.checksum != m.Checksum:
			return nil, fmt.Errorf("migration %s changed after it was applied; add a new migration instead (applied as %s with checksum %.12s, file now has %.12s)",
				m.Name, rec.name, rec.checksum, m.Checksum)
		}
	}
	for v, rec := range done {
		if !shipped[v] {
			// A newer binary migrated this database; older binaries keep
			// working as long as migrations only add things.
			log.Warn("database has a migration this binary does not know", "name", rec.name)
		}
	}
	return todo, nil
}

type migrationRecord struct{ name, checksum string }

func records(ctx context.Context, conn driver.Conn) (map[int]migrationRecord, error) {
	var n uint64
	if err := conn.QueryRow(ctx, recordTableExists).Scan(&n); err != nil {
		return nil, fmt.Errorf("look for schema_migrations: %w", err)
	}
	out := map[int]migrationRecord{}
	if n == 0 {
		return out, nil
	}
	rows, err := conn.Query(ctx, readRecords)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			v   uint32
			rec migrationRecord
		)
		if err := rows.Scan(&v, &rec.name, &rec.checksum); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		out[int(v)] = rec
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return out, nil
}

// migrator applies statements to one node or to a cluster.
type migrator struct {
	conn   driver.Conn
	target Target
	dial   Dial // on a cluster: to one node
	log    *slog.Logger
}

func newMigrator(ctx context.Context, conn driver.Conn, cluster string) (*migrator, error) {
	m := &migrator{conn: conn, target: Target{Cluster: cluster}}
	if cluster == "" {
		return m, nil
	}
	if err := conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&m.target.Database); err != nil {
		return nil, fmt.Errorf("current database: %w", err)
	}
	return m, nil
}

// apply runs one statement in its form for the target. ADD COLUMN is the
// one allowed form that is not idempotent by its syntax on 18.16, so it is
// skipped when the column exists (on a cluster: on every shard); if it
// fails, a concurrent migrator may have added the column between the check
// and the ALTER, which is success too.
func (m *migrator) apply(ctx context.Context, stmt string) error {
	rendered, err := Render(stmt, m.target)
	if err != nil {
		return err
	}
	table, columns, ok := addedColumns(stmt)
	if alter := alterTable.FindStringSubmatch(stmt); alter != nil && m.target.Cluster != "" && Sharded(alter[1]) {
		// rendered[0] is the ALTER of the local table, for one replica of
		// each shard; the rest remake the Distributed table over it.
		local := alter[1] + LocalSuffix
		if !ok {
			// Not an ADD COLUMN (MODIFY COLUMN, say): 18.16 returns once the
			// shard's active replicas applied it; there are no columns to
			// wait for on every node, as below.
			if err := m.onEachShard(ctx, rendered[0], nil); err != nil {
				return err
			}
			return unlessDone(ctx, m.conn, rendered[1:], nil)
		}
		has := func(ctx context.Context, node driver.Conn) (bool, error) {
			return columnsOn(ctx, node, local, columns)
		}
		if err := m.onEachShard(ctx, rendered[0], has); err != nil {
			return err
		}
		// The Distributed table is made AS the local table of each node:
		// every replica must have the columns first.
		if err := m.onEveryNode(ctx, local, columns); err != nil {
			return err
		}
		return m.guarded(ctx, table, columns, rendered[1:])
	}
	if !ok {
		return unlessDone(ctx, m.conn, rendered, nil)
	}
	return m.guarded(ctx, table, columns, rendered)
}

// nodesQuery lists the nodes of a cluster by shard, replicas in order.
// host_name, as remote_servers writes it (what a TLS certificate names, and
// what resolves where the cluster's own nodes resolve it).
const nodesQuery = `SELECT shard_num, host_name, port FROM system.clusters
	WHERE cluster = ? ORDER BY shard_num, replica_num`

type node struct {
	shard uint32
	addr  string
}

func (m *migrator) nodes(ctx context.Context) ([]node, error) {
	rows, err := m.conn.Query(ctx, nodesQuery, m.target.Cluster)
	if err != nil {
		return nil, fmt.Errorf("nodes of cluster %s: %w", m.target.Cluster, err)
	}
	defer rows.Close()
	var out []node
	for rows.Next() {
		var (
			n    node
			host string
			port uint16
		)
		if err := rows.Scan(&n.shard, &host, &port); err != nil {
			return nil, fmt.Errorf("nodes of cluster %s: %w", m.target.Cluster, err)
		}
		n.addr = net.JoinHostPort(host, strconv.Itoa(int(port)))
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("cluster %s lists no node", m.target.Cluster)
	}
	return out, nil
}

// onEachShard runs stmt, an ALTER of a Replicated local table, on the first
// replica of each shard that answers, without ON CLUSTER: the table's
// replication carries it to the shard's other replicas. ON CLUSTER hands an
// ALTER of a Replicated table to every replica, which elect one per shard,
// and 18.16's DDL worker died on it in CI when both took it ("Node exists
// …/executed"; that node then runs no ON CLUSTER statement until it
// restarts; docs/cluster.md). done, when given, says a node needs nothing;
// after a failed ALTER it decides whether a concurrent migrator did it.
func (m *migrator) onEachShard(ctx context.Context, stmt string, done func(context.Context, driver.Conn) (bool, error)) error {
	nodes, err := m.nodes(ctx)
	if err != nil {
		return err
	}
	for i := 0; i < len(nodes); {
		shard, failures := nodes[i].shard, []error(nil)
		applied := false
		for ; i < len(nodes) && nodes[i].shard == shard; i++ {
			if applied {
				continue
			}
			if err := m.onNode(ctx, nodes[i].addr, stmt, done); err != nil {
				failures = append(failures, err)
				continue
			}
			applied = true
		}
		if !applied {
			return fmt.Errorf("shard %d of cluster %s: %w", shard, m.target.Cluster, errors.Join(failures...))
		}
	}
	return nil
}

func (m *migrator) onNode(ctx context.Context, addr, stmt string, done func(context.Context, driver.Conn) (bool, error)) error {
	conn, err := m.dial(ctx, addr)
	if err != nil {
		return fmt.Errorf("node %s: %w", addr, err)
	}
	defer conn.Close()
	var isDone func(context.Context) (bool, error)
	if done != nil {
		isDone = func(ctx context.Context) (bool, error) { return done(ctx, conn) }
	}
	if err := unlessDone(ctx, conn, []string{stmt}, isDone); err != nil {
		return fmt.Errorf("node %s: %w", addr, err)
	}
	return nil
}

// onEveryNode waits until every node that answers has the columns in its
// local table, at most replicaWait: replication applies an ALTER on the
// other replicas of a shard a moment later. A node that does not answer is
// left out; it takes the ALTER from its replicated table when it is back.
func (m *migrator) onEveryNode(ctx context.Context, table string, columns []string) error {
	nodes, err := m.nodes(ctx)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(replicaWait)
	for _, n := range nodes {
		conn, err := m.dial(ctx, n.addr)
		if err != nil {
			m.log.Warn("cluster node not reachable; it applies the ALTER when it is back", "node", n.addr, "err", err)
			continue
		}
		for {
			ok, err := columnsOn(ctx, conn, table, columns)
			if err == nil && ok {
				break
			}
			if time.Now().After(deadline) {
				if err == nil {
					err = fmt.Errorf("columns %v still missing after %s", columns, replicaWait)
				}
				conn.Close()
				return fmt.Errorf("node %s, table %s: %w", n.addr, table, err)
			}
			select {
			case <-ctx.Done():
				conn.Close()
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		conn.Close()
	}
	return nil
}

// replicaWait bounds how long a migration waits for a replica to apply an
// ALTER that its shard's first replica took.
const replicaWait = 2 * time.Minute

// columnsOn reports whether the table of conn's node has every one of
// columns.
func columnsOn(ctx context.Context, conn driver.Conn, table string, columns []string) (bool, error) {
	for _, c := range columns {
		var n uint64
		if err := conn.QueryRow(ctx, columnExists, table, c).Scan(&n); err != nil {
			return false, fmt.Errorf("look up column %s.%s: %w", table, c, err)
		}
		if n == 0 {
			return false, nil
		}
	}
	return true, nil
}

// guarded runs stmts unless table already has every one of columns. (A
// node applies an ALTER's columns together, so a node has all or none.)
func (m *migrator) guarded(ctx context.Context, table string, columns []string, stmts []string) error {
	return unlessDone(ctx, m.conn, stmts, func(ctx context.Context) (bool, error) { return m.hasColumns(ctx, table, columns) })
}

// unlessDone runs stmts on conn unless done (when given) says there is
// nothing to do; after a failed statement, done decides whether a
// concurrent migrator did it, which is success too.
func unlessDone(ctx context.Context, conn driver.Conn, stmts []string, done func(context.Context) (bool, error)) error {
	if done != nil {
		if ok, err := done(ctx); err != nil || ok {
			return err
		}
	}
	for _, s := range stmts {
		if err := conn.Exec(ctx, s); err != nil {
			if done != nil {
				if ok, _ := done(ctx); ok {
					return nil
				}
			}
			return err
		}
	}
	return nil
}

// hasColumns reports whether table has every one of columns: on the
// connected node or, on a cluster, on one replica of every shard
// (cluster()), since a Replicated ALTER reaches the shard's other replicas
// by itself.
func (m *migrator) hasColumns(ctx context.Context, table string, columns []string) (bool, error) {
	if m.target.Cluster == "" {
		return columnsOn(ctx, m.conn, table, columns)
	}
	for _, c := range columns {
		if ok, err := m.onEveryShard(ctx, table, c); err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// onEveryShard reports whether one replica of every shard has the column.
func (m *migrator) onEveryShard(ctx context.Context, table, column string) (bool, error) {
	var n, shards uint64
	if err := m.conn.QueryRow(ctx, clusterShards, m.target.Cluster).Scan(&shards); err != nil {
		return false, fmt.Errorf("shards of cluster %s: %w", m.target.Cluster, err)
	}
	if err := m.conn.QueryRow(ctx, clusterColumnExists, m.target.Cluster, m.target.Database, table, column).Scan(&n); err != nil {
		return false, fmt.Errorf("look up column %s.%s on cluster %s: %w", table, column, m.target.Cluster, err)
	}
	return shards > 0 && n >= shards, nil
}

// hint adds what to do about a cluster error that has a known cause.
func (m *migrator) hint(err error) string {
	if m.target.Cluster != "" && strings.Contains(err.Error(), "allow_experimental_low_cardinality_type") {
		// 18.x runs ON CLUSTER statements with each server's default
		// profile, not with the settings of the query that queued them.
		return "; on ClickHouse 18.x, set allow_experimental_low_cardinality_type to 1 in the default profile (users.xml) of every node of the cluster"
	}
	return ""
}

func record(ctx context.Context, conn driver.Conn, m Migration) error {
	// 18.16 needs the column list; an INSERT … VALUES through Exec hangs there.
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO schema_migrations (version, name, checksum, applied_at)")
	if err != nil {
		return fmt.Errorf("record migration %s: %w", m.Name, err)
	}
	if err := batch.Append(uint32(m.Version), m.Name, m.Checksum, time.Now().UTC()); err != nil {
		return fmt.Errorf("record migration %s: %w", m.Name, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("record migration %s: %w", m.Name, err)
	}
	return nil
}

// withServerSettings adds the settings our DDL needs on this server's
// version: ClickHouse 18.x creates LowCardinality columns only with
// allow_experimental_low_cardinality_type=1, a setting that current
// ClickHouse rejects as unknown (Code 115).
func withServerSettings(ctx context.Context, conn driver.Conn) (context.Context, error) {
	v, err := conn.ServerVersion()
	if err != nil {
		return ctx, fmt.Errorf("server version: %w", err)
	}
	if v.Version.Major >= 19 {
		return ctx, nil
	}
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
		"allow_experimental_low_cardinality_type": 1,
	})), nil
}

// ErrBehind is what Current returns when the database lacks migrations this
// binary ships.
var ErrBehind = errors.New("the database schema is behind this binary")

// Current returns an error wrapping ErrBehind, naming the migrations not
// applied yet and saying what to run, when conn's database lacks any: a
// binary upgraded before `servicepulse migrate` ran would otherwise fail on
// a missing table or column, far from the cause.
func Current(ctx context.Context, conn driver.Conn) error {
	todo, err := Pending(ctx, conn)
	if err != nil {
		return err
	}
	if len(todo) == 0 {
		return nil
	}
	names := make([]string, len(todo))
	for i, m := range todo {
		names[i] = m.Name
	}
	return fmt.Errorf("%w: %s not applied; run `servicepulse migrate` (with the same --clickhouse and --cluster) first", ErrBehind, strings.Join(names, ", "))
}
