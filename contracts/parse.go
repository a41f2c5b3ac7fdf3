package contracts

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata"
	"unicode/utf8" // validate and use IANA names on hosts without a zone database

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"
)

// DefaultTimezone is the contract clock of a version that names none.
const DefaultTimezone = "Asia/Shanghai"

// DefaultWarnHours is warn_hours of a version that names none: the last
// warning falls 2 hours before each deadline.
const DefaultWarnHours = 2

// DefaultPauseReasons are the clock_paused reasons that stop the SLA clock of
// a version that does not say: the request waits for the customer.
func DefaultPauseReasons() []string { return []string{"waiting_customer", "customer_unreachable"} }

// Calendars are the calendar names a version may use (read-only).
var Calendars = []string{"prc", "mon-fri", "24x7"}

// PauseReasons are the clock_paused reasons of the event contract
// (docs/events.md), which a version's pause_reasons choose from (read-only).
var PauseReasons = []string{"waiting_customer", "customer_unreachable", "access_denied", "other"}

// Bounds of the numeric terms. They catch units mixed up (minutes written as
// hours, days as years); no real contract is near them.
const (
	maxHours = 8760 // response_hours, onsite_hours: one year
	maxDays  = 365  // parts_days
	maxYears = 50   // warranty_years, extension_years (UInt8 in ClickHouse)
	// maxContact bounds hotline and online_channel, in characters.
	maxContact = 200
)

// The keys of the file, by level.
var (
	topKeys      = []string{"contracts"}
	contractKeys = []string{"id", "name", "versions"}
	versionKeys  = []string{
		"effective_from", "inherit", "response_hours", "onsite_hours", "parts_days", "warn_hours",
		"warranty_years", "extension_years", "calendar", "window", "timezone",
		"pause_reasons", "fees", "targets", "weights",
		"repair_window", "hotline", "online_channel",
	}
	feeKeys = []string{"call_out", "hourly", "parts_markup_percent"}
	// required are the version keys without a default: the first version, and
	// every version without inherit: true, must give them.
	required = []string{"response_hours", "onsite_hours", "parts_days", "warranty_years", "calendar", "window"}
)

var (
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)
	windowPattern = regexp.MustCompile(`^(\d\d):(\d\d)-(\d\d):(\d\d)$`)
	amountPattern = regexp.MustCompile(`^[0-9]{1,16}(\.[0-9]{1,2})?$`)
	yamlErrLine   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// DateTime('UTC') holds whole seconds from 1970 to 2106; stay well inside.
var (
	minEffective = time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC)
	maxEffective = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ParseFile reads and parses the contracts file at path; messages name the
// file as path.
func ParseFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read contracts file: %w", err)
	}
	return Parse(bytes.NewReader(b), path)
}

// Parse reads a contracts file (see README.md for the format) and validates
// it. filename only names the file in messages. On any problem it returns a
// nil File and every problem found, each an *Error with its line, joined in
// line order, such as
//
//	contracts.yaml:17: contract CT-GOLD: response_hours -2: must be > 0
//
// Versions are sorted by effective_from; inherit: true versions are resolved
// against the version before them in that order; defaults are filled in.
func Parse(r io.Reader, filename string) (*File, error) {
	p := &parser{file: filename, out: &File{Contracts: map[string][]Terms{}, source: filename, kpis: map[kpiRef]int{}}}
	dec := yaml.NewDecoder(r)
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errs.add(filename, 0, "", "empty file; expected a mapping with a contracts: list")
			return nil, p.errs.err()
		}
		return nil, p.syntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.errs.add(filename, extra.Line, "", "a second YAML document (after ---): a contracts file is one document")
	} else if !errors.Is(err, io.EOF) {
		return nil, p.syntaxError(err)
	}
	p.top(&doc)
	if err := p.errs.err(); err != nil {
		return nil, err
	}
	return p.out, nil
}

// syntaxError turns yaml.v3's "yaml: line N: msg" into file:N: msg.
func (p *parser) syntaxError(err error) error {
	msg := err.Error()
	if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		detail := m[2]
		if strings.HasPrefix(detail, "did not find expected") {
			// yaml.v3 names the line of the enclosing block for these.
			detail += " (at or after this line; check the indentation)"
		}
		p.errs.add(p.file, line, "", "YAML syntax: %s", detail)
	} else {
		p.errs.add(p.file, 0, "", "YAML syntax: %s", strings.TrimPrefix(msg, "yaml: "))
	}
	return p.errs.err()
}

type parser struct {
	file string
	errs errorList
	out  *File
}

func (p *parser) errorf(n *yaml.Node, contract, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs.add(p.file, line, contract, format, args...)
}

// pair is one key: value of a mapping.
type pair struct {
	key   string
	k, v  *yaml.Node
	known bool
}

// pairs returns the entries of a mapping node, reporting duplicate keys,
// merge keys and keys not in known (with a suggestion), which it leaves out.
// hint, if not nil, may explain an unknown key better than a suggestion.
// typos are the known keys that unknown keys were taken for: the caller does
// not report them missing as well.
func (p *parser) pairs(m *yaml.Node, contract string, known []string, hint func(key string) string) (out []pair, typos []string) {
	first := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], deref(m.Content[i+1])
		key := k.Value
		switch {
		case k.Kind != yaml.ScalarNode:
			p.errorf(k, contract, "a key must be a plain name")
			continue
		case key == "<<":
			p.errorf(k, contract, "merge keys (<<) are not supported; write the values, or inherit: true in a later version")
			continue
		case !slices.Contains(known, key):
			msg := "unknown field " + key
			if h := hintFor(hint, key); h != "" {
				msg += "; " + h
			} else if guess := closest(key, known); guess != "" {
				msg += "; did you mean " + guess + "?"
				typos = append(typos, guess)
			}
			p.errorf(k, contract, "%s", msg)
			continue
		}
		if line, dup := first[key]; dup {
			p.errorf(k, contract, "%s given twice (first at line %d)", key, line)
			continue
		}
		first[key] = k.Line
		out = append(out, pair{key: key, k: k, v: v})
	}
	return out, typos
}

func hintFor(hint func(string) string, key string) string {
	if hint == nil {
		return ""
	}
	return hint(key)
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func (p *parser) top(doc *yaml.Node) {
	root := doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = deref(doc.Content[0])
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "", "the file must be a mapping with a contracts: list")
		return
	}
	var list *yaml.Node
	kvs, typos := p.pairs(root, "", topKeys, nil)
	for _, kv := range kvs {
		list = kv.v
	}
	if list == nil {
		if len(typos) == 0 {
			p.errorf(root, "", "missing contracts: (a list of contracts)")
		}
		return
	}
	if list.Kind != yaml.SequenceNode {
		p.errorf(list, "", "contracts: must be a list of contracts (- id: …)")
		return
	}
	if len(list.Content) == 0 {
		p.errorf(list, "", "contracts: the list is empty")
		return
	}
	firstLine := map[string]int{}
	for i, c := range list.Content {
		p.contract(deref(c), i+1, firstLine)
	}
}

// contract parses one entry of contracts: and its versions.
func (p *parser) contract(c *yaml.Node, nth int, firstLine map[string]int) {
	label := "#" + strconv.Itoa(nth)
	if c.Kind != yaml.MappingNode {
		p.errorf(c, label, "must be a mapping with id, name and versions")
		return
	}
	// The id first, so that every message can name the contract.
	var (
		id       string
		idOK     bool
		versions *yaml.Node
	)
	for i := 0; i+1 < len(c.Content); i += 2 {
		if c.Content[i].Value != "id" {
			continue
		}
		v := deref(c.Content[i+1])
		s, ok := p.str(v, label, "id")
		if ok && !idPattern.MatchString(s) {
			p.errorf(v, label, "id %q: must be 1 to 64 letters, digits, '.', '_', ':' or '-'", s)
			ok = false
		}
		if ok {
			id, idOK, label = s, true, s
		}
		break
	}
	kvs, typos := p.pairs(c, label, contractKeys, func(key string) string {
		if slices.Contains(versionKeys, key) {
			return "it belongs in a version, under versions:"
		}
		return ""
	})
	name := ""
	for _, kv := range kvs {
		switch kv.key {
		case "name":
			name, _ = p.str(kv.v, label, "name")
		case "versions":
			versions = kv.v
		}
	}
	if !slices.ContainsFunc(kvs, func(kv pair) bool { return kv.key == "id" }) {
		p.errorf(c, label, "missing id")
	}
	if idOK {
		if line, dup := firstLine[id]; dup {
			p.errorf(c, label, "duplicate contract id (first at line %d)", line)
			idOK = false
		} else {
			firstLine[id] = c.Line
		}
	}
	if name == "" {
		name = id
	}
	if versions == nil {
		if !slices.Contains(typos, "versions") {
			p.errorf(c, label, "missing versions: (a list of versions, each with effective_from and the terms)")
		}
		return
	}
	if versions.Kind != yaml.SequenceNode || len(versions.Content) == 0 {
		p.errorf(versions, label, "versions: must be a non-empty list (- effective_from: …)")
		return
	}
	var raws []*rawVersion
	for _, vn := range versions.Content {
		if v := p.version(deref(vn), label); v != nil {
			raws = append(raws, v)
		}
	}
	terms := p.resolve(raws, label)
	if !idOK {
		return
	}
	for i := range terms {
		terms[i].ContractID, terms[i].Name = id, name
	}
	p.out.Contracts[id] = terms
}

// rawVersion is one version as written, before sorting and inheritance.
type rawVersion struct {
	line    int
	inherit bool
	set     map[string]bool // keys given, valid or not (an invalid one is reported once, not again as missing)
	t       Terms

	from     time.Time // an instant, or a date's midnight in UTC when date is set
	date     bool      // effective_from is a date: midnight in the version's time zone
	fromNode *yaml.Node
	sortKey  time.Time
	kpiLines map[kpiRef]int // where the version's targets and weights name each KPI
}

// version parses one entry of versions:; nil when it has no usable effective_from.
func (p *parser) version(n *yaml.Node, contract string) *rawVersion {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, contract, "a version must be a mapping (effective_from: …, response_hours: …)")
		return nil
	}
	v := &rawVersion{line: n.Line, set: map[string]bool{}, kpiLines: map[kpiRef]int{}}
	v.t.Line = n.Line
	fromOK := false
	kvs, typos := p.pairs(n, contract, versionKeys, func(key string) string {
		if slices.Contains(contractKeys, key) {
			return "it belongs to the contract, beside versions:"
		}
		return ""
	})
	for _, key := range typos {
		v.set[key] = true // reported as misspelt; not missing as well
	}
	for _, kv := range kvs {
		v.set[kv.key] = true
		switch kv.key {
		case "effective_from":
			v.fromNode = kv.v
			fromOK = p.effectiveFrom(kv.v, contract, v)
		case "inherit":
			if kv.v.Kind != yaml.ScalarNode || kv.v.Tag != "!!bool" || kv.v.Decode(&v.inherit) != nil {
				p.errorf(kv.v, contract, "inherit %s: must be true or false", shown(kv.v))
			}
		case "response_hours":
			v.t.ResponseHours, _ = p.positive(kv.v, contract, kv.key, maxHours)
		case "onsite_hours":
			v.t.OnsiteHours, _ = p.positive(kv.v, contract, kv.key, maxHours)
		case "parts_days":
			v.t.PartsDays, _ = p.positive(kv.v, contract, kv.key, maxDays)
		case "warn_hours":
			v.t.WarnHours = p.warnHours(kv.v, contract)
		case "warranty_years":
			v.t.WarrantyYears = p.years(kv.v, contract, kv.key)
		case "extension_years":
			v.t.ExtensionYears = p.years(kv.v, contract, kv.key)
		case "calendar":
			if s, ok := p.str(kv.v, contract, kv.key); ok {
				if !slices.Contains(Calendars, s) {
					p.errorf(kv.v, contract, "calendar %q: unknown; use one of %s%s", s, strings.Join(Calendars, ", "), suggest(s, Calendars))
				}
				v.t.Calendar = s
			}
		case "window":
			if s, ok := p.str(kv.v, contract, kv.key); ok {
				if _, _, err := parseWindow(s); err != nil {
					p.errorf(kv.v, contract, "window %q: %v", s, err)
				}
				v.t.Window = s
			}
		case "repair_window":
			if s, ok := p.str(kv.v, contract, kv.key); ok {
				if _, _, err := parseWindow(s); err != nil {
					p.errorf(kv.v, contract, "repair_window %q: %v", s, err)
				}
				v.t.RepairWindow = s
			}
		case "hotline", "online_channel":
			if s, ok := p.contact(kv.v, contract, kv.key); ok && kv.key == "hotline" {
				v.t.Hotline = s
			} else if ok {
				v.t.OnlineChannel = s
			}
		case "timezone":
			if s, ok := p.str(kv.v, contract, kv.key); ok {
				if err := checkTimezone(s); err != nil {
					p.errorf(kv.v, contract, "timezone %q: %v", s, err)
				} else {
					v.t.Timezone = s
				}
			}
		case "pause_reasons":
			v.t.PauseReasons = p.pauseReasons(kv.v, contract)
		case "fees":
			v.t.Fees = p.fees(kv.v, contract)
		case "targets":
			v.t.Targets = p.kpiValues(kv.v, contract, kv.key, v.kpiLines)
		case "weights":
			v.t.Weights = p.kpiValues(kv.v, contract, kv.key, v.kpiLines)
		}
	}
	if !v.set["effective_from"] {
		p.errorf(n, contract, "version without effective_from (the date from which requests opened fall under it)")
	}
	if !fromOK {
		return nil
	}
	return v
}

func (p *parser) effectiveFrom(n *yaml.Node, contract string, v *rawVersion) bool {
	const help = "must be a date (2024-01-01: midnight in the version's timezone) or RFC 3339 (2024-01-01T00:00:00+08:00)"
	if n.Kind != yaml.ScalarNode || isNull(n) {
		p.errorf(n, contract, "effective_from: %s", help)
		return false
	}
	s := n.Value
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		v.from, v.date = d, true
	} else if t, err := time.Parse(time.RFC3339, s); err == nil {
		if t.Nanosecond() != 0 {
			p.errorf(n, contract, "effective_from %q: must be whole seconds", s)
			return false
		}
		v.from = t.UTC()
	} else {
		p.errorf(n, contract, "effective_from %q: %s", s, help)
		return false
	}
	if v.from.Before(minEffective) || !v.from.Before(maxEffective) {
		p.errorf(n, contract, "effective_from %q: must be between %s and %s", s, minEffective.Format(time.DateOnly), maxEffective.Format(time.DateOnly))
		return false
	}
	return true
}

// str reads a scalar string value; a missing value is an error.
func (p *parser) str(n *yaml.Node, contract, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) || n.Value == "" {
		p.errorf(n, contract, "%s: must be a non-empty text value", key)
		return "", false
	}
	return n.Value, true
}

// number reads a finite YAML int or float. A quoted "4" is not a number: the
// quotes say text, and accepting it would hide a template left unfilled.
func (p *parser) number(n *yaml.Node, contract, key string) (float64, bool) {
	var f float64
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || n.Decode(&f) != nil {
		p.errorf(n, contract, "%s %s: must be a number", key, shown(n))
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		p.errorf(n, contract, "%s %s: must be a finite number", key, n.Value)
		return 0, false
	}
	return f, true
}

func (p *parser) positive(n *yaml.Node, contract, key string, limit float64) (float64, bool) {
	f, ok := p.number(n, contract, key)
	switch {
	case !ok:
		return 0, false
	case f <= 0:
		p.errorf(n, contract, "%s %s: must be > 0", key, n.Value)
		return 0, false
	case f > limit:
		p.errorf(n, contract, "%s %s: must be at most %v", key, n.Value, limit)
		return 0, false
	}
	return f, true
}

// warnHours checks warn_hours: 0 (no warning N hours before) up to maxHours.
// A value at or above a budget is allowed: that warning then falls when the
// clock starts (package sla).
func (p *parser) warnHours(n *yaml.Node, contract string) float64 {
	f, ok := p.number(n, contract, "warn_hours")
	switch {
	case !ok:
		return 0
	case f < 0 || f > maxHours:
		p.errorf(n, contract, "warn_hours %s: must be between 0 (no warning N hours before the deadline) and %d", n.Value, maxHours)
		return 0
	}
	return f
}

func (p *parser) years(n *yaml.Node, contract, key string) int {
	f, ok := p.number(n, contract, key)
	switch {
	case !ok:
		return 0
	case f != math.Trunc(f):
		p.errorf(n, contract, "%s %s: must be a whole number of years", key, n.Value)
	case f < 0 || f > maxYears:
		p.errorf(n, contract, "%s %s: must be between 0 and %d", key, n.Value, maxYears)
	default:
		return int(f)
	}
	return 0
}

// contact reads hotline or online_channel (clause 3.4.1): one line of text,
// at most maxContact characters, so a pasted paragraph is caught.
func (p *parser) contact(n *yaml.Node, contract, key string) (string, bool) {
	s, ok := p.str(n, contract, key)
	switch {
	case !ok:
		return "", false
	case strings.ContainsAny(s, "\r\n\t") || utf8.RuneCountInString(s) > maxContact:
		p.errorf(n, contract, "%s %q: must be one line of at most %d characters", key, s, maxContact)
		return "", false
	}
	return s, true
}

// shown quotes a scalar for a message, or names the kind of a non-scalar.
func shown(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		if isNull(n) {
			return "(empty)"
		}
		return strconv.Quote(n.Value)
	case yaml.MappingNode:
		return "(a mapping)"
	case yaml.SequenceNode:
		return "(a list)"
	}
	return "(?)"
}

func (p *parser) pauseReasons(n *yaml.Node, contract string) []string {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, contract, "pause_reasons %s: must be a list such as [waiting_customer, customer_unreachable], or [] when no pause stops the clock", shown(n))
		return nil
	}
	var out []string
	for _, item := range n.Content {
		item = deref(item)
		s, ok := p.str(item, contract, "pause_reasons")
		switch {
		case !ok:
		case !slices.Contains(PauseReasons, s):
			p.errorf(item, contract, "pause_reasons: unknown reason %q; use any of %s%s", s, strings.Join(PauseReasons, ", "), suggest(s, PauseReasons))
		case slices.Contains(out, s):
			p.errorf(item, contract, "pause_reasons: %s listed twice", s)
		default:
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) fees(n *yaml.Node, contract string) Fees {
	var f Fees
	if n.Kind != yaml.MappingNode {
		p.errorf(n, contract, `fees %s: must be a mapping such as {call_out: "80.00", hourly: "120.00", parts_markup_percent: "10"}`, shown(n))
		return f
	}
	kvs, _ := p.pairs(n, contract, feeKeys, nil)
	for _, kv := range kvs {
		d := p.amount(kv.v, contract, "fees."+kv.key)
		switch kv.key {
		case "call_out":
			f.CallOut = d
		case "hourly":
			f.Hourly = d
		case "parts_markup_percent":
			f.PartsMarkupPercent = d
		}
	}
	return f
}

// amount reads an exact, non-negative amount with at most two decimals from
// the text of the scalar, quoted ("80.00") or not (80.00): never through a
// float, so nothing is rounded.
func (p *parser) amount(n *yaml.Node, contract, key string) decimal.Decimal {
	if n.Kind != yaml.ScalarNode || isNull(n) || (n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!float") {
		p.errorf(n, contract, `%s %s: must be an amount such as "80.00"`, key, shown(n))
		return decimal.Zero
	}
	s := strings.TrimSpace(n.Value)
	switch {
	case strings.HasPrefix(s, "-"):
		p.errorf(n, contract, "%s %q: must not be negative", key, s)
	case !amountPattern.MatchString(s):
		p.errorf(n, contract, `%s %q: must be an amount with at most 2 decimals, such as "80.00"`, key, s)
	default:
		return decimal.RequireFromString(s)
	}
	return decimal.Zero
}

func (p *parser) kpiValues(n *yaml.Node, contract, field string, lines map[kpiRef]int) map[string]float64 {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, contract, "%s %s: must be a mapping of KPI id to number, such as {reply_sla_rate: 95}", field, shown(n))
		return nil
	}
	// Any id is accepted here (CheckKPIs knows the catalog); walk the mapping
	// instead of pairs, which takes a fixed list of keys.
	var out map[string]float64
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		id := k.Value
		if k.Kind != yaml.ScalarNode || !idPattern.MatchString(id) {
			p.errorf(k, contract, "%s: KPI id %q: must be 1 to 64 letters, digits, '.', '_', ':' or '-'", field, id)
			continue
		}
		if line, dup := first[id]; dup {
			p.errorf(k, contract, "%s: %s given twice (first at line %d)", field, id, line)
			continue
		}
		first[id] = k.Line
		f, ok := p.number(v, contract, field+"."+id)
		if !ok {
			continue
		}
		if f < 0 {
			p.errorf(v, contract, "%s.%s %s: must not be negative", field, id, v.Value)
			continue
		}
		if out == nil {
			out = map[string]float64{}
		}
		out[id] = f
		lines[kpiRef{contract, field, id}] = k.Line
	}
	return out
}

// resolve sorts a contract's versions by effective_from, applies
// inheritance and defaults, and checks that no two versions start at the
// same instant.
func (p *parser) resolve(raws []*rawVersion, contract string) []Terms {
	defaultLoc, _ := loadLocation(DefaultTimezone)
	at := func(v *rawVersion, tz string) time.Time {
		if !v.date {
			return v.from
		}
		loc, err := loadLocation(tz)
		if err != nil || tz == "" {
			loc = defaultLoc
		}
		return time.Date(v.from.Year(), v.from.Month(), v.from.Day(), 0, 0, 0, 0, loc).UTC()
	}
	// A date means midnight in the version's time zone, which inheritance
	// may supply, and inheritance follows the order of the versions: sort
	// first by the zone each version names (or the default), resolve, then
	// check that the resolved instants kept that order.
	for _, v := range raws {
		v.sortKey = at(v, v.t.Timezone)
	}
	slices.SortStableFunc(raws, func(a, b *rawVersion) int { return a.sortKey.Compare(b.sortKey) })

	out := make([]Terms, 0, len(raws))
	for i, v := range raws {
		t := v.t
		if v.inherit {
			if i == 0 {
				p.errorf(v.fromNode, contract, "inherit: true on the first version (effective_from %s): there is no earlier version to inherit from", v.fromNode.Value)
			} else {
				t = inherit(t, v.set, out[i-1])
			}
		}
		if !v.inherit || i == 0 {
			for _, key := range required {
				if !v.set[key] {
					hint := ""
					if i > 0 {
						hint = " (or write inherit: true to take it from the version before)"
					}
					p.errs.add(p.file, v.line, contract, "version effective_from %s: missing %s%s", v.fromNode.Value, key, hint)
				}
			}
			t = withDefaults(t, v.set)
		}
		t.Fees = Fees{CallOut: cents(t.Fees.CallOut), Hourly: cents(t.Fees.Hourly), PartsMarkupPercent: cents(t.Fees.PartsMarkupPercent)}
		t.EffectiveFrom = at(v, t.Timezone)
		t.Line = v.line
		if i > 0 {
			prev := out[i-1]
			switch c := t.EffectiveFrom.Compare(prev.EffectiveFrom); {
			case c == 0:
				p.errorf(v.fromNode, contract, "effective_from %s: the version at line %d starts at the same instant (%s); each version needs its own",
					v.fromNode.Value, prev.Line, t.EffectiveFrom.Format(time.RFC3339))
			case c < 0:
				p.errorf(v.fromNode, contract, "effective_from %s: its order against the version at line %d depends on their time zones; write both in RFC 3339 with an offset",
					v.fromNode.Value, prev.Line)
			}
		}
		for ref, line := range v.kpiLines {
			if _, seen := p.out.kpis[ref]; !seen {
				p.out.kpis[ref] = line
			}
		}
		out = append(out, t)
	}
	return out
}

// inherit fills the keys a version does not give from the version before.
// A key that is given replaces the previous value as a whole: fees, targets,
// weights and pause_reasons are not merged.
func inherit(t Terms, set map[string]bool, prev Terms) Terms {
	if !set["response_hours"] {
		t.ResponseHours = prev.ResponseHours
	}
	if !set["onsite_hours"] {
		t.OnsiteHours = prev.OnsiteHours
	}
	if !set["parts_days"] {
		t.PartsDays = prev.PartsDays
	}
	if !set["warn_hours"] {
		t.WarnHours = prev.WarnHours
	}
	if !set["warranty_years"] {
		t.WarrantyYears = prev.WarrantyYears
	}
	if !set["extension_years"] {
		t.ExtensionYears = prev.ExtensionYears
	}
	if !set["calendar"] {
		t.Calendar = prev.Calendar
	}
	if !set["window"] {
		t.Window = prev.Window
	}
	if !set["timezone"] {
		t.Timezone = prev.Timezone
	}
	if !set["repair_window"] {
		t.RepairWindow = prev.RepairWindow
	}
	if !set["hotline"] {
		t.Hotline = prev.Hotline
	}
	if !set["online_channel"] {
		t.OnlineChannel = prev.OnlineChannel
	}
	if !set["pause_reasons"] {
		t.PauseReasons = slices.Clone(prev.PauseReasons)
	}
	if !set["fees"] {
		t.Fees = prev.Fees
	}
	if !set["targets"] {
		t.Targets = cloneMap(prev.Targets)
	}
	if !set["weights"] {
		t.Weights = cloneMap(prev.Weights)
	}
	return t
}

// withDefaults fills the optional keys a standalone version does not give.
func withDefaults(t Terms, set map[string]bool) Terms {
	if !set["timezone"] || t.Timezone == "" {
		t.Timezone = DefaultTimezone
	}
	if !set["pause_reasons"] {
		t.PauseReasons = DefaultPauseReasons()
	}
	if !set["warn_hours"] {
		t.WarnHours = DefaultWarnHours
	}
	return t
}

func cloneMap(m map[string]float64) map[string]float64 {
	if m == nil {
		return nil
	}
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// cents gives an amount two decimals (80 → 80.00), as ClickHouse returns it.
func cents(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// parseWindow checks a support window and returns it as offsets from local midnight.
func parseWindow(s string) (start, end time.Duration, err error) {
	if s == "24h" {
		return 0, 24 * time.Hour, nil
	}
	m := windowPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, errors.New(`must be HH:MM-HH:MM (such as "09:00-18:00") or "24h"`)
	}
	hm := func(h, mi string) (time.Duration, bool) {
		hh, _ := strconv.Atoi(h)
		mm, _ := strconv.Atoi(mi)
		if mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
			return 0, false
		}
		return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
	}
	start, ok1 := hm(m[1], m[2])
	end, ok2 := hm(m[3], m[4])
	switch {
	case !ok1 || !ok2:
		return 0, 0, errors.New("not a time of day (00:00 to 24:00)")
	case start >= end:
		return 0, 0, errors.New("must start before it ends, within one day (no window across midnight)")
	}
	return start, end, nil
}

func checkTimezone(name string) error {
	if name == "Local" {
		return errors.New(`must be an IANA name such as "Asia/Shanghai", not the host's Local zone`)
	}
	if _, err := loadLocation(name); err != nil {
		return errors.New(`unknown time zone; use an IANA name such as "Asia/Shanghai"`)
	}
	return nil
}
