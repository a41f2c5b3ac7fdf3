package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Rollups builds the daily rollup (rollup.go): the months of request_state
// whose build is missing, stale (request_state changed since) or expired
// (an instant its sums depend on has passed). Readers never rely on it: a
// month without a current build is read from request_state. On a cluster
// it builds nothing: request_state is a Distributed table there, with no
// parts of its own to build from (rollup.go).
type Rollups struct {
	conn driver.Conn
	log  *slog.Logger
	// Now is the clock of the builds' as-of instants. Default: time.Now.
	Now func() time.Time
	// Expired is how old a build must be before a quiet Refresh rebuilds
	// it only because an instant its sums depend on has passed (its data
	// unchanged): in the month being worked on one always has, and a
	// rebuild a cycle would keep a core busy. Default: a minute.
	Expired time.Duration
	// Rest is how long a month's request_state must stay unchanged before
	// a quiet Refresh builds it. During a backfill the refresher comes back
	// to a month every few cycles: with one unchanged interval as the rule,
	// a backfill of 1M tickets built July six times, 1-2 s each, each
	// stale within a minute. Default: a minute.
	Rest time.Duration

	mu      sync.Mutex
	seen    map[uint32]sighting // what Refresh last saw of each month
	columns map[string]bool     // request_state's instants: name → is an array
	db      string              // the connection's database, once read
}

// NewRollups returns a builder writing through conn.
func NewRollups(conn driver.Conn, log *slog.Logger) *Rollups {
	return &Rollups{conn: conn, log: log, Now: time.Now, Expired: time.Minute, Rest: time.Minute}
}

// sighting is a month's signature and since when Refresh has seen it.
type sighting struct {
	sig   signature
	since time.Time
}

// signature is what changes with the data of a month of request_state.
type signature struct {
	blocks   int64
	mutation uint64
}

type build struct {
	sig        signature
	version    uint64
	builtAt    time.Time
	validUntil time.Time
}

// Refresh builds the months that need it and returns how many it built.
// With quiet, it skips a month whose request_state changed less than Rest
// ago, as far as the Refreshes of this Rollups have seen (a month it has
// not seen before changed just now): a month being written would be stale
// again before a reader could use it, and ingest needs the cores. Without, it builds every month that needs it
// (after ingest, or in a one-off refresh).
func (r *Rollups) Refresh(ctx context.Context, quiet bool) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	parts, err := r.signatures(ctx)
	if err != nil {
		return 0, err
	}
	builds, err := r.builds(ctx)
	if err != nil {
		return 0, err
	}
	now := r.Now().UTC().Truncate(time.Second)
	var todo []uint32
	seen := make(map[uint32]sighting, len(parts))
	for m, sig := range parts {
		at, ok := r.seen[m]
		if !ok || at.sig != sig {
			at = sighting{sig: sig, since: now}
		}
		seen[m] = at
		if b, ok := builds[m]; ok && b.sig == sig && !b.builtAt.After(now) &&
			(now.Before(b.validUntil) || quiet && now.Sub(b.builtAt) < r.Expired) {
			continue
		}
		if quiet && now.Sub(at.since) < r.Rest {
			continue
		}
		todo = append(todo, m)
	}
	r.seen = seen
	slices.Sort(todo)
	for i, m := range todo {
		t0 := time.Now()
		groups, err := r.build(ctx, m, parts[m], builds[m].version)
		if err != nil {
			return i, err
		}
		r.log.Info("kpi rollup built", "month", m, "groups", groups, "took", time.Since(t0).Round(time.Millisecond),
			"left", len(todo)-i-1)
	}
	return len(todo), nil
}

// Run refreshes quietly every interval, logging failures and going on,
// until ctx ends (which aborts the build in flight) or done is closed
// (after which it returns once the build in flight is written), as
// sla.Refresher.Run does.
func (r *Rollups) Run(ctx context.Context, interval time.Duration, done <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.Refresh(ctx, true); err != nil && ctx.Err() == nil {
			r.log.Warn("build kpi rollup", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-t.C:
		}
	}
}

// Current returns the months (YYYYMM) whose build a query as of asOf
// reads, in order: the check every query makes (rollup.go).
func (r *Rollups) Current(ctx context.Context, asOf time.Time) ([]uint32, error) {
	r.mu.Lock()
	t, err := r.tables(ctx)
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	rows, err := r.conn.Query(ctx, "SELECT month FROM ("+t.currentBuilds("toDateTime('"+asOf.UTC().Format(time.DateTime)+"', 'UTC')", true)+") ORDER BY month")
	if err != nil {
		return nil, fmt.Errorf("read current kpi rollups: %w", err)
	}
	defer rows.Close()
	var out []uint32
	for rows.Next() {
		var m uint32
		if err := rows.Scan(&m); err != nil {
			return nil, fmt.Errorf("read current kpi rollups: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// tables is rollupTables of the connection's database.
func (r *Rollups) tables(ctx context.Context) (rollupTables, error) {
	if r.db == "" {
		if err := r.conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&r.db); err != nil {
			return rollupTables{}, fmt.Errorf("read the current database: %w", err)
		}
	}
	return rollupTables{r.db}, nil
}

func (r *Rollups) signatures(ctx context.Context) (map[uint32]signature, error) {
	t, err := r.tables(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := r.conn.Query(ctx, t.parts())
	if err != nil {
		return nil, fmt.Errorf("read request_state's parts: %w", err)
	}
	defer rows.Close()
	out := map[uint32]signature{}
	for rows.Next() {
		var (
			m   uint32
			sig signature
		)
		if err := rows.Scan(&m, &sig.blocks, &sig.mutation); err != nil {
			return nil, fmt.Errorf("read request_state's parts: %w", err)
		}
		out[m] = sig
	}
	return out, rows.Err()
}

func (r *Rollups) builds(ctx context.Context) (map[uint32]build, error) {
	rows, err := r.conn.Query(ctx, "SELECT month, blocks, mutation, version, built_at, valid_until FROM kpi_rollups FINAL WHERE terms = ?", rollupDigest)
	if err != nil {
		return nil, fmt.Errorf("read kpi_rollups: %w", err)
	}
	defer rows.Close()
	out := map[uint32]build{}
	for rows.Next() {
		var (
			m uint32
			b build
		)
		if err := rows.Scan(&m, &b.sig.blocks, &b.sig.mutation, &b.version, &b.builtAt, &b.validUntil); err != nil {
			return nil, fmt.Errorf("read kpi_rollups: %w", err)
		}
		out[m] = b
	}
	return out, rows.Err()
}

// instants returns request_state's DateTime and Array(DateTime) columns.
func (r *Rollups) instants(ctx context.Context) (map[string]bool, error) {
	if r.columns != nil {
		return r.columns, nil
	}
	rows, err := r.conn.Query(ctx, "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'request_state'")
	if err != nil {
		return nil, fmt.Errorf("read request_state's columns: %w", err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, fmt.Errorf("read request_state's columns: %w", err)
		}
		switch {
		case strings.HasPrefix(typ, "DateTime"):
			cols[name] = false
		case strings.HasPrefix(typ, "Array(DateTime"):
			cols[name] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read request_state's columns: %w", err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("request_state has no DateTime columns: is the database migrated?")
	}
	r.columns = cols
	return cols, nil
}

// build writes one build of month, whose partition had signature sig
// before it read it, and makes it the current one; prev is the build it
// replaces (0: none). It returns the build's groups.
func (r *Rollups) build(ctx context.Context, month uint32, sig signature, prev uint64) (uint64, error) {
	cols, err := r.instants(ctx)
	if err != nil {
		return 0, err
	}
	builtAt := r.Now().UTC().Truncate(time.Second)
	version := uint64(time.Now().UnixNano())
	at := "toDateTime('" + builtAt.Format(time.DateTime) + "', 'UTC')"
	if err := r.conn.Exec(ctx, rollupBuildSQL(int(month), version, at, cols)); err != nil {
		return 0, fmt.Errorf("build kpi rollup of %d: %w", month, err)
	}
	// The open requests read in a second pass: one INSERT … SELECT writes
	// one table. Both passes come before the build is recorded, so a
	// reader that finds the build finds both (open.go).
	if err := r.conn.Exec(ctx, openBuildSQL(int(month), version)); err != nil {
		return 0, fmt.Errorf("copy the open requests of %d: %w", month, err)
	}
	var (
		validUntil time.Time
		groups     uint64
	)
	if err := r.conn.QueryRow(ctx, "SELECT min(valid_until), count() FROM kpi_rollup WHERE terms = ? AND month = ? AND version = ?",
		rollupDigest, month, version).Scan(&validUntil, &groups); err != nil {
		return 0, fmt.Errorf("build kpi rollup of %d: %w", month, err)
	}
	if groups == 0 { // a month of empty parts: nothing to add, ever valid
		validUntil = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	// A batch insert: INSERT … VALUES through Exec hangs on 18.16.
	b, err := r.conn.PrepareBatch(ctx, "INSERT INTO kpi_rollups (terms, month, version, built_at, blocks, mutation, valid_until, groups)")
	if err != nil {
		return 0, fmt.Errorf("record kpi rollup of %d: %w", month, err)
	}
	if err := b.Append(rollupDigest, month, version, builtAt, sig.blocks, sig.mutation, validUntil, groups); err != nil {
		_ = b.Abort()
		return 0, fmt.Errorf("record kpi rollup of %d: %w", month, err)
	}
	if err := b.Send(); err != nil {
		return 0, fmt.Errorf("record kpi rollup of %d: %w", month, err)
	}
	// Builds before the one replaced go; the one replaced stays until the
	// next build, for a query that chose it just before this one became
	// current. (A mutation of these small tables; the rollup's own rows only.)
	if prev > 0 {
		for _, table := range []string{"kpi_rollup", "open_requests"} {
			if err := r.dropOlder(ctx, table, month, prev); err != nil {
				return groups, err
			}
		}
	}
	return groups, nil
}

// dropOlder deletes from table (kpi_rollup or open_requests) the rows of
// this catalog's builds of month older than version, if it holds any.
func (r *Rollups) dropOlder(ctx context.Context, table string, month uint32, version uint64) error {
	var older uint64
	if err := r.conn.QueryRow(ctx, "SELECT count() FROM "+table+" WHERE terms = ? AND month = ? AND version < ?",
		rollupDigest, month, version).Scan(&older); err != nil {
		return fmt.Errorf("find old builds of %s %d: %w", table, month, err)
	}
	if older == 0 {
		return nil
	}
	if err := r.conn.Exec(ctx, fmt.Sprintf("ALTER TABLE %s DELETE WHERE terms = '%s' AND month = %d AND version < %d",
		table, rollupDigest, month, version)); err != nil {
		return fmt.Errorf("drop old builds of %s %d: %w", table, month, err)
	}
	return nil
}
