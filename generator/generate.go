package generator

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Generate produces the traffic described by cfg (validated first) and calls
// emit for every message: the events of all requests merged in time order,
// with the malformed messages interleaved. The order and bytes depend only on
// cfg. Generate stops at the first error emit returns and returns it.
func Generate(cfg Config, emit func(Message) error) (Summary, error) {
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	g := newGen(&cfg)
	err := g.run(emit)
	return g.sum, err
}

// PersonalData returns, sorted, every clear-text personal value that
// Generate(cfg) writes into messages, valid or malformed: customer names,
// phones, addresses, e-mails, and notes and comments. An oversize message's
// note repeats a value of this list many times; the list holds that value once.
func PersonalData(cfg Config) ([]string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := newGen(&cfg)
	g.enc.pii = map[string]struct{}{}
	if err := g.run(func(Message) error { return nil }); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(g.enc.pii))
	for s := range g.enc.pii {
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

// Random streams: the valid traffic and the malformed messages draw from
// separate streams, so BadRate never changes the valid messages.
const (
	streamTraffic   = 0x7472_6166_6669_6300 // "traffic"
	streamMalformed = 0x6d61_6c66_6f72_6d00 // "malform"
)

type gen struct {
	cfg           *Config
	from, to, now int64
	r, br         *rand.Rand
	w             *world
	enc           encoder

	// The emission queue: a min-heap of pointer-free keys on (time, ticket,
	// seq) over the events parked in slab, so that heap moves cost no GC
	// write barriers.
	q       []queued
	slab    []event
	free    []int32
	evs     []event // the events of the ticket being simulated
	repeats []repeatDue
	serials []int

	arena   []byte // Message keys and values are carved from here
	scratch []byte // the message being encoded
	big     []byte // the oversize message being built
	idBuf   []byte
	badAcc  float64
	sum     Summary
}

func newGen(cfg *Config) *gen {
	g := &gen{cfg: cfg}
	g.from, g.to, g.now = cfg.window()
	g.r = rand.New(rand.NewPCG(uint64(cfg.Seed), streamTraffic))
	g.br = rand.New(rand.NewPCG(uint64(cfg.Seed), streamMalformed))
	g.w = newWorld(g.r)
	g.enc = encoder{w: g.w, digits: max(6, len(itoa(cfg.Tickets, 1)))}
	g.serials = make([]int, len(models))
	for i := range g.serials {
		g.serials[i] = 1000 + g.r.IntN(9000)
	}
	to := cfg.From.Add(time.Duration(cfg.Days) * 24 * time.Hour)
	if to.After(cfg.Now) {
		to = cfg.Now
	}
	g.sum = Summary{
		Tickets: cfg.Tickets, Seed: cfg.Seed, From: cfg.From.In(shanghai), To: to.In(shanghai),
		MalformedByReason: map[string]int{}, MalformedByTopic: map[string]int{},
	}
	return g
}

func (g *gen) run(emit func(Message) error) error {
	for i, at := range g.creationTimes() {
		next := queued{at: at, ord: uint64(i) << 16}
		for len(g.q) > 0 && g.q[0].less(&next) {
			if err := g.emitEvent(emit); err != nil {
				return err
			}
		}
		g.newTicket(i, at)
	}
	for len(g.q) > 0 {
		if err := g.emitEvent(emit); err != nil {
			return err
		}
	}
	return nil
}

// Relative request rates by local hour: mostly working hours, some evenings,
// few at night.
var hourWeight = [24]float64{
	0.04, 0.03, 0.02, 0.02, 0.02, 0.04, 0.10, 0.30, 0.70, 1.0, 1.0, 0.95,
	0.60, 0.80, 1.0, 1.0, 0.95, 0.85, 0.65, 0.50, 0.45, 0.35, 0.20, 0.08,
}

// dayWeight is the relative request rate of a local day.
func dayWeight(day int64) float64 {
	switch {
	case holidays[day]:
		return 0.3
	case weekday(day) == 6:
		return 0.45
	case weekday(day) == 0:
		return 0.35
	}
	return 1
}

// creationTimes draws the request times, sorted, by rejection sampling of
// the day and hour rates.
func (g *gen) creationTimes() []int64 {
	n := g.cfg.Tickets
	times := make([]int64, 0, n)
	span := g.to - g.from
	for len(times) < n {
		t := g.from + g.r.Int64N(span)
		day, sod := localDay(t)
		if g.r.Float64() < dayWeight(day)*hourWeight[sod/hourSec] {
			times = append(times, t)
		}
	}
	slices.Sort(times)
	return times
}

// flush queues the simulated events that happen before Now.
func (g *gen) flush() {
	for i := range g.evs {
		if g.evs[i].at < g.now {
			g.push(g.evs[i])
		}
	}
}

// queued is the heap entry of an event parked in gen.slab.
type queued struct {
	at  int64
	ord uint64 // ticket number << 16 | seq
	idx int32  // into gen.slab
}

func (a *queued) less(b *queued) bool {
	return a.at < b.at || a.at == b.at && a.ord < b.ord
}

func (g *gen) push(ev event) {
	var idx int32
	if n := len(g.free); n > 0 {
		idx = g.free[n-1]
		g.free = g.free[:n-1]
		g.slab[idx] = ev
	} else {
		idx = int32(len(g.slab))
		g.slab = append(g.slab, ev)
	}
	q := append(g.q, queued{at: ev.at, ord: uint64(ev.t.no)<<16 | uint64(ev.seq), idx: idx})
	i := len(q) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q[i].less(&q[p]) {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
	g.q = q
}

func (g *gen) pop() event {
	q := g.q
	top := q[0]
	n := len(q) - 1
	q[0] = q[n]
	q = q[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q[r].less(&q[l]) {
			m = r
		}
		if !q[m].less(&q[i]) {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	g.q = q
	ev := g.slab[top.idx]
	g.slab[top.idx] = event{}
	g.free = append(g.free, top.idx)
	return ev
}

func pushRepeat(h []repeatDue, d repeatDue) []repeatDue {
	h = append(h, d)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p].due <= h[i].due {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

func popRepeat(h []repeatDue) []repeatDue {
	n := len(h) - 1
	h[0] = h[n]
	h[n] = repeatDue{}
	h = h[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].due < h[l].due {
			m = r
		}
		if h[m].due >= h[i].due {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return h
}

// arenaChunk is the allocation unit of message bytes: a kept message keeps
// at most this much memory alive besides itself.
const arenaChunk = 256 << 10

// keep copies b into the arena and returns the copy, capped so that the
// receiver appending to it cannot overwrite the next message.
func (g *gen) keep(b []byte) []byte {
	if len(b) > arenaChunk/8 { // an oversize message gets its own allocation
		return append(make([]byte, 0, len(b)), b...)
	}
	if cap(g.arena)-len(g.arena) < len(b) {
		g.arena = make([]byte, 0, max(arenaChunk, len(b)))
	}
	s := len(g.arena)
	g.arena = append(g.arena, b...)
	return g.arena[s:len(g.arena):len(g.arena)]
}

func (g *gen) keepString(s string) []byte {
	if cap(g.arena)-len(g.arena) < len(s) {
		g.arena = make([]byte, 0, max(arenaChunk, len(s)))
	}
	n := len(g.arena)
	g.arena = append(g.arena, s...)
	return g.arena[n:len(g.arena):len(g.arena)]
}

// emitEvent emits the next queued event and, at BadRate, malformed messages.
func (g *gen) emitEvent(emit func(Message) error) error {
	ev := g.pop()
	g.idBuf = g.enc.appendEventID(g.idBuf[:0], &ev)
	g.scratch = g.enc.encode(g.scratch[:0], &ev, g.idBuf)
	topic := ev.kind.stream()
	if err := emit(Message{Topic: topic, Key: g.keepString(ev.t.id), Value: g.keep(g.scratch)}); err != nil {
		return err
	}
	if topic == Records {
		g.sum.Records++
	} else {
		g.sum.Feedback++
	}
	if g.cfg.BadRate == 0 {
		return nil
	}
	// On average BadRate malformed messages per valid one, irregularly spaced.
	g.badAcc += 2 * g.cfg.BadRate * g.br.Float64()
	for g.badAcc >= 1 {
		g.badAcc--
		m := g.malformed(&ev)
		if err := emit(m); err != nil {
			return err
		}
		g.sum.Malformed++
		g.sum.MalformedByReason[string(m.Malformed)]++
		g.sum.MalformedByTopic[string(m.Topic)]++
	}
	return nil
}
