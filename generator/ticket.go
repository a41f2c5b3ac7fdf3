package generator

import (
	"math"
	"math/rand/v2"
	"strconv"

	"servicepulse/transform"
)

// customer is the personal data of one requester.
type customer struct{ name, phone, address, email string }

// ticket is one service request and everything decided about it up front.
type ticket struct {
	no       int    // creation order, from 0
	num      string // zero-padded ticket number, e.g. 000042
	id       string // request_id, SR-000042
	contract int
	partner  int
	region   int
	model    int
	channel  string
	serial   string
	purchase int64 // local day number of the purchase date; 0 when unknown
	customer customer

	cause, warranty int   // indexes into transform.Causes / Warranties
	partsFee        int64 // cents
	labourFee       int64 // cents
	feeNumbers      uint8 // bit 0: parts fee as a JSON number, bit 1: labour fee

	complaintClass, severity int // indexes into transform.ComplaintClasses / Severities
	tech                     int16
	part                     int16
	repeat                   bool // same serial came back within 30 days of a resolution
}

// noReason marks an event without an optional reason.
const noReason = 255

// cumulative weights for weighted picks.
var (
	contractCum = cumulative(len(contracts), func(i int) float64 { return contracts[i].weight })
	regionCum   = cumulative(len(regions), func(i int) float64 { return regions[i].weight })
	modelCum    = cumulative(len(models), func(i int) float64 { return models[i].weight })
	channelCum  = []float64{35, 53, 60, 88, 100}   // phone, online, email, app, walk_in
	pauseCum    = []float64{55, 80, 90, 100}       // waiting_customer, customer_unreachable, access_denied, other
	severityCum = []float64{30, 70, 92, 100}       // low, medium, high, critical
	otherCum    = []float64{0, 8, 43, 68, 76, 100} // complaint classes when nothing in particular went wrong
	regionPCum  = func() [][]float64 {
		c := make([][]float64, len(regions))
		for i, r := range regions {
			c[i] = cumulative(len(r.pweights), func(j int) float64 { return r.pweights[j] })
		}
		return c
	}()
)

func cumulative(n int, w func(int) float64) []float64 {
	c := make([]float64, n)
	sum := 0.0
	for i := range n {
		sum += w(i)
		c[i] = sum
	}
	return c
}

// pick draws an index with probability proportional to its weight.
func pick(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	for i, c := range cum {
		if x < c {
			return i
		}
	}
	return len(cum) - 1
}

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between returns a uniform duration in seconds in [lo, hi) hours.
func between(r *rand.Rand, lo, hi float64) int64 {
	return int64((lo + (hi-lo)*r.Float64()) * hourSec)
}

// slaFraction draws a delay as a fraction of the SLA: on time (< 1) with a
// skew towards zero set by speed, or late (> 1) with probability late.
func slaFraction(r *rand.Rand, speed, late float64) float64 {
	if chance(r, late) {
		return 1.03 + math.Min(r.ExpFloat64()*0.6, 6)
	}
	return 0.04 + 0.92*math.Pow(r.Float64(), speed)
}

func clamp(v, lo, hi int) int { return max(lo, min(hi, v)) }

// repeatDue is a resolved serial that will fail again.
type repeatDue struct {
	due, resolved int64
	t             *ticket
}

// newTicket creates ticket no at time created and queues its events.
func (g *gen) newTicket(no int, created int64) {
	r := g.r
	t := &ticket{no: no, num: itoa(no+1, g.enc.digits)}
	t.id = "SR-" + t.num
	if prev := g.takeRepeat(created); prev != nil {
		// The same product fails again: same customer, contract, partner.
		t.contract, t.partner, t.region, t.model = prev.contract, prev.partner, prev.region, prev.model
		t.serial, t.purchase, t.customer = prev.serial, prev.purchase, prev.customer
		t.repeat = true
	} else {
		t.contract = pick(r, contractCum)
		t.region = pick(r, regionCum)
		t.partner = regions[t.region].partners[pick(r, regionPCum[t.region])]
		t.model = pick(r, modelCum)
		g.serials[t.model] += 1 + r.IntN(3)
		t.serial = "SN-" + models[t.model].code + "-" + itoa(g.serials[t.model], 6)
		if chance(r, 0.9) {
			day, _ := localDay(created)
			age := int64(math.Min(r.ExpFloat64()*700, 3000)) + 10
			t.purchase = max(day-age, minPurchaseDay)
		}
		t.customer = g.newCustomer(&regions[t.region])
	}
	t.channel = transform.Channels[pick(r, channelCum)]
	t.tech = int16(r.IntN(len(g.w.techs[t.partner])))
	t.part = int16(r.IntN(partsPerModel))
	g.simulate(t, created)
}

var minPurchaseDay = dayNumber(2000, 1, 1)

// takeRepeat returns a serial due to fail again by now, resolved at most 30
// days before, if there is one.
func (g *gen) takeRepeat(now int64) *ticket {
	for len(g.repeats) > 0 && g.repeats[0].due <= now {
		d := g.repeats[0]
		g.repeats = popRepeat(g.repeats)
		if now-d.resolved < 30*daySec-hourSec {
			return d.t
		}
	}
	return nil
}

func (g *gen) newCustomer(reg *region) customer {
	r := g.r
	s := surnames[r.IntN(len(surnames))]
	n := givenNames[r.IntN(len(givenNames))]
	var c customer
	c.name = s.han + n.han

	b := make([]byte, 0, 96)
	b = append(b, mobileHeads[r.IntN(len(mobileHeads))]...)
	for range 9 {
		b = append(b, byte('0'+r.IntN(10)))
	}
	c.phone = string(b)

	ct := reg.cities[r.IntN(len(reg.cities))]
	b = append(b[:0], ct.name...)
	b = append(b, ct.district...)
	b = append(b, roads[r.IntN(len(roads))]...)
	b = strconv.AppendInt(b, int64(1+r.IntN(300)), 10)
	b = append(b, "号"...)
	b = strconv.AppendInt(b, int64(1+r.IntN(30)), 10)
	b = append(b, "栋"...)
	b = strconv.AppendInt(b, int64(1+r.IntN(33)), 10)
	b = append(b, '0')
	b = strconv.AppendInt(b, int64(1+r.IntN(6)), 10)
	b = append(b, "室"...)
	c.address = string(b)

	if chance(r, 0.45) {
		b = append(b[:0], s.pinyin...)
		if chance(r, 0.5) {
			b = append(b, '.')
		}
		b = append(b, n.pinyin...)
		if chance(r, 0.6) {
			b = strconv.AppendInt(b, int64(r.IntN(2000)), 10)
		}
		b = append(b, '@')
		b = append(b, emailDomains[r.IntN(len(emailDomains))]...)
		c.email = string(b)
	}
	return c
}

// requestNote is the free text of a request: the fault in the customer's
// words, sometimes with directions that repeat their phone number or name.
func (g *gen) requestNote(t *ticket) string {
	r := g.r
	m := &models[t.model]
	s := m.faults[r.IntN(len(m.faults))]
	if t.repeat && chance(r, 0.5) {
		s = "上次修过又坏了," + s
	}
	switch x := r.Float64(); {
	case x < 0.45:
		s += "," + requestAsides[r.IntN(len(requestAsides))]
	case x < 0.60:
		s += ",到了请打电话" + t.customer.phone
	case x < 0.68:
		s += ",联系人" + t.customer.name
	}
	return s
}

// lifecycle builds the events of one ticket in time order.
type lifecycle struct {
	g    *gen
	t    *ticket
	last int64 // time of the latest record event
	nRec uint8
	nFb  uint8
}

// add appends a record event no earlier than a minute after the previous one.
func (l *lifecycle) add(k kind, at int64) *event {
	if at < l.last+minuteSec && l.nRec > 0 {
		at = l.last + minuteSec + int64(l.g.r.IntN(240))
	}
	l.last = at
	l.nRec++
	return l.push(k, at, l.nRec)
}

// feedback appends a feedback event (own numbering, own timeline).
func (l *lifecycle) feedback(k kind, at int64) *event {
	l.nFb++
	e := l.push(k, at, l.nFb)
	e.flags |= fContact
	return e
}

func (l *lifecycle) push(k kind, at int64, idNo uint8) *event {
	g := l.g
	g.evs = append(g.evs, event{at: at, t: l.t, seq: uint16(len(g.evs)), idNo: idNo, kind: k, tech: l.t.tech, reason: noReason})
	return &g.evs[len(g.evs)-1]
}

// simulate plays the request's life and queues every event before Now.
func (g *gen) simulate(t *ticket, t0 int64) {
	r := g.r
	c := &contracts[t.contract]
	p := &partners[t.partner]
	m := &models[t.model]
	g.evs = g.evs[:0]
	l := &lifecycle{g: g, t: t}

	ev := l.add(kRequestCreated, t0)
	ev.flags |= fCustomer
	if t.purchase != 0 {
		ev.flags |= fPurchaseDate
	}
	if chance(r, 0.45) {
		ev.text = g.requestNote(t)
	}
	g.decideResolution(t, t0)

	stuck := chance(r, p.stuck)
	cancel := !stuck && chance(r, p.cancel)
	if cancel && chance(r, 0.35) { // withdrawn before anyone answered
		g.cancel(l, t0+between(r, 0.1, 2))
		g.flush()
		return
	}

	// First reply (clause 2.3.1).
	replyAt := clock(c, t0, c.replyH*slaFraction(r, p.speed, p.lateReply))
	replyAt = max(replyAt, t0+2*minuteSec+int64(r.IntN(300)))
	ev = l.add(kAcknowledged, replyAt)
	if !p.own && chance(r, 0.5) {
		ev.flags |= fPartnerRef
	}

	// Visit target (clause 2.3.1), remote service is usually quicker.
	remote := chance(r, m.remoteRate)
	f := slaFraction(r, p.speed, p.lateOnsite)
	if remote && f <= 1 {
		f *= 0.3
	}
	deadline := clock(c, t0, c.onsiteH)
	arrive := clock(c, t0, c.onsiteH*f)
	travel := int64(20*minuteSec + r.IntN(90*minuteSec))
	if remote {
		travel = int64(5*minuteSec + r.IntN(25*minuteSec))
	}
	arrive = max(arrive, l.last+travel+2*minuteSec)
	dispatch := l.last + minuteSec + int64(float64(arrive-travel-l.last-minuteSec)*(0.05+0.5*r.Float64()))
	ev = l.add(kDispatched, dispatch)
	if chance(r, 0.4) {
		ev.flags |= fCustomer
	}
	if !p.own && chance(r, 0.5) {
		ev.flags |= fPartnerRef
	}

	if cancel {
		g.cancel(l, l.last+(arrive-l.last)/2)
		g.flush()
		return
	}
	if stuck && chance(r, 0.5) { // nobody ever shows up
		if chance(r, 0.6) {
			g.complain(l, t, deadline+between(r, 2, 48), classDelay)
		}
		g.flush()
		return
	}

	// The clock is sometimes paused while waiting for the customer.
	if chance(r, 0.05+0.08*(1-p.quality)) && arrive-l.last > 20*minuteSec {
		pauseAt := l.last + minuteSec + int64(float64(arrive-l.last-10*minuteSec)*(0.1+0.5*r.Float64()))
		ev = l.add(kClockPaused, pauseAt)
		ev.reason = uint8(pick(r, pauseCum))
		if chance(r, 0.4) {
			ev.text = pauseNotes[r.IntN(len(pauseNotes))]
		}
		d := int64(math.Min(2+r.ExpFloat64()*18, 96) * hourSec)
		l.add(kClockResumed, l.last+d)
		deadline += d
		arrive = clock(c, max(arrive+d, l.last+travel), 0)
	}

	// Visits until the fault is fixed.
	planned := !remote && chance(r, 0.04)
	needParts := stuck || chance(r, m.partsRate)
	visitKind := kOnsiteArrived
	if remote {
		visitKind = kRemoteStarted
	}
	lateOnsite := arrive > deadline
	visit := uint8(1)
	ev = l.add(visitKind, arrive)
	ev.visit = visit
	if chance(r, 0.08) {
		ev.flags |= fPlannedFalse
	}
	tech := t.tech

	fixed := false
	end := l.last + between(r, 0.5, 3) // when the work of this visit is done
	if needParts {
		lines := 1
		if chance(r, 0.2) {
			lines = 2
		}
		reqAt := l.last + between(r, 0.25, 1)
		var deliver [2]int64
		var stock [2]bool
		for i := range lines {
			ev = l.add(kPartRequested, reqAt)
			ev.line, ev.part = uint8(i+1), int16((int(t.part)+i*5)%partsPerModel)
			if chance(r, 0.3) {
				ev.flags |= fQuantity
				ev.qty = 1
				if chance(r, 0.3) {
					ev.qty = uint8(2 + r.IntN(3))
				}
			}
			stock[i] = chance(r, p.fill)
			switch {
			case stock[i] && chance(r, p.quality): // in the van or the nearby depot
				deliver[i] = l.last + between(r, 0.3, 2.5)
			case stock[i]:
				deliver[i] = l.last + between(r, 6, 40)
			default:
				days := c.partsDays * (0.3 + 0.65*r.Float64())
				if chance(r, p.partsLate) {
					days = c.partsDays * (1.05 + r.ExpFloat64()*0.5)
				}
				deliver[i] = l.last + int64(days*daySec)
			}
		}
		if stuck { // the part never arrives
			if chance(r, 0.6) {
				g.complain(l, t, deadline+between(r, 24, 120), classDelay)
			}
			g.flush()
			return
		}
		order := []int{0, 1}[:lines]
		if lines == 2 && deliver[1] < deliver[0] {
			order = []int{1, 0}
		}
		for _, i := range order {
			ev = l.add(kPartDelivered, deliver[i])
			ev.line, ev.part = uint8(i+1), int16((int(t.part)+i*5)%partsPerModel)
			if stock[i] {
				ev.flags |= fFromStock
			}
		}
		if l.last-reqAt <= 3*hourSec && !planned && chance(r, p.firstFix+0.03) {
			fixed, end = true, l.last+between(r, 0.3, 1.5)
		} else {
			end = clock(c, l.last, 1+15*r.Float64())
		}
	} else if !planned && chance(r, p.firstFix) {
		fixed = true
	} else {
		end = clock(c, end, 4+26*r.Float64())
	}
	for !fixed {
		// Another visit: planned, after the parts, or because the first failed.
		if chance(r, 0.3) || visit >= 2 {
			tech = int16(r.IntN(len(g.w.techs[t.partner])))
			ev = l.add(kDispatched, end-between(r, 1, 8))
			ev.tech = tech
		}
		visit++
		ev = l.add(visitKind, end)
		ev.visit, ev.tech = visit, tech
		if planned && visit == 2 {
			ev.flags |= fPlanned
		}
		fixed = visit >= 3 || chance(r, 0.85)
		end = l.last + between(r, 0.5, 3)
		if !fixed {
			end = clock(c, end, 4+26*r.Float64())
		}
	}
	resolvedAt := g.resolve(l, end, visit, tech)
	g.setFees(t, needParts)

	// Sometimes the customer says it is not fixed.
	reopened := chance(r, p.reopen)
	if reopened {
		ev = l.add(kReopened, resolvedAt+between(r, 12, 120))
		if chance(r, 0.7) {
			ev.reason = uint8(r.IntN(len(reopenReasons)))
		}
		if chance(r, 0.3) {
			ev.text = reopenNotes[r.IntN(len(reopenNotes))]
		}
		reopenAt := l.last
		if chance(r, 0.5) {
			tech = int16(r.IntN(len(g.w.techs[t.partner])))
		}
		ev = l.add(kDispatched, clock(c, reopenAt, 0.2+2*r.Float64()))
		ev.tech = tech
		visit++
		ev = l.add(visitKind, clock(c, reopenAt, c.onsiteH*slaFraction(r, p.speed, p.lateOnsite)))
		ev.visit, ev.tech = visit, tech
		resolvedAt = g.resolve(l, l.last+between(r, 0.5, 2.5), visit, tech)
	}
	l.add(kClosed, resolvedAt+between(r, 24, 168))

	if chance(r, p.repeat) {
		g.repeats = pushRepeat(g.repeats, repeatDue{due: resolvedAt + between(r, 24, 27*24), resolved: resolvedAt, t: t})
	}

	// Satisfaction survey for about 60% of resolved requests (clause 5.4).
	score := p.quality + 0.12*r.NormFloat64()
	if lateOnsite {
		score -= 0.15
	}
	if reopened {
		score -= 0.25
	}
	if t.repeat {
		score -= 0.15
	}
	if visit > 1 {
		score -= 0.07
	}
	complained := g.maybeComplain(l, t, lateOnsite, reopened, deadline, resolvedAt)
	if complained {
		score -= 0.25
	}
	if chance(r, p.surveyRate) {
		ev = l.feedback(kSurvey, resolvedAt+int64(math.Min(2+r.ExpFloat64()*20, 200)*hourSec))
		ev.csat = int8(clamp(int(math.Round(2.2+3.2*score+0.6*r.NormFloat64())), 1, 5))
		ev.nps = int8(clamp(int(math.Round(4+6.5*score+1.5*r.NormFloat64())), 0, 10))
		ev.ces = int8(clamp(int(math.Round(1.5+5.5*score+0.8*r.NormFloat64())), 1, 7))
		if chance(r, 0.92) {
			ev.flags |= fCSAT
		}
		if chance(r, 0.8) {
			ev.flags |= fNPS
		}
		if chance(r, 0.65) {
			ev.flags |= fCES
		}
		if ev.flags&(fCSAT|fNPS|fCES) == 0 {
			ev.flags |= fCSAT
		}
		if chance(r, 0.3) {
			switch {
			case score > 0.7:
				ev.text = goodComments[r.IntN(len(goodComments))]
			case score > 0.45:
				ev.text = midComments[r.IntN(len(midComments))]
			default:
				ev.text = badComments[r.IntN(len(badComments))]
			}
		}
	}
	g.flush()
}

// decideResolution fixes the cause and the warranty status.
func (g *gen) decideResolution(t *ticket, t0 int64) {
	r := g.r
	switch x := r.Float64(); {
	case x < 0.80:
		t.cause = 0 // product_quality
	case x < 0.95:
		t.cause = 1 // user_misuse
	default:
		t.cause = 2 // force_majeure
	}
	extended := chance(r, 0.25)
	if t.purchase == 0 {
		switch x := r.Float64(); {
		case x < 0.55:
			t.warranty = 0
		case x < 0.88:
			t.warranty = 1
		default:
			t.warranty = 2
		}
		return
	}
	day, _ := localDay(t0)
	years := float64(day-t.purchase) / 365.25
	w := float64(models[t.model].warrantyYears)
	switch {
	case years < w:
		t.warranty = 0 // in_warranty
	case extended && years < w+3:
		t.warranty = 2 // extended
	default:
		t.warranty = 1 // out_of_warranty
	}
}

// setFees prices the repair: free when a warranty covers a product-quality
// fault, paid otherwise (clauses 4.1, 4.3, 6.2).
func (g *gen) setFees(t *ticket, parts bool) {
	r := g.r
	t.feeNumbers = uint8(r.IntN(4)) & uint8(r.IntN(4)) // each fee a JSON number ~25% of the time
	if t.cause == 0 && t.warranty != 1 {
		return
	}
	t.labourFee = int64(80+10*r.IntN(23)) * 100
	if chance(r, 0.3) {
		t.labourFee += 50
	}
	if parts {
		t.partsFee = int64(5000 + r.IntN(175000))
	}
}

func (g *gen) resolve(l *lifecycle, at int64, visit uint8, tech int16) int64 {
	ev := l.add(kResolved, at)
	ev.visit, ev.tech = visit, tech
	if chance(g.r, 0.25) {
		ev.flags |= fCurrency
	}
	return l.last
}

func (g *gen) cancel(l *lifecycle, at int64) {
	ev := l.add(kCancelled, at)
	if chance(g.r, 0.3) {
		ev.text = cancelNotes[g.r.IntN(len(cancelNotes))]
	}
}

// maybeComplain opens a complaint (clause 5.3) with a chance that grows with
// what went wrong.
func (g *gen) maybeComplain(l *lifecycle, t *ticket, late, reopened bool, deadline, resolvedAt int64) bool {
	r := g.r
	p := &partners[t.partner]
	pc := p.complaint
	if late {
		pc += 0.2
	}
	if reopened {
		pc += 0.25
	}
	if t.repeat {
		pc += 0.15
	}
	if !chance(r, pc) {
		return false
	}
	switch {
	case late && (!reopened || chance(r, 0.5)):
		g.complain(l, t, deadline+between(r, 1, 24), classDelay)
	case reopened || t.repeat:
		g.complain(l, t, resolvedAt+between(r, 24, 96), classQuality)
	default:
		g.complain(l, t, resolvedAt+between(r, 2, 120), pick(r, otherCum))
	}
	return true
}

// Indexes into transform.ComplaintClasses.
const (
	classDelay   = 0
	classQuality = 1
)

// complain queues complaint_opened at time at and, mostly, its resolution.
// class is the likely category (an index into transform.ComplaintClasses),
// replaced by another one now and then.
func (g *gen) complain(l *lifecycle, t *ticket, at int64, class int) {
	r := g.r
	p := &partners[t.partner]
	t.complaintClass = class
	if chance(r, 0.2) {
		t.complaintClass = pick(r, otherCum)
	}
	t.severity = pick(r, severityCum)
	if t.severity < 3 && chance(r, 0.5*(1-p.quality)) {
		t.severity++
	}
	ev := l.feedback(kComplaintOpened, at)
	if chance(r, 0.7) {
		cs := complaintComments[transform.ComplaintClasses[t.complaintClass]]
		ev.text = cs[r.IntN(len(cs))]
	}
	if chance(r, 0.85) {
		h := (2 + 38*r.Float64()) * (2 - p.quality)
		ev = l.feedback(kComplaintResolved, clock(&contracts[t.contract], at, h))
		if chance(r, 0.3) {
			ev.text = complaintClosingComments[r.IntN(len(complaintClosingComments))]
		}
	}
}
