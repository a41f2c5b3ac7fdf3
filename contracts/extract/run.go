package extract

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/shopspring/decimal"

	"servicepulse/contracts"
	"servicepulse/internal/fields"
)

// Config is one `contracts extract`: the signed copy, the options, and the
// defaults file.
type Config struct {
	File string // the signed copy, UTF-8 or GB18030
	Options
	DefaultsFile string // a defaults file (docs/contracts-extract.md); "" for none
}

// Validate checks the configuration before any file is read.
func (c Config) Validate() error {
	switch {
	case c.File == "":
		return fields.Errorf("File", nil, "is required: the signed copy of the contract")
	case c.EffectiveFrom != "" && !isDate(c.EffectiveFrom):
		return fields.Errorf("EffectiveFrom", c.EffectiveFrom, "must be a date YYYY-MM-DD")
	case c.ID != "" && !idPattern.MatchString(c.ID):
		return fields.Errorf("ID", c.ID, "must be 1 to 64 letters, digits, '.', '_', ':' or '-'")
	}
	return nil
}

func isDate(s string) bool { _, err := time.Parse(time.DateOnly, s); return err == nil }

// Run reads the files of c and extracts the contract.
func Run(c Config) (*Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	src, err := os.ReadFile(c.File)
	if err != nil {
		return nil, fmt.Errorf("read the signed contract: %w", err)
	}
	o := c.Options
	if c.DefaultsFile != "" {
		if o.Defaults, err = os.ReadFile(c.DefaultsFile); err != nil {
			return nil, fmt.Errorf("read the defaults file: %w", err)
		}
		o.DefaultsName = c.DefaultsFile
	}
	return Parse(src, c.File, o)
}

// Comparison is what Check found: how the extract compares with the
// versions of its contract loaded in ClickHouse, and whether any ingested
// event names the contract.
type Comparison struct {
	Contract      string `json:"contract"`
	EffectiveFrom string `json:"effective_from"`
	// Loaded is true when a version starting at the extract's
	// effective_from is loaded; Differences then compare with it, else with
	// the version in force at that instant, if any.
	Loaded      bool     `json:"loaded"`
	ComparedTo  string   `json:"compared_to,omitempty"` // effective_from of the loaded version compared with
	Differences []string `json:"differences"`
	Events      uint64   `json:"events"` // rows of service_events naming the contract
	Warnings    []string `json:"warnings"`
}

// Check compares r with the contract versions loaded in ClickHouse
// (contracts.Read) and counts the ingested events that name its contract.
func Check(ctx context.Context, conn driver.Conn, r *Result) (*Comparison, error) {
	loaded, err := contracts.Read(ctx, conn)
	if err != nil {
		return nil, err
	}
	c := &Comparison{Contract: r.ID, EffectiveFrom: r.Terms.EffectiveFrom.Format(time.RFC3339),
		Differences: []string{}, Warnings: slices.Clone(r.Warnings)}
	if c.Warnings == nil {
		c.Warnings = []string{}
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM service_events WHERE contract_id = ?", r.ID).Scan(&c.Events); err != nil {
		return nil, fmt.Errorf("count the events of contract %s: %w", r.ID, err)
	}
	if c.Events == 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("no ingested event in service_events names contract %s: check that the partners send contract_id %q", r.ID, r.ID))
	}
	in, ok := loaded.At(r.ID, r.Terms.EffectiveFrom)
	switch {
	case !ok:
		c.Differences = append(c.Differences, fmt.Sprintf("not loaded: no version of contract %s in force at %s (`servicepulse contracts load` the extract)", r.ID, c.EffectiveFrom))
		return c, nil
	case in.EffectiveFrom.Equal(r.Terms.EffectiveFrom):
		c.Loaded = true
	default:
		c.Differences = append(c.Differences, fmt.Sprintf("effective_from: extract %s, loaded version in force then starts %s",
			c.EffectiveFrom, in.EffectiveFrom.Format(time.RFC3339)))
	}
	c.ComparedTo = in.EffectiveFrom.Format(time.RFC3339)
	c.Differences = append(c.Differences, differences(r.Terms, in)...)
	return c, nil
}

// differences lists the terms of a that b does not share, as
// "key: extract X, loaded Y".
func differences(a, b contracts.Terms) []string {
	var out []string
	diff := func(key string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			out = append(out, fmt.Sprintf("%s: extract %v, loaded %v", key, x, y))
		}
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	fee := func(d decimal.Decimal) string { return d.StringFixed(2) }
	diff("name", a.Name, b.Name)
	diff("response_hours", num(a.ResponseHours), num(b.ResponseHours))
	diff("onsite_hours", num(a.OnsiteHours), num(b.OnsiteHours))
	diff("parts_days", num(a.PartsDays), num(b.PartsDays))
	diff("warranty_years", a.WarrantyYears, b.WarrantyYears)
	diff("extension_years", a.ExtensionYears, b.ExtensionYears)
	diff("calendar", a.Calendar, b.Calendar)
	diff("window", a.Window, b.Window)
	diff("repair_window", a.RepairWindow, b.RepairWindow)
	diff("timezone", a.Timezone, b.Timezone)
	diff("pause_reasons", a.PauseReasons, b.PauseReasons)
	diff("hotline", a.Hotline, b.Hotline)
	diff("online_channel", a.OnlineChannel, b.OnlineChannel)
	diff("fees.call_out", fee(a.Fees.CallOut), fee(b.Fees.CallOut))
	diff("fees.hourly", fee(a.Fees.Hourly), fee(b.Fees.Hourly))
	diff("fees.parts_markup_percent", fee(a.Fees.PartsMarkupPercent), fee(b.Fees.PartsMarkupPercent))
	diff("targets", sortedMap(a.Targets), sortedMap(b.Targets))
	diff("weights", sortedMap(a.Weights), sortedMap(b.Weights))
	b.EffectiveFrom = a.EffectiveFrom // compared apart, by Check
	if len(out) == 0 && !a.Equal(b) {
		out = append(out, "other terms differ (contracts/README.md lists them)")
	}
	return out
}

func sortedMap(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := "{"
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += k + ": " + strconv.FormatFloat(m[k], 'f', -1, 64)
	}
	return s + "}"
}
