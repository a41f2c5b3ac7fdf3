package bench

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"servicepulse/warehouse"
	"slices"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/generator"
	"servicepulse/transform"
)

// freshnessSample is the number of requests whose freshness is measured,
// and freshnessPoll how often their states are read (the issue asks for
// 100 ms or finer).
const (
	freshnessSample = 200
	freshnessPoll   = 100 * time.Millisecond
)

// sampled is one request whose freshness is measured: its state reflects
// its last event once the state's events count (distinct event ids, as
// sla.Build counts them) reaches Events.
type sampled struct {
	RequestID string
	Events    uint32
	Last      int // index in the messages of its last valid service record
}

// pickRequests returns the keys (request ids) of up to n requests whose last
// valid service record is spread evenly over msgs, so the sample covers the
// whole produce, from the first batches to the last. It trusts the
// generator's Malformed mark; planSample then checks with transform.
func pickRequests(msgs []generator.Message, n int) []string {
	last := map[string]int{}
	for i, m := range msgs {
		if m.Topic == generator.Records && m.Malformed == "" {
			last[string(m.Key)] = i
		}
	}
	type keyAt struct {
		key string
		at  int
	}
	all := make([]keyAt, 0, len(last))
	for k, at := range last {
		all = append(all, keyAt{k, at})
	}
	slices.SortFunc(all, func(a, b keyAt) int { return a.at - b.at })
	if len(all) <= n {
		n = len(all)
	}
	keys := make([]string, 0, n)
	for i := range n {
		// The middle of the i-th of n equal slices: distinct for n ≤ len.
		keys = append(keys, all[(2*i+1)*len(all)/(2*n)].key)
	}
	return keys
}

// recordDecoder is the part of *transform.Transformer planSample uses.
type recordDecoder interface {
	DecodeRecord(src transform.Source, value []byte) (transform.ServiceEvent, *transform.Reject)
}

// planSample decodes the service records of the requests keyed by keys as
// ingest would, and returns what each state must show once its last event
// is in, ordered by that event's index. A request none of whose records
// decodes is left out.
func planSample(msgs []generator.Message, keys []string, dec recordDecoder) []sampled {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	type seen struct {
		id   string
		ids  map[string]bool
		last int
	}
	byKey := map[string]*seen{}
	for i, m := range msgs {
		if m.Topic != generator.Records || !want[string(m.Key)] {
			continue
		}
		ev, rej := dec.DecodeRecord(transform.Source{Topic: "bench", Offset: int64(i)}, m.Value)
		if rej != nil {
			continue
		}
		s := byKey[string(m.Key)]
		if s == nil {
			s = &seen{id: ev.RequestID, ids: map[string]bool{}}
			byKey[string(m.Key)] = s
		}
		s.ids[ev.EventID], s.last = true, i
	}
	out := make([]sampled, 0, len(byKey))
	for _, s := range byKey {
		out = append(out, sampled{RequestID: s.id, Events: uint32(len(s.ids)), Last: s.last})
	}
	slices.SortFunc(out, func(a, b sampled) int { return a.Last - b.Last })
	return out
}

// freshness follows the sample through one run: the producer stamps when
// each request's last event is handed to Kafka (handing), the poller when
// a state reflecting it is visible in request_state (poll).
type freshness struct {
	samples []sampled
	handed  []atomic.Int64 // unix nanos; 0 until handed
	visible []int64        // unix nanos; 0 until seen; the poller's own
	next    int            // the first sample not yet handed; the producer's own
}

func newFreshness(samples []sampled) *freshness {
	return &freshness{samples: samples, handed: make([]atomic.Int64, len(samples)), visible: make([]int64, len(samples))}
}

// handing records that msgs[lo:hi] are handed to Kafka now. Calls come in
// order of lo, from one goroutine.
func (f *freshness) handing(lo, hi int) {
	now := time.Now().UnixNano()
	for f.next < len(f.samples) && f.samples[f.next].Last < hi {
		if f.samples[f.next].Last >= lo {
			f.handed[f.next].Store(now)
		}
		f.next++
	}
}

// poll reads the states of the handed, not yet visible samples every
// freshnessPoll until all are visible, or until done is closed, after which
// it reads them once more (the final refresh is over by then). A failed read
// is logged and retried at the next tick: the load it runs under is the
// point of the measurement.
func (f *freshness) poll(ctx context.Context, conn driver.Conn, done <-chan struct{}, log *slog.Logger) {
	tick := time.NewTicker(freshnessPoll)
	defer tick.Stop()
	for {
		last := false
		select {
		case <-ctx.Done():
			return
		case <-done:
			last = true
		case <-tick.C:
		}
		if err := f.readStates(ctx, conn); err != nil {
			log.Warn("bench: read the sampled request states", "err", err)
		}
		if last || f.unseen() == 0 {
			return
		}
	}
}

// readStates marks visible, at the moment the read returned (an upper
// bound), every pending sample whose state counts all its events.
func (f *freshness) readStates(ctx context.Context, conn driver.Conn) error {
	want := map[string]int{}
	var ids []string
	for i, s := range f.samples {
		if f.visible[i] == 0 && f.handed[i].Load() != 0 {
			want[s.RequestID] = i
			ids = append(ids, s.RequestID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	// The poll runs ten times a second beside the ingest it measures, so it
	// asks little of the server: the ids as an external table (literals
	// cost more to parse), and no FINAL. A request's rows only gain events
	// (each build counts the distinct events stored), so any row with the
	// sample's count is one the newest state, which FINAL shows, matches.
	lctx, err := warehouse.WithList(ctx, ids)
	if err != nil {
		return err
	}
	rows, err := conn.Query(lctx, "SELECT request_id, events FROM request_state WHERE request_id IN "+warehouse.ListTable)
	if err != nil {
		return fmt.Errorf("query request_state: %w", err)
	}
	defer rows.Close()
	type state struct {
		id     string
		events uint32
	}
	var got []state
	for rows.Next() {
		var s state
		if err := rows.Scan(&s.id, &s.events); err != nil {
			return fmt.Errorf("scan request_state: %w", err)
		}
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read request_state: %w", err)
	}
	now := time.Now().UnixNano()
	for _, s := range got {
		if i, ok := want[s.id]; ok && s.events >= f.samples[i].Events {
			f.visible[i] = now
		}
	}
	return nil
}

// unseen counts the samples whose state never showed their last event.
func (f *freshness) unseen() int {
	n := 0
	for _, v := range f.visible {
		if v == 0 {
			n++
		}
	}
	return n
}

// seconds returns the freshness of every sample seen: from its last event
// handed to Kafka to its state visible.
func (f *freshness) seconds() []float64 {
	var out []float64
	for i, v := range f.visible {
		if h := f.handed[i].Load(); v != 0 && h != 0 {
			out = append(out, time.Duration(v-h).Seconds())
		}
	}
	return out
}

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of xs:
// the smallest value with at least p% of the values at or below it. It is 0
// for no values. xs is not modified.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}
