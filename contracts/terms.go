package contracts

import (
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Terms is one version of one contract: the SLA terms that govern every
// request of the contract opened at or after EffectiveFrom, until the next
// version. Every field is resolved: defaults filled in and, for a version
// written with inherit: true, omitted fields taken from the version before.
type Terms struct {
	ContractID string
	Name       string // the contract's display name; the id when the file gives none
	// EffectiveFrom is a UTC instant in whole seconds. The version applies to
	// requests OPENED at or after it, until the next version's EffectiveFrom.
	EffectiveFrom time.Time

	ResponseHours float64 // clause 2.3.1: first reply within, in business hours of the contract clock
	OnsiteHours   float64 // clause 2.3.1: on site or remote service done within, in business hours
	// PartsDays is clause 3.2.2 (配件…日内送达): a part line is on time when it
	// arrives within PartsDays calendar days, i.e. PartsDays×24 elapsed hours
	// after it was requested, weekends and holidays included (see PartsDeadline).
	PartsDays float64
	// WarnHours is how long before a deadline the last warning falls: N
	// business hours before the reply and on-site deadlines, N elapsed hours
	// before a part line's (whose promise counts calendar days). 0 turns that
	// warning off; the 50% and 75% warnings stay. Default: DefaultWarnHours.
	WarnHours      float64
	WarrantyYears  int // clause 4.1: free warranty, years from the purchase date
	ExtensionYears int // clause 4.4: optional extended warranty after it; 0 when none

	// Calendar names the working-day calendar of the contract clock: "prc"
	// (PRC statutory holidays and make-up working days), "mon-fri" (every
	// Monday to Friday) or "24x7" (every day). Package calendar resolves it.
	Calendar string
	// Window is the daily support window in Timezone's local time,
	// "HH:MM-HH:MM" (start before end, end at most 24:00) or "24h" (clause
	// 3.1.2, and 3.3.2 when RepairWindow is empty). See SupportHours.
	Window string
	// RepairWindow is the daily repair-service window (clause 3.3.2), in the
	// same form as Window, or "" when the contract gives none. When set, the
	// on-site and resolve clocks count business hours inside it, and the
	// reply clock stays on Window (3.1.2). See RepairHours.
	RepairWindow string
	// Hotline and OnlineChannel are the provider's service telephone and
	// online service platform (clause 3.4.1), as the contract writes them:
	// the provider's contact, not personal data. "" when not given.
	Hotline       string
	OnlineChannel string
	Timezone      string // IANA name of the contract clock. Default: Asia/Shanghai
	// PauseReasons are the clock_paused reasons that stop the SLA clock, a
	// subset of waiting_customer, customer_unreachable, access_denied, other.
	// Nil means no pause stops it. Default: waiting_customer, customer_unreachable.
	PauseReasons []string

	Fees Fees // clauses 4.3, 6.1, 6.2: charged out of warranty only

	// Targets and Weights override, for this contract, the published target
	// and evaluation weight (clause 11.2) of the KPIs they name; a KPI not
	// named keeps the catalog's default. Nil when the version overrides none.
	Targets map[string]float64
	Weights map[string]float64

	// Line is where this version starts in the file it was parsed from, for
	// error messages; 0 for terms read from ClickHouse.
	Line int
}

// Fees is the fee schedule of a contract, charged out of warranty only. The
// amounts are exact, with two decimals (Decimal(18, 2) in ClickHouse); in
// the file they are decimal strings such as "80.00".
type Fees struct {
	CallOut            decimal.Decimal // per visit (上门费)
	Hourly             decimal.Decimal // labour per hour
	PartsMarkupPercent decimal.Decimal // added to the parts' cost price, in percent
}

// Equal reports whether two fee schedules charge the same amounts.
func (f Fees) Equal(g Fees) bool {
	return f.CallOut.Equal(g.CallOut) && f.Hourly.Equal(g.Hourly) && f.PartsMarkupPercent.Equal(g.PartsMarkupPercent)
}

// Equal reports whether two versions have the same terms. Line, which only
// says where a version was written, is ignored; instants, amounts and maps
// are compared by value.
func (t Terms) Equal(u Terms) bool {
	return t.ContractID == u.ContractID && t.Name == u.Name && t.EffectiveFrom.Equal(u.EffectiveFrom) &&
		t.ResponseHours == u.ResponseHours && t.OnsiteHours == u.OnsiteHours && t.PartsDays == u.PartsDays &&
		t.WarnHours == u.WarnHours &&
		t.WarrantyYears == u.WarrantyYears && t.ExtensionYears == u.ExtensionYears &&
		t.Calendar == u.Calendar && t.Window == u.Window && t.Timezone == u.Timezone &&
		t.RepairWindow == u.RepairWindow && t.Hotline == u.Hotline && t.OnlineChannel == u.OnlineChannel &&
		slices.Equal(t.PauseReasons, u.PauseReasons) && t.Fees.Equal(u.Fees) &&
		mapsEqual(t.Targets, u.Targets) && mapsEqual(t.Weights, u.Weights)
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Pauses reports whether a clock_paused event with this reason stops the
// contract's SLA clock.
func (t Terms) Pauses(reason string) bool {
	return slices.Contains(t.PauseReasons, reason)
}

// SupportHours returns the daily support window as offsets from local
// midnight: 09:00-18:00 gives 9h and 18h, 24h gives 0 and 24h.
func (t Terms) SupportHours() (start, end time.Duration) {
	start, end, _ = parseWindow(t.Window)
	return start, end
}

// RepairHours returns the daily repair-service window (clause 3.3.2) as
// offsets from local midnight, or SupportHours when the contract gives no
// repair window: the on-site and resolve clocks count inside it.
func (t Terms) RepairHours() (start, end time.Duration) {
	if t.RepairWindow == "" {
		return t.SupportHours()
	}
	start, end, _ = parseWindow(t.RepairWindow)
	return start, end
}

// Location returns the contract clock's time zone. Terms from Parse or Read
// always name a valid one; the error is for Terms built by hand.
func (t Terms) Location() (*time.Location, error) {
	return loadLocation(t.Timezone)
}

// PartsDeadline returns when a part line requested at requested is late:
// PartsDays calendar days later, counted as elapsed 24-hour periods.
func (t Terms) PartsDeadline(requested time.Time) time.Time {
	return requested.Add(time.Duration(t.PartsDays * 24 * float64(time.Hour)))
}

// Target returns the contract's target for a KPI, or def, the catalog's
// published target, when the contract does not override it.
func (t Terms) Target(kpi string, def float64) float64 {
	if v, ok := t.Targets[kpi]; ok {
		return v
	}
	return def
}

// Weight returns the contract's evaluation weight for a KPI, or def, the
// catalog's published weight, when the contract does not override it.
func (t Terms) Weight(kpi string, def float64) float64 {
	if v, ok := t.Weights[kpi]; ok {
		return v
	}
	return def
}

// File is a set of contracts, each a list of versions. It comes from Parse
// (a contracts file) or Read (ClickHouse) and is not modified by this package
// afterwards.
type File struct {
	// Contracts maps a contract id to its versions, sorted by EffectiveFrom,
	// no two at the same instant, at least one per contract.
	Contracts map[string][]Terms

	source string         // file name for messages
	kpis   map[kpiRef]int // where each KPI id of targets/weights was written
}

// kpiRef is one KPI id written in a version's targets or weights.
type kpiRef struct {
	contract, field, id string
}

// At returns the version of a contract in force for a request opened at
// opened: the last version whose EffectiveFrom is at or before it. It
// returns false for an unknown contract and for a request opened before the
// contract's first version. That version governs all the request's SLA
// clocks, however long it stays open and whatever versions follow.
func (f *File) At(contractID string, opened time.Time) (Terms, bool) {
	vs := f.Contracts[contractID]
	// The first version that starts after opened; the one before it is in force.
	i := sort.Search(len(vs), func(i int) bool { return vs[i].EffectiveFrom.After(opened) })
	if i == 0 {
		return Terms{}, false
	}
	return vs[i-1], true
}

// IDs returns the contract ids in lexical order.
func (f *File) IDs() []string {
	ids := make([]string, 0, len(f.Contracts))
	for id := range f.Contracts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Versions returns the number of versions of all contracts.
func (f *File) Versions() int {
	n := 0
	for _, vs := range f.Contracts {
		n += len(vs)
	}
	return n
}

// Equal reports whether two files hold the same contracts with the same
// versions (Terms.Equal: lines ignored). Parse→Load→Read gives an equal file.
func (f *File) Equal(g *File) bool {
	if len(f.Contracts) != len(g.Contracts) {
		return false
	}
	for id, vs := range f.Contracts {
		ws, ok := g.Contracts[id]
		if !ok || len(vs) != len(ws) {
			return false
		}
		for i := range vs {
			if !vs[i].Equal(ws[i]) {
				return false
			}
		}
	}
	return true
}

// CheckKPIs reports, with the line where it is written, every KPI id of a
// version's targets or weights for which known returns false. The caller
// passes the metrics catalog's lookup; this package does not know the KPIs.
// All unknown ids are reported, joined, in line order.
func (f *File) CheckKPIs(known func(id string) bool) error {
	seen := map[kpiRef]bool{}
	var errs errorList
	for _, id := range f.IDs() {
		for _, v := range f.Contracts[id] {
			for _, field := range []string{"targets", "weights"} {
				m := v.Targets
				if field == "weights" {
					m = v.Weights
				}
				for _, kpi := range sortedKeys(m) {
					ref := kpiRef{id, field, kpi}
					if known(kpi) || seen[ref] {
						continue
					}
					seen[ref] = true
					line := f.kpis[ref]
					if line == 0 {
						line = v.Line // terms read from ClickHouse have no line: 0
					}
					errs.add(f.source, line, id, "%s: unknown KPI %q", field, kpi)
				}
			}
		}
	}
	return errs.err()
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// The zone database is read once per name: Location is called per request.
var locations sync.Map // name → *time.Location

func loadLocation(name string) (*time.Location, error) {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}
