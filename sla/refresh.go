package sla

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"golang.org/x/sync/errgroup"

	"servicepulse/calendar"
	"servicepulse/contracts"
	"servicepulse/metrics"
	"servicepulse/sql"
	"servicepulse/warehouse"
)

// Refresher keeps request_state in step with the fact tables.
type Refresher struct {
	conn driver.Conn
	log  *slog.Logger
	// Now is the clock of computed_at and of watermarks. Default: time.Now.
	Now func() time.Time
	// Margin re-reads this much before the last watermark, covering inserts
	// that became visible after the previous refresh looked. Default: 60s.
	Margin time.Duration
	// Chunk is how many request ids one lookup query names. Default: 2000.
	Chunk int
	// Batch is about how many requests one build holds at once: a refresh of
	// more is cut into batches along product serials (requests on one serial
	// stay together, since repeats are judged among them). It bounds the
	// refresher's memory: the states of a backfill's final refresh of
	// 1,000,000 requests held 1.23 GB at once. Two batches are alive at
	// once, one being written while the next builds. Default: 6000. The
	// year's backfill under ingest's 224 MiB limit, one run each: 10000
	// peaked at 299 MiB resident (192 s wall), 6000 at 280 MiB (200 s),
	// 4000 at 282 MiB (217 s): smaller batches make more inserts, and a
	// live cycle of 4000s did a fifth less in the same time. Ingest's final
	// refresh, once its own batches are gone, raises it to 10000.
	Batch int
	// Cycle is how many committed requests one live refresh of Run takes at
	// most, oldest first (the requests on their serials come on top); the
	// rest wait for the next one, Settle later. A backfill commits faster
	// than a refresh beside it rebuilds (about 3,000 requests a second on
	// two cores), and a refresh of everything pending grew with the
	// backlog: one took 57 s, the next over two minutes, and the
	// dashboards' states stayed that old. The final refresh takes all that
	// is left. Default: 20000.
	Cycle int
	// Settle is how long a refresh that Committed asked for waits after the
	// previous refresh ended, so a stream of commits does not rebuild the
	// same recent requests back to back. Default: 1s.
	Settle time.Duration

	policies Policies
	kick     chan struct{} // a pending Committed; buffered, one slot

	mu        sync.Mutex          // guards the fields below
	schemaOK  bool                // sql.Current passed: the tables this code reads exist
	committed map[string]struct{} // requests committed since a refresh took them
	queue     []string            // the same, oldest first
	caughtUp  bool                // a watermark refresh finished since NewRefresher
	target    *stateTable         // where deleteStale's mutations go, once known
	run       RunStats            // what Run did

	parallel atomic.Bool // SetParallel
}

// SetParallel makes refreshes build their next batch while they write the
// last one, and load each batch's next chunk while they build the current
// one (StateBuild.Prefetch): ClickHouse and Go work at once. It is for a
// refresh that nothing else waits on: the final refresh after a batch
// ingest, `servicepulse refresh`. Beside a running ingest on two cores it
// took a core from ingest (end-to-end rate 78k → 69k events/s) and gave
// back less (the final refresh 6.2 → 5.0 s), so the live refresh runs in
// line. A refresh in flight switches at its next batch: the one running
// when ingest ends finishes sooner. Safe for concurrent use. Default: off.
func (r *Refresher) SetParallel(on bool) { r.parallel.Store(on) }

// NewRefresher returns a refresher writing through conn.
func NewRefresher(conn driver.Conn, log *slog.Logger) *Refresher {
	return &Refresher{conn: conn, log: log, Now: time.Now, Margin: time.Minute, Chunk: 2000, Batch: 6000, Cycle: 20000,
		Settle: time.Second, kick: make(chan struct{}, 1)}
}

// Committed tells the refresher that rows of these requests were committed
// to the fact tables (ingest.CommitNotifier). A running Run rebuilds them,
// and the requests on their serials, Settle after its last refresh instead
// of at its next tick, without scanning the fact tables for what changed:
// the cost of that refresh follows the number of requests committed, not
// the size of the tables. It never blocks; calls coalesce into one pending
// refresh, and a call without a running Run is kept for its first wait.
// Safe for concurrent use.
func (r *Refresher) Committed(requests []string) {
	r.mu.Lock()
	if r.committed == nil {
		r.committed = make(map[string]struct{}, len(requests))
	}
	for _, id := range requests {
		if _, ok := r.committed[id]; !ok {
			// A copy: a decoded row's strings share one allocation
			// (transform), so a kept id held its whole row's 160 bytes, 132
			// MB for a backfill's million pending requests.
			id = strings.Clone(id)
			r.committed[id] = struct{}{}
			r.queue = append(r.queue, id)
		}
	}
	r.mu.Unlock()
	r.kickRun()
}

// kickRun asks a running Run for a refresh of what is pending.
func (r *Refresher) kickRun() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// takeCommitted removes from the pending requests the n oldest (all when
// n < 1) and returns them, and whether none is left.
func (r *Refresher) takeCommitted(n int) (ids []string, all bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n < 1 || n >= len(r.queue) {
		n = len(r.queue)
	}
	ids = slices.Clone(r.queue[:n])
	// The queue's backing array is shared with nothing: shift it down, so
	// a backfill's queue does not keep growing at its end.
	r.queue = r.queue[:copy(r.queue, r.queue[n:])]
	for _, id := range ids {
		delete(r.committed, id)
	}
	return ids, len(r.queue) == 0
}

// RefreshCommitted rebuilds the requests that Committed named since the
// last call, with every request on their serials, and records the
// refresh's start as the watermark: rows this process committed before it
// are reflected, and the next watermark refresh re-reads Margin before it,
// as ever, for what other processes wrote meanwhile. On failure the
// requests stay pending for the next call.
//
// It takes them in slices of 5 × Cycle, oldest first, each with its
// serials' requests: the id sets and serial lookups of one refresh of a
// backfill's 650,000 pending requests held 612 MB at once.
func (r *Refresher) RefreshCommitted(ctx context.Context) (Result, error) {
	var total Result
	for {
		if r.Pending() == 0 {
			return total, nil
		}
		res, err := r.refreshCommitted(ctx, 5*r.Cycle)
		total.add(res)
		if err != nil {
			return total, err
		}
	}
}

// refreshCommitted is RefreshCommitted of the n oldest pending requests
// (all when n < 1). A refresh that leaves some pending records no
// watermark: the rows of those are committed but not reflected, and a
// watermark past them would hide them from the next process's watermark
// refresh. It asks Run for the next refresh, of what is left.
func (r *Refresher) refreshCommitted(ctx context.Context, n int) (Result, error) {
	start := r.Now().UTC()
	ids, all := r.takeCommitted(n)
	if len(ids) == 0 {
		return Result{}, nil
	}
	var (
		res Result
		err error
	)
	if all {
		res, err = r.refreshIDs(ctx, start, ids)
	} else {
		res, err = r.rebuildIDs(ctx, ids)
		r.kickRun()
	}
	if err != nil {
		r.Committed(ids) // again next time
	}
	return res, err
}

// checkSchema fails, once per refresher and before anything is read, when
// the database lacks a migration this binary's queries need.
func (r *Refresher) checkSchema(ctx context.Context) error {
	r.mu.Lock()
	ok := r.schemaOK
	r.mu.Unlock()
	if ok {
		return nil
	}
	if err := sql.Current(ctx, r.conn); err != nil {
		return fmt.Errorf("refresh request states: %w", err)
	}
	r.mu.Lock()
	r.schemaOK = true
	r.mu.Unlock()
	return nil
}

// refreshIDs rebuilds ids with every request on their serials and records
// start as the watermark.
func (r *Refresher) refreshIDs(ctx context.Context, start time.Time, ids []string) (Result, error) {
	res, err := r.rebuildIDs(ctx, ids)
	if err != nil {
		return res, err
	}
	return res, r.recordRefresh(ctx, start, res.Requests)
}

// rebuildIDs rebuilds ids with every request on their serials, recording
// no watermark.
func (r *Refresher) rebuildIDs(ctx context.Context, ids []string) (Result, error) {
	if err := r.checkSchema(ctx); err != nil {
		return Result{}, err
	}
	all, err := r.withSiblings(ctx, ids)
	if err != nil {
		return Result{}, err
	}
	return r.rebuild(ctx, all)
}

// rebuildAndRecord rebuilds all (requests on their serials included) and
// records start as the watermark.
func (r *Refresher) rebuildAndRecord(ctx context.Context, start time.Time, all []string) (Result, error) {
	res, err := r.rebuild(ctx, all)
	if err != nil {
		return res, err
	}
	return res, r.recordRefresh(ctx, start, res.Requests)
}

// CaughtUp reports whether a watermark refresh (Refresh, RefreshAll) has
// finished since the refresher was made: from then on, RefreshCommitted
// alone keeps the states of this process's commits current.
func (r *Refresher) CaughtUp() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.caughtUp
}

// Pending is how many requests Committed named that no refresh has taken yet.
func (r *Refresher) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queue)
}

// withSiblings returns ids with every request on the same product serials.
func (r *Refresher) withSiblings(ctx context.Context, ids []string) ([]string, error) {
	return OnSerials(ctx, r.conn, ids)
}

// OnSerials returns ids with every request opened on the same product
// serials (clause 5.1 compares them): the serials of the listed requests by
// service_events' sort key, then the requests on them by request_serials'
// (sql/0010_change_log.sql). Both lookups name an external table
// (warehouse.WithList), not a subquery: ClickHouse 18.16 uses no index for
// a GLOBAL IN subquery (a full scan of both tables, 15M rows read for 1,000
// requests over 10M), and a plain IN subquery is refused on a cluster's
// Distributed tables. One query each: the index selects the same granules
// for one list as for its chunks, and each query costs the server a fixed
// part besides.
func OnSerials(ctx context.Context, conn driver.Conn, ids []string) ([]string, error) {
	out := unique(slices.Clone(ids))
	if len(out) == 0 {
		return out, nil
	}
	serials, err := stringsIn(ctx, conn, out, serialsOfRequests)
	if err != nil {
		return nil, fmt.Errorf("find the serials of requests: %w", err)
	}
	if len(serials) == 0 {
		return out, nil
	}
	sib, err := stringsIn(ctx, conn, serials, requestsOnSerials)
	if err != nil {
		return nil, fmt.Errorf("find requests on the same serials: %w", err)
	}
	return unique(append(out, sib...)), nil
}

// The two lookups of OnSerials.
const (
	serialsOfRequests = `SELECT DISTINCT product_serial FROM service_events
	WHERE event_type = 'request_created' AND product_serial != '' AND request_id IN ` + warehouse.ListTable
	requestsOnSerials = `SELECT DISTINCT request_id FROM request_serials WHERE product_serial IN ` + warehouse.ListTable
)

// Result says what a refresh did.
type Result struct {
	Requests  int `json:"requests"`  // states written
	Orphans   int `json:"orphans"`   // requests with events but no request_created yet
	Unmatched int `json:"unmatched"` // requests whose contract has no terms for their opening time
}

// add counts o's states and requests into res.
func (res *Result) add(o Result) {
	res.Requests, res.Orphans, res.Unmatched = res.Requests+o.Requests, res.Orphans+o.Orphans, res.Unmatched+o.Unmatched
}

// changedRequests finds the requests with events or feedback ingested at
// or after ?: request_changes is sorted by ingest time, so only what changed
// is read (sql/0010_change_log.sql).
const changedRequests = `SELECT DISTINCT request_id FROM request_changes WHERE ingested_at >= ?`

// Refresh rebuilds every request with events or feedback ingested since the
// previous refresh (all requests on the first run), plus every request on the
// same product serials.
func (r *Refresher) Refresh(ctx context.Context) (Result, error) {
	start := r.Now().UTC()
	var wm time.Time
	if err := r.conn.QueryRow(ctx, "SELECT max(watermark) FROM state_refreshes").Scan(&wm); err != nil {
		return Result{}, fmt.Errorf("read refresh watermark: %w", err)
	}
	return r.refreshSince(ctx, start, wm.Add(-r.Margin))
}

// RefreshAll rebuilds every request, whatever changed: after terms of an
// existing contract version were corrected, for instance. It lists them
// from the fact tables themselves, not from request_changes, which on an
// upgraded database starts a day before its last refresh and may have had
// old months dropped.
func (r *Refresher) RefreshAll(ctx context.Context) (Result, error) {
	return r.refreshSince(ctx, r.Now().UTC(), time.Time{})
}

// allRequests lists every request with events or feedback (orphans too:
// the refresh counts them).
const allRequests = `SELECT DISTINCT request_id FROM service_events
		UNION ALL SELECT DISTINCT request_id FROM feedback`

// refreshSince rebuilds what changed since since; every request when since
// is at or before the epoch (the first refresh of a database, and
// RefreshAll).
func (r *Refresher) refreshSince(ctx context.Context, start, since time.Time) (Result, error) {
	if err := r.checkSchema(ctx); err != nil {
		return Result{}, err
	}
	var res Result
	if since.Unix() <= 0 {
		ids, err := r.strings(ctx, allRequests)
		if err != nil {
			return Result{}, fmt.Errorf("list requests: %w", err)
		}
		// Every request: none to add for the serials.
		if res, err = r.rebuildAndRecord(ctx, start, unique(ids)); err != nil {
			return res, err
		}
	} else {
		ids, err := r.strings(ctx, changedRequests, since)
		if err != nil {
			return Result{}, fmt.Errorf("find changed requests: %w", err)
		}
		if res, err = r.refreshIDs(ctx, start, ids); err != nil {
			return res, err
		}
	}
	r.mu.Lock()
	r.caughtUp = true
	r.mu.Unlock()
	return res, nil
}

// rebuild builds and writes the states of exactly the given requests, which
// must include every request on their serials, and deletes their rows left in
// another month; Batch requests at a time.
func (r *Refresher) rebuild(ctx context.Context, all []string) (Result, error) {
	var res Result
	if len(all) == 0 {
		return res, nil
	}
	file, err := contracts.Read(ctx, r.conn)
	if err != nil {
		return res, fmt.Errorf("read contract terms: %w", err)
	}
	batches, err := r.batches(ctx, all)
	if err != nil {
		return res, err
	}
	build := StateBuild{Conn: r.conn, Terms: file, Policies: &r.policies, LoadChunk: r.Chunk}
	var w *writer // nil while the batches are written in line
	for i, batch := range batches {
		bctx := ctx
		if w == nil && r.parallel.Load() {
			// From here on, in parallel (SetParallel): each batch is
			// written while the next builds, whose chunks load ahead. The
			// insert and the month lookups are ClickHouse's work, the
			// build is Go's, and one after the other left each side idle
			// (on two cores, a refresh of 100,000 requests in batches took
			// 4.8 s with the writes in line, 4.3 s beside them).
			w, build.Prefetch = r.startWriter(ctx), true
		}
		if w != nil {
			bctx = w.ctx
		}
		build.AsOf = r.Now().UTC()
		states, got, err := States(bctx, build, batch)
		res.add(got)
		switch {
		case err != nil:
		case w != nil:
			err = w.send(states)
		default:
			err = r.write(ctx, states)
		}
		if err != nil {
			if w != nil {
				// The writer's failure, if any, is why this batch failed.
				if werr := w.wait(); werr != nil {
					err = werr
				}
			}
			return res, err
		}
		if len(batches) > 1 {
			r.log.Info("request states refreshed: batch built", "batch", i+1, "of", len(batches), "requests", res.Requests)
		}
	}
	if w != nil {
		if err := w.wait(); err != nil {
			return res, err
		}
	}
	r.log.Info("request states refreshed", "requests", res.Requests, "orphans", res.Orphans, "unmatched_contract", res.Unmatched)
	return res, nil
}

// writer writes batches of states handed to it, one at a time, in a
// goroutine of its own: at most one batch waits, so two are alive at once.
type writer struct {
	ctx   context.Context // ends when a write fails
	g     *errgroup.Group
	built chan []Request
}

func (r *Refresher) startWriter(ctx context.Context) *writer {
	g, gctx := errgroup.WithContext(ctx)
	w := &writer{ctx: gctx, g: g, built: make(chan []Request)}
	g.Go(func() error {
		for states := range w.built {
			if err := r.write(gctx, states); err != nil {
				return err
			}
		}
		return nil
	})
	return w
}

// send hands states to the writer, or returns why it stopped.
func (w *writer) send(states []Request) error {
	select {
	case w.built <- states:
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}

// wait lets the writer finish what it was handed and returns its error.
func (w *writer) wait() error {
	close(w.built)
	return w.g.Wait()
}

// write inserts states and deletes their requests' rows left in another
// month.
func (r *Refresher) write(ctx context.Context, states []Request) error {
	if err := (StateBuild{Conn: r.conn}).write(ctx, states); err != nil {
		return err
	}
	// Looked up after the write: the new rows are in their own month,
	// which staleRows leaves out, so it finds the same rows it would have
	// before.
	stale, err := r.staleRows(ctx, states)
	if err != nil {
		return err
	}
	return r.deleteStale(ctx, stale)
}

// serialsOf lists the product serials of the listed requests' creation
// events (the external table list), all of them: a request re-created with
// another serial is tied to both.
const serialsOf = `SELECT DISTINCT request_id, product_serial FROM service_events
	WHERE event_type = 'request_created' AND product_serial != '' AND request_id IN ` + warehouse.ListTable

// allSerials is serialsOf for every request, from the serial index (two
// narrow columns instead of the events); batches keeps those it asked for.
const allSerials = `SELECT DISTINCT request_id, product_serial FROM request_serials`

// batches cuts ids into batches of about Batch requests, keeping together
// the requests tied by a product serial, directly or through others (a
// union-find over the serials of their creation events). One batch when
// ids are few: no lookup at all.
func (r *Refresher) batches(ctx context.Context, ids []string) ([][]string, error) {
	if r.Batch <= 0 || len(ids) <= r.Batch {
		return [][]string{ids}, nil
	}
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
	}
	parent := make([]int, len(ids))
	for i := range parent {
		parent[i] = i
	}
	var root func(i int) int
	root = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	first := map[string]int{} // serial → a request on it
	// Many ids (a backfill's final refresh, refresh --all): one scan of the
	// serial index costs less than a lookup of the creation events
	// (measured: 100 lookups for 200,000 requests added 6 s to a 16 s
	// refresh, when each named 2,000 literals).
	qctx, q := ctx, allSerials
	if len(ids) <= 20*r.Chunk {
		var err error
		if qctx, err = warehouse.WithList(ctx, ids); err != nil {
			return nil, err
		}
		q = serialsOf
	}
	rows, err := r.conn.Query(qctx, q)
	if err != nil {
		return nil, fmt.Errorf("find the serials of requests: %w", err)
	}
	for rows.Next() {
		var id, serial string
		if err := rows.Scan(&id, &serial); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find the serials of requests: %w", err)
		}
		i, ok := index[id]
		if !ok {
			continue
		}
		if j, seen := first[serial]; seen {
			parent[root(i)] = root(j)
		} else {
			first[serial] = i
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find the serials of requests: %w", err)
	}
	// Each group in the order its first request comes in ids, the requests
	// alone on their serials first and the groups of several after them;
	// groups fill batches up to Batch (a larger group is a batch of its
	// own). A group of several spans the sort key (a serial's requests are
	// opened months apart), and a load reads a granule of every part for
	// each id far from its chunk's others: mixed in, a few such ids per
	// chunk made every chunk read much of the table. Apart, the batches
	// of lone requests are runs of neighbouring ids.
	groups := map[int][]string{}
	var order []int
	for i, id := range ids {
		g := root(i)
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], id)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(min(len(groups[a]), 2), min(len(groups[b]), 2)) })
	var out [][]string
	var cur []string
	for _, g := range order {
		if len(cur) > 0 && len(cur)+len(groups[g]) > r.Batch {
			out, cur = append(out, cur), nil
		}
		cur = append(cur, groups[g]...)
	}
	return append(out, cur), nil
}

// Policies finds the terms in force when a request was opened, with the
// business clock they define, building each distinct clock once. The zero
// value is ready; it is safe for concurrent use. A returned policy is
// shared: callers only read it.
type Policies struct {
	mu     sync.Mutex
	clocks map[string]*Policy
	// The policy of each version of file, made on first use: For runs once
	// per request rebuilt, and a policy of its own per request was one of
	// the refresh's larger allocations. A new file (the refresher reads the
	// terms again for each refresh) starts afresh, so corrected terms of a
	// version are never served from here.
	file     *contracts.File
	versions map[version]*Policy
}

type version struct {
	contract string
	from     int64 // EffectiveFrom, Unix seconds
}

// For returns the policy of a request of contractID opened at opened; nil
// when the contract has no terms for that time.
func (ps *Policies) For(file *contracts.File, contractID string, opened time.Time) (*Policy, error) {
	if file == nil {
		return nil, nil
	}
	terms, ok := file.At(contractID, opened)
	if !ok {
		return nil, nil
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.file != file {
		ps.file, ps.versions = file, map[version]*Policy{}
	}
	v := version{contractID, terms.EffectiveFrom.Unix()}
	if p, ok := ps.versions[v]; ok {
		return p, nil
	}
	key := terms.Calendar + "|" + terms.Window + "|" + terms.RepairWindow + "|" + terms.Timezone
	p, ok := ps.clocks[key]
	if !ok {
		clock, loc, err := NewClock(terms)
		if err != nil {
			return nil, fmt.Errorf("contract %s: %w", contractID, err)
		}
		p = &Policy{Clock: clock, Loc: loc}
		// Built here, once per distinct terms, not per request: a clock
		// holds the calendar's days.
		p.Repair = repairClock(&Policy{Terms: terms, Clock: clock})
		if ps.clocks == nil {
			ps.clocks = map[string]*Policy{}
		}
		ps.clocks[key] = p
	}
	policy := &Policy{Terms: terms, Clock: p.Clock, Loc: p.Loc, Repair: p.Repair}
	ps.versions[v] = policy
	return policy, nil
}

// NewClock builds the business clock that terms define.
func NewClock(terms contracts.Terms) (*calendar.Clock, *time.Location, error) {
	cal, err := calendar.Named(terms.Calendar)
	if err != nil {
		return nil, nil, err
	}
	w, err := calendar.ParseWindow(terms.Window)
	if err != nil {
		return nil, nil, err
	}
	loc, err := time.LoadLocation(terms.Timezone)
	if err != nil {
		return nil, nil, fmt.Errorf("time zone %q: %w", terms.Timezone, err)
	}
	clock, err := calendar.NewClock(cal, w, loc)
	if err != nil {
		return nil, nil, err
	}
	return clock, loc, nil
}

func (r *Refresher) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	return stringsOf(ctx, r.conn, q, args...)
}

// stringsOf returns the one String column of q's rows.
// stringsIn is stringsOf for a lookup of values: q names them as the
// external table list (see warehouse.WithList).
func stringsIn(ctx context.Context, conn driver.Conn, values []string, q string) ([]string, error) {
	lctx, err := warehouse.WithList(ctx, values)
	if err != nil {
		return nil, err
	}
	return stringsOf(lctx, conn, q)
}

func stringsOf(ctx context.Context, conn driver.Conn, q string, args ...any) ([]string, error) {
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Run refreshes until ctx ends or done is closed, logging failures and
// going on. It starts with a watermark refresh (Refresh: what was ingested
// before it ran), then makes one interval after the previous refresh ended
// (the catch-up path, which also sees rows other processes wrote), or, when
// Committed was called since, rebuilds the committed requests Settle after
// it (RefreshCommitted). Each refresh restarts both waits, so refreshes
// never run back to back.
//
// The two ends differ: ctx (a stop signal) aborts the refresh in flight;
// done (ingest caught up) lets it finish, and Run returns after it. A
// refresh aborted near its end was lost work: its requests stayed pending,
// and the final refresh rebuilt them all again (a backfill's last live
// cycle could hold most of the requests). A nil done never closes.
func (r *Refresher) Run(ctx context.Context, interval time.Duration, done <-chan struct{}) {
	r.mu.Lock()
	r.run = RunStats{Started: r.Now()}
	r.mu.Unlock()
	watermark := true
	for {
		var (
			res Result
			err error
		)
		if watermark || !r.CaughtUp() {
			res, err = r.Refresh(ctx)
		} else {
			res, err = r.refreshCommitted(ctx, r.Cycle)
		}
		if err != nil && ctx.Err() == nil {
			r.log.Warn("refresh request states", "err", err)
		}
		if err == nil {
			r.finished(res)
		}
		watermark = true
		ended := time.Now()
		poll := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			poll.Stop()
			return
		case <-done:
			poll.Stop()
			return
		case <-poll.C:
		case <-r.kick:
			poll.Stop()
			watermark = false
			settle := time.NewTimer(time.Until(ended.Add(r.Settle)))
			select {
			case <-ctx.Done():
				settle.Stop()
				return
			case <-done:
				settle.Stop()
				return
			case <-settle.C:
			}
		}
	}
}

// RunStats says what Run's refreshes did: how often a live dashboard's
// states were renewed while ingest ran.
type RunStats struct {
	Started time.Time     // when Run started
	Cycles  int           // refreshes that finished
	States  int           // states they wrote
	Last    time.Time     // when the last one finished; zero before the first
	Longest time.Duration // the longest wait for a finished refresh: from Started to the first, then between two
}

// waited counts the wait from the last refresh (or Run's start) until at
// into Longest.
func (st *RunStats) waited(at time.Time) {
	from := st.Last
	if from.IsZero() {
		from = st.Started
	}
	st.Longest = max(st.Longest, at.Sub(from))
}

// finished records a refresh of Run that ended well.
func (r *Refresher) finished(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.Now()
	r.run.waited(now)
	r.run.Cycles++
	r.run.States += res.Requests
	r.run.Last = now
}

// RunStats returns what Run did so far. Until is when the caller stopped
// waiting for the next refresh (ingest's end, say): the wait since the last
// one counts too, so a run whose refreshes never finished shows its whole
// length, not zero.
func (r *Refresher) RunStats(until time.Time) RunStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.run
	if !st.Started.IsZero() {
		st.waited(until)
	}
	return st
}

func unique(ids []string) []string {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// recordRefresh stores the watermark of a finished refresh. (A batch insert:
// INSERT … VALUES through Exec hangs on 18.16.)
func (r *Refresher) recordRefresh(ctx context.Context, watermark time.Time, n int) error {
	b, err := r.conn.PrepareBatch(ctx, "INSERT INTO state_refreshes (refreshed_at, watermark, requests)")
	if err != nil {
		return fmt.Errorf("record refresh: %w", err)
	}
	defer b.Abort()
	if err := b.Append(r.Now().UTC(), watermark, uint64(n)); err != nil {
		return fmt.Errorf("record refresh: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("record refresh: %w", err)
	}
	return nil
}

// staleRow is a request's row in a partition it no longer belongs to.
type staleRow struct {
	requestID string
	month     uint32 // toYYYYMM(opened_date) of the old row
}

// staleRows finds, for the states just written, rows of the same
// requests in another partition (another month of opened_date): FINAL would
// never collapse those with the new rows.
func (r *Refresher) staleRows(ctx context.Context, states []Request) ([]staleRow, error) {
	month := make(map[string]uint32, len(states))
	ids := make([]string, 0, len(states))
	for _, s := range states {
		month[s.RequestID] = uint32(s.OpenedDate.Year()*100 + int(s.OpenedDate.Month()))
		ids = append(ids, s.RequestID)
	}
	lctx, err := warehouse.WithList(ctx, ids)
	if err != nil {
		return nil, err
	}
	rows, err := r.conn.Query(lctx, "SELECT DISTINCT request_id, toYYYYMM(opened_date) FROM request_state WHERE request_id IN "+warehouse.ListTable)
	if err != nil {
		return nil, fmt.Errorf("look up earlier request states: %w", err)
	}
	defer rows.Close()
	var stale []staleRow
	for rows.Next() {
		var s staleRow
		if err := rows.Scan(&s.requestID, &s.month); err != nil {
			return nil, fmt.Errorf("look up earlier request states: %w", err)
		}
		if s.month != month[s.requestID] {
			stale = append(stale, s)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up earlier request states: %w", err)
	}
	return stale, nil
}

// deleteStale removes rows left in old partitions and waits until ClickHouse
// has applied the deletion, so no request is counted twice afterwards.
// Mutations rewrite parts, which is heavy; moves are rare.
//
// On a cluster the mutation goes to the local tables ON CLUSTER: one
// replica of each shard applies it and its Replicated table hands it to
// the others. The wait reads system.mutations of one replica per shard,
// the replicas that reads go to (load_balancing=in_order).
func (r *Refresher) deleteStale(ctx context.Context, stale []staleRow) error {
	if len(stale) == 0 {
		return nil
	}
	target, err := r.stateTarget(ctx)
	if err != nil {
		return err
	}
	for chunk := range slices.Chunk(stale, r.Chunk) {
		var cond strings.Builder
		for i, s := range chunk {
			if i > 0 {
				cond.WriteString(" OR ")
			}
			fmt.Fprintf(&cond, "(request_id = %s AND toYYYYMM(opened_date) = %d)", metrics.Quote(s.requestID), s.month)
		}
		if err := r.conn.Exec(target.ddl(ctx), "ALTER TABLE "+target.table+" DELETE WHERE "+cond.String()); err != nil {
			if !target.unfinished(err) {
				return fmt.Errorf("delete moved request states: %w", err)
			}
			// A node is down: the live replicas have the mutation and the
			// returning node takes it from its replicated table, so the
			// wait below decides, as on every other refresh.
			r.log.Warn("a cluster node has not taken the deletion of moved request states yet; it applies it when it is back", "err", err)
		}
	}
	r.log.Info("request states moved to another month; old rows deleted", "requests", len(stale), "cluster", target.cluster)
	deadline := time.Now().Add(time.Minute)
	for {
		var pending uint64
		if err := r.conn.QueryRow(ctx, target.pending).Scan(&pending); err != nil {
			return fmt.Errorf("wait for deletion of moved request states: %w", err)
		}
		if pending == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("deletion of moved request states still running after a minute")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stateTable is where request_state's mutations go.
type stateTable struct {
	cluster string // "" on one node
	table   string // what ALTER names, ON CLUSTER included
	pending string // counts the mutations not done
}

// ddlTimeout bounds how long an ON CLUSTER mutation waits for every node to
// take it (18.16's default is 180 s): a node that is down must not stall the
// refresher for minutes.
const ddlTimeout = 20

// ddl is ctx with the settings of the mutation.
func (t stateTable) ddl(ctx context.Context) context.Context {
	if t.cluster == "" {
		return ctx
	}
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"distributed_ddl_task_timeout": ddlTimeout}))
}

// unfinished reports the error of an ON CLUSTER statement that some nodes
// have not executed within the timeout (code 159): it stays queued for
// them, and the others have run it.
func (t stateTable) unfinished(err error) bool {
	var ex *clickhouse.Exception
	return t.cluster != "" && errors.As(err, &ex) && ex.Code == 159
}

// stateTarget finds out, once, whether request_state is distributed.
func (r *Refresher) stateTarget(ctx context.Context) (stateTable, error) {
	r.mu.Lock()
	known := r.target
	r.mu.Unlock()
	if known != nil {
		return *known, nil
	}
	// Not a sync.Once: a failed lookup (ClickHouse briefly away) must be
	// tried again on the next refresh, not kept for the process's life.
	t, err := r.lookUpStateTarget(ctx)
	if err != nil {
		return stateTable{}, err
	}
	r.mu.Lock()
	r.target = &t
	r.mu.Unlock()
	return t, nil
}

func (r *Refresher) lookUpStateTarget(ctx context.Context) (stateTable, error) {
	cluster, err := warehouse.ClusterOf(ctx, r.conn, "request_state")
	if err != nil {
		return stateTable{}, err
	}
	if cluster == "" {
		return stateTable{table: "request_state", pending: `SELECT count() FROM system.mutations
			WHERE database = currentDatabase() AND table = 'request_state' AND is_done = 0`}, nil
	}
	var db string
	if err := r.conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
		return stateTable{}, fmt.Errorf("current database: %w", err)
	}
	local := "request_state" + sql.LocalSuffix
	return stateTable{cluster: cluster, table: db + "." + local + " ON CLUSTER " + cluster,
		pending: fmt.Sprintf(`SELECT count() FROM cluster(%s, system.mutations)
			WHERE database = %s AND table = %s AND is_done = 0`, metrics.Quote(cluster), metrics.Quote(db), metrics.Quote(local))}, nil
}
