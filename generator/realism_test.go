package generator

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The dashboards later rediscover the partners' qualities from this traffic,
// so the traffic must carry them: this test measures the KPIs of
// /work/shared/DESIGN.md on generated data and checks that the excellent
// partner and the poor one come out clearly apart, and that the mixes
// (causes, warranty, fees, channels, times of day) look like a real service.

type wire struct {
	EventType  string `json:"event_type"`
	OccurredAt string `json:"occurred_at"`
	RequestID  string `json:"request_id"`
	ContractID string `json:"contract_id"`
	PartnerID  string `json:"partner_id"`
	Channel    string `json:"channel"`
	Product    *struct {
		Serial       string `json:"serial"`
		PurchaseDate string `json:"purchase_date"`
	} `json:"product"`
	Technician *struct {
		ID        string `json:"id"`
		Certified bool   `json:"certified"`
	} `json:"technician"`
	VisitNo         int   `json:"visit_no"`
	PlannedFollowUp *bool `json:"planned_follow_up"`
	Part            *struct {
		LineID    string `json:"line_id"`
		FromStock bool   `json:"from_stock"`
	} `json:"part"`
	Resolution *struct {
		Cause     string          `json:"cause"`
		Warranty  string          `json:"warranty"`
		PartsFee  json.RawMessage `json:"parts_fee"`
		LabourFee json.RawMessage `json:"labour_fee"`
	} `json:"resolution"`
	Survey *struct {
		CSAT *int `json:"csat"`
		NPS  *int `json:"nps"`
		CES  *int `json:"ces"`
	} `json:"survey"`
	Customer *struct {
		Email string `json:"email"`
	} `json:"customer"`
	Note    string `json:"note"`
	Comment string `json:"comment"`

	at time.Time
}

type request struct {
	created              wire
	events               []wire // records, in order
	feedback             []wire
	contract             *contract
	firstResolved, final time.Time
}

type partnerStats struct {
	requests, due, replyOK, onsiteOK, visits, certified, resolved, firstFix int
	resolutions, repeats, lines, fromStock, linesDue, linesOK               int
	surveys, csatN, csatTop, npsN, promoters, detractors, complaints        int
}

func (s *partnerStats) String() string {
	pct := func(a, b int) string {
		if b == 0 {
			return "  -  "
		}
		return fmt.Sprintf("%5.1f", 100*float64(a)/float64(b))
	}
	return fmt.Sprintf("n=%5d reply%% %s onsite%% %s cert%% %s ftf%% %s repeat%% %s fill%% %s partsOK%% %s survey%% %s csat%% %s nps %s compl/100 %s",
		s.requests, pct(s.replyOK, s.due), pct(s.onsiteOK, s.due), pct(s.certified, s.visits), pct(s.firstFix, s.resolved),
		pct(s.repeats, s.resolutions), pct(s.fromStock, s.lines), pct(s.linesOK, s.linesDue), pct(s.surveys, s.resolved),
		pct(s.csatTop, s.csatN), fmt.Sprintf("%+5.0f", s.nps()), pct(s.complaints, s.requests))
}

func (s *partnerStats) rate(a, b int) float64 { return float64(a) / float64(max(b, 1)) }
func (s *partnerStats) nps() float64 {
	return 100 * float64(s.promoters-s.detractors) / float64(max(s.npsN, 1))
}

func TestTrafficLooksReal(t *testing.T) {
	if testing.Short() {
		t.Skip("measures 20,000 tickets")
	}
	g := generate(t, testConfig(20000, 0))
	reqs := map[string]*request{}
	var order []string
	contractByID := map[string]*contract{}
	for i := range contracts {
		contractByID[contracts[i].id] = &contracts[i]
	}
	for _, m := range g.msgs {
		var w wire
		if err := json.Unmarshal(m.Value, &w); err != nil {
			t.Fatal(err)
		}
		w.at, _ = time.Parse(time.RFC3339, w.OccurredAt)
		if w.EventType == "request_created" {
			reqs[w.RequestID] = &request{created: w, contract: contractByID[w.ContractID]}
			order = append(order, w.RequestID)
		}
		r := reqs[w.RequestID]
		if m.Topic == Feedback {
			r.feedback = append(r.feedback, w)
			continue
		}
		r.events = append(r.events, w)
		if w.EventType == "resolved" {
			if r.firstResolved.IsZero() {
				r.firstResolved = w.at
			}
			r.final = w.at
		}
	}

	stats := map[string]*partnerStats{}
	count := map[string]int{}
	lastResolution := map[string]time.Time{} // serial → latest resolution so far
	lastOwner := map[string]string{}         // serial → the request resolved then
	for _, id := range order {
		r := reqs[id]
		c := r.contract
		s := stats[r.created.PartnerID]
		if s == nil {
			s = &partnerStats{}
			stats[r.created.PartnerID] = s
		}
		s.requests++
		created := r.created.at
		serial := r.created.Product.Serial
		if last, ok := lastResolution[serial]; ok && created.Sub(last) < 30*24*time.Hour {
			count["repeat requests"]++
			stats[reqs[lastOwner[serial]].created.PartnerID].repeats++
		}
		hour := created.In(shanghai).Hour()
		day, _ := localDay(created.Unix())
		switch {
		case holidays[day]:
			count["on holidays"]++
		case weekday(day) == 0 || weekday(day) == 6:
			count["on weekends"]++
		}
		if hour < 7 || hour >= 22 {
			count["at night"]++
		}
		if workingDay(day) && hour >= 9 && hour < 18 {
			count["in working hours"]++
		}
		if r.created.Note != "" {
			count["with a note"]++
		}
		if r.created.Customer.Email == "" {
			count["without e-mail"]++
		}
		if r.created.Product.PurchaseDate == "" {
			count["without purchase date"]++
		}

		replyDue := time.Unix(clock(c, created.Unix(), c.replyH), 0)
		onsiteDue := time.Unix(clock(c, created.Unix(), c.onsiteH), 0)
		var acked, arrived, cancelled, reopened, planned bool
		var pausedAt time.Time
		firstVisitNo := 0
		requested := map[string]time.Time{}
		for _, e := range r.events {
			switch e.EventType {
			case "acknowledged":
				if !acked && replyDue.Before(g.cfg.Now) {
					s.due++
					if !e.at.After(replyDue) {
						s.replyOK++
					}
				}
				acked = true
			case "clock_paused":
				pausedAt = e.at
				count["pauses"]++
			case "clock_resumed":
				if !arrived {
					onsiteDue = onsiteDue.Add(e.at.Sub(pausedAt))
				}
			case "onsite_arrived", "remote_started":
				s.visits++
				if e.Technician.Certified {
					s.certified++
				}
				if !arrived && onsiteDue.Before(g.cfg.Now) && !e.at.After(onsiteDue) {
					s.onsiteOK++
				}
				arrived = true
				if e.PlannedFollowUp != nil && *e.PlannedFollowUp {
					planned = true
					count["planned follow-ups"]++
				}
				count[e.EventType]++
			case "part_requested":
				requested[e.Part.LineID] = e.at
			case "part_delivered":
				s.lines++
				if e.Part.FromStock {
					s.fromStock++
				}
				s.linesDue++
				if e.at.Sub(requested[e.Part.LineID]) <= time.Duration(c.partsDays*24)*time.Hour {
					s.linesOK++
				}
			case "resolved":
				if firstVisitNo == 0 {
					firstVisitNo = e.VisitNo
				}
				res := e.Resolution
				count["cause "+res.Cause]++
				count["warranty "+res.Warranty]++
				for _, fee := range []json.RawMessage{res.PartsFee, res.LabourFee} {
					if fee[0] == '"' {
						count["fees as strings"]++
					} else {
						count["fees as numbers"]++
					}
					zero := strings.Trim(string(fee), `"`)
					free := res.Cause == "product_quality" && res.Warranty != "out_of_warranty"
					if free && zero != "0" && zero != "0.00" {
						t.Fatalf("%s: %s fault %s, but charged %s", id, res.Cause, res.Warranty, fee)
					}
					if res.Warranty == "out_of_warranty" && zero != "0" && zero != "0.00" {
						count["paid fees out of warranty"]++
					}
				}
			case "reopened":
				reopened = true
				count["reopened"]++
			case "cancelled":
				cancelled = true
				count["cancelled"]++
			}
		}
		if !r.firstResolved.IsZero() {
			s.resolved++
			s.resolutions++
			if firstVisitNo == 1 && !reopened && !planned {
				s.firstFix++
			}
			lastResolution[serial] = r.final
			lastOwner[serial] = id
		} else if !cancelled {
			count["open"]++
			if onsiteDue.Before(g.cfg.Now) {
				count["open past the on-site deadline"]++
			}
		}
		for _, f := range r.feedback {
			switch f.EventType {
			case "survey_submitted":
				s.surveys++
				if f.Survey.CSAT != nil {
					s.csatN++
					if *f.Survey.CSAT >= 4 {
						s.csatTop++
					}
				}
				if f.Survey.NPS != nil {
					s.npsN++
					switch {
					case *f.Survey.NPS >= 9:
						s.promoters++
					case *f.Survey.NPS <= 6:
						s.detractors++
					}
				}
				if f.Survey.CSAT == nil || f.Survey.NPS == nil || f.Survey.CES == nil {
					count["partial surveys"]++
				}
				if f.Comment != "" {
					count["survey comments"]++
				}
			case "complaint_opened":
				s.complaints++
			case "complaint_resolved":
				count["complaints resolved"]++
			}
		}
	}

	ids := make([]string, 0, len(stats))
	for id := range stats {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		t.Logf("%-13s %s", id, stats[id])
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Logf("%-32s %6d", k, count[k])
	}

	best, worst := stats["PT-OWN-EAST"], stats["PT-QUICKFIX"]
	n := len(order)
	for _, c := range []struct {
		what      string
		got       float64
		low, high float64
	}{
		{"best reply SLA", best.rate(best.replyOK, best.due), 0.95, 1},
		{"worst reply SLA", worst.rate(worst.replyOK, worst.due), 0.6, 0.85},
		{"best on-site SLA", best.rate(best.onsiteOK, best.due), 0.93, 1},
		{"worst on-site SLA", worst.rate(worst.onsiteOK, worst.due), 0.5, 0.75},
		{"best certified", best.rate(best.certified, best.visits), 0.95, 1},
		{"worst certified", worst.rate(worst.certified, worst.visits), 0.62, 0.78},
		{"best first-time fix", best.rate(best.firstFix, best.resolved), 0.82, 1},
		{"worst first-time fix", worst.rate(worst.firstFix, worst.resolved), 0.35, 0.62},
		{"best repeat repair", best.rate(best.repeats, best.resolutions), 0, 0.05},
		{"worst repeat repair", worst.rate(worst.repeats, worst.resolutions), 0.08, 0.25},
		{"best fill rate", best.rate(best.fromStock, best.lines), 0.8, 0.95},
		{"worst fill rate", worst.rate(worst.fromStock, worst.lines), 0.35, 0.55},
		{"best CSAT (4–5 of 5)", best.rate(best.csatTop, best.csatN), 0.85, 1},
		{"worst CSAT (4–5 of 5)", worst.rate(worst.csatTop, worst.csatN), 0.05, 0.45},
		{"best NPS / 100", best.nps() / 100, 0.4, 1},
		{"worst NPS / 100", worst.nps() / 100, -1, -0.2},
		{"best complaints per request", best.rate(best.complaints, best.requests), 0, 0.04},
		{"worst complaints per request", worst.rate(worst.complaints, worst.requests), 0.15, 0.4},
		{"survey response rate", float64(sumOf(stats, func(s *partnerStats) int { return s.surveys })) /
			float64(sumOf(stats, func(s *partnerStats) int { return s.resolved })), 0.55, 0.65},
		{"product quality faults", ratio(count, "cause product_quality", "cause user_misuse", "cause force_majeure"), 0.75, 0.85},
		{"force majeure faults", ratio(count, "cause force_majeure", "cause user_misuse", "cause product_quality"), 0.02, 0.08},
		{"in-warranty repairs", ratio(count, "warranty in_warranty", "warranty out_of_warranty", "warranty extended"), 0.4, 0.8},
		{"extended-warranty repairs", ratio(count, "warranty extended", "warranty out_of_warranty", "warranty in_warranty"), 0.03, 0.2},
		{"fees as JSON numbers", ratio(count, "fees as numbers", "fees as strings"), 0.1, 0.4},
		{"requests in working hours", frac(count["in working hours"], n), 0.6, 0.9},
		{"requests at night (22–7 h)", frac(count["at night"], n), 0.01, 0.1},
		{"requests on weekends", frac(count["on weekends"], n), 0.08, 0.2},
		{"requests on holidays (3 of 92 days)", frac(count["on holidays"], n), 0.002, 0.02},
		{"repeat requests", frac(count["repeat requests"], n), 0.02, 0.1},
		{"cancelled", frac(count["cancelled"], n), 0.02, 0.07},
		{"reopened", frac(count["reopened"], n), 0.02, 0.1},
		{"open at Now", frac(count["open"], n), 0.002, 0.05},
		{"open past the deadline", frac(count["open past the on-site deadline"], n), 0.002, 0.05},
		{"remote services", frac(count["remote_started"], n), 0.05, 0.2},
		{"planned follow-ups", frac(count["planned follow-ups"], n), 0.01, 0.06},
		{"clock pauses", frac(count["pauses"], n), 0.03, 0.15},
		{"requests with a note", frac(count["with a note"], n), 0.3, 0.6},
		{"customers without e-mail", frac(count["without e-mail"], n), 0.4, 0.7},
		{"requests without purchase date", frac(count["without purchase date"], n), 0.05, 0.15},
		{"partial surveys", frac(count["partial surveys"], n), 0.05, 0.5},
		{"survey comments", frac(count["survey comments"], n), 0.05, 0.3},
		{"paid fees out of warranty", frac(count["paid fees out of warranty"], n), 0.05, 1},
		{"complaints resolved", frac(count["complaints resolved"], n), 0.01, 0.1},
	} {
		if c.got < c.low || c.got > c.high {
			t.Errorf("%s = %.3f, want %.3f … %.3f", c.what, c.got, c.low, c.high)
		}
	}
	// Partners are ordered by quality between the two ends too.
	for _, mid := range []string{"PT-OWN-NORTH", "PT-SOUTH", "PT-CENTRAL", "PT-WEST", "PT-NORTHEAST"} {
		s := stats[mid]
		if s.nps() <= worst.nps() || s.nps() >= best.nps() {
			t.Errorf("%s NPS %.0f not between the worst (%.0f) and the best (%.0f)", mid, s.nps(), worst.nps(), best.nps())
		}
	}
}

func sumOf(m map[string]*partnerStats, f func(*partnerStats) int) int {
	n := 0
	for _, s := range m {
		n += f(s)
	}
	return n
}

func frac(a, b int) float64 { return float64(a) / float64(max(b, 1)) }

func ratio(count map[string]int, of string, others ...string) float64 {
	total := count[of]
	for _, o := range others {
		total += count[o]
	}
	return frac(count[of], total)
}
