package contracts

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/shopspring/decimal"
)

// The tables Load writes: contract_terms (sql/0005_contract_terms.sql) holds
// every term and is what Read reads; contracts (sql/0004_dimensions.sql)
// holds the main terms of the same versions in columns plus all of them as
// JSON in terms_json, for SQL that joins the dimension.
const (
	termsColumns = `contract_id, effective_from, name, response_hours, onsite_hours, parts_days,
		warranty_years, extension_years, calendar, support_window, timezone, pause_reasons,
		fee_call_out, fee_hourly, parts_markup_percent,
		target_kpis, target_values, weight_kpis, weight_values, updated_at, warn_hours,
		repair_window, hotline, online_channel`
	insertTerms     = "INSERT INTO contract_terms (" + termsColumns + ")"
	selectTerms     = "SELECT " + termsColumns + " FROM contract_terms FINAL ORDER BY contract_id, effective_from"
	lastUpdate      = "SELECT max(updated_at) FROM contract_terms"
	insertDimension = `INSERT INTO contracts (contract_id, effective_from, name, response_hours, onsite_hours,
		parts_days, warranty_years, calendar, timezone, support_window, terms_json, updated_at)`
)

// Load writes every version of f to ClickHouse and returns how many it
// wrote. The tables must exist (sql.Migrate).
//
// It is idempotent: rows are keyed by (contract_id, effective_from) and
// the newest updated_at wins (ReplacingMergeTree, read with FINAL), so
// loading the same file twice changes nothing Read returns, and loading a
// changed version replaces its terms. Each load stamps its rows one second
// after the newest stamp already in the table, at least, so a reload within
// the same second still wins.
//
// Load never deletes: a version removed from the file stays in ClickHouse,
// because requests opened under it are still governed by it. To withdraw a
// version loaded by mistake, delete its rows with ALTER TABLE … DELETE in
// both tables.
func Load(ctx context.Context, conn driver.Conn, f *File) (versions int, err error) {
	if f.Versions() == 0 {
		return 0, nil
	}
	var last time.Time
	if err := conn.QueryRow(ctx, lastUpdate).Scan(&last); err != nil {
		return 0, fmt.Errorf("read contract_terms: %w", err)
	}
	stamp := time.Now().UTC().Truncate(time.Second)
	if !stamp.After(last) {
		stamp = last.UTC().Add(time.Second)
	}

	terms, err := conn.PrepareBatch(ctx, insertTerms)
	if err != nil {
		return 0, fmt.Errorf("prepare contract_terms insert: %w", err)
	}
	defer terms.Abort()
	dim, err := conn.PrepareBatch(ctx, insertDimension)
	if err != nil {
		return 0, fmt.Errorf("prepare contracts insert: %w", err)
	}
	defer dim.Abort()

	for _, id := range f.IDs() {
		for _, t := range f.Contracts[id] {
			tk, tv := kpiArrays(t.Targets)
			wk, wv := kpiArrays(t.Weights)
			err := terms.Append(t.ContractID, t.EffectiveFrom.UTC(), t.Name, t.ResponseHours, t.OnsiteHours, t.PartsDays,
				uint8(t.WarrantyYears), uint8(t.ExtensionYears), t.Calendar, t.Window, t.Timezone, nonNil(t.PauseReasons),
				t.Fees.CallOut, t.Fees.Hourly, t.Fees.PartsMarkupPercent,
				tk, tv, wk, wv, stamp, t.WarnHours,
				t.RepairWindow, t.Hotline, t.OnlineChannel)
			if err != nil {
				return 0, fmt.Errorf("contract %s effective %s: append to contract_terms: %w", id, t.EffectiveFrom.Format(time.RFC3339), err)
			}
			js, err := termsJSON(t)
			if err != nil {
				return 0, fmt.Errorf("contract %s: encode terms_json: %w", id, err)
			}
			err = dim.Append(t.ContractID, t.EffectiveFrom.UTC(), t.Name, t.ResponseHours, t.OnsiteHours, t.PartsDays,
				uint8(t.WarrantyYears), t.Calendar, t.Timezone, t.Window, js, stamp)
			if err != nil {
				return 0, fmt.Errorf("contract %s effective %s: append to contracts: %w", id, t.EffectiveFrom.Format(time.RFC3339), err)
			}
			versions++
		}
	}
	if err := terms.Send(); err != nil {
		return 0, fmt.Errorf("insert contract_terms: %w", err)
	}
	if err := dim.Send(); err != nil {
		return 0, fmt.Errorf("insert contracts: %w", err)
	}
	return versions, nil
}

// Read returns the versions in ClickHouse (contract_terms FINAL), the current
// terms of each. A file that was loaded reads back equal (File.Equal) to
// what Parse returned, without lines.
func Read(ctx context.Context, conn driver.Conn) (*File, error) {
	rows, err := conn.Query(ctx, selectTerms)
	if err != nil {
		return nil, fmt.Errorf("read contract_terms: %w", err)
	}
	defer rows.Close()
	f := &File{Contracts: map[string][]Terms{}, source: "contract_terms", kpis: map[kpiRef]int{}}
	for rows.Next() {
		var (
			t               Terms
			warranty, ext   uint8
			pauses          []string
			tk, wk          []string
			tv, wv          []float64
			updated         time.Time
			callOut, hourly decimal.Decimal
			markup          decimal.Decimal
		)
		if err := rows.Scan(&t.ContractID, &t.EffectiveFrom, &t.Name, &t.ResponseHours, &t.OnsiteHours, &t.PartsDays,
			&warranty, &ext, &t.Calendar, &t.Window, &t.Timezone, &pauses,
			&callOut, &hourly, &markup, &tk, &tv, &wk, &wv, &updated, &t.WarnHours,
			&t.RepairWindow, &t.Hotline, &t.OnlineChannel); err != nil {
			return nil, fmt.Errorf("read contract_terms: %w", err)
		}
		t.EffectiveFrom = t.EffectiveFrom.UTC()
		t.WarrantyYears, t.ExtensionYears = int(warranty), int(ext)
		if len(pauses) > 0 {
			t.PauseReasons = pauses
		}
		t.Fees = Fees{CallOut: cents(callOut), Hourly: cents(hourly), PartsMarkupPercent: cents(markup)}
		if t.Targets, err = kpiMap(tk, tv); err != nil {
			return nil, fmt.Errorf("contract_terms row %s %s: targets: %w", t.ContractID, t.EffectiveFrom.Format(time.RFC3339), err)
		}
		if t.Weights, err = kpiMap(wk, wv); err != nil {
			return nil, fmt.Errorf("contract_terms row %s %s: weights: %w", t.ContractID, t.EffectiveFrom.Format(time.RFC3339), err)
		}
		f.Contracts[t.ContractID] = append(f.Contracts[t.ContractID], t) // in effective_from order
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read contract_terms: %w", err)
	}
	return f, nil
}

// kpiArrays turns a KPI map into the parallel arrays of the table, keys sorted.
func kpiArrays(m map[string]float64) ([]string, []float64) {
	keys := sortedKeys(m)
	vals := make([]float64, len(keys))
	for i, k := range keys {
		vals[i] = m[k]
	}
	return keys, vals
}

func kpiMap(keys []string, vals []float64) (map[string]float64, error) {
	if len(keys) != len(vals) {
		return nil, fmt.Errorf("%d KPI ids but %d values", len(keys), len(vals))
	}
	if len(keys) == 0 {
		return nil, nil
	}
	m := make(map[string]float64, len(keys))
	for i, k := range keys {
		m[k] = vals[i]
	}
	return m, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// termsJSON is the terms_json column of the contracts table: every term,
// named as in the contracts file, amounts as decimal strings.
func termsJSON(t Terms) (string, error) {
	type fees struct {
		CallOut            string `json:"call_out"`
		Hourly             string `json:"hourly"`
		PartsMarkupPercent string `json:"parts_markup_percent"`
	}
	b, err := json.Marshal(struct {
		ID             string             `json:"id"`
		Name           string             `json:"name"`
		EffectiveFrom  string             `json:"effective_from"`
		ResponseHours  float64            `json:"response_hours"`
		OnsiteHours    float64            `json:"onsite_hours"`
		PartsDays      float64            `json:"parts_days"`
		WarnHours      float64            `json:"warn_hours"`
		WarrantyYears  int                `json:"warranty_years"`
		ExtensionYears int                `json:"extension_years"`
		Calendar       string             `json:"calendar"`
		Window         string             `json:"window"`
		Timezone       string             `json:"timezone"`
		RepairWindow   string             `json:"repair_window"`
		Hotline        string             `json:"hotline"`
		OnlineChannel  string             `json:"online_channel"`
		PauseReasons   []string           `json:"pause_reasons"`
		Fees           fees               `json:"fees"`
		Targets        map[string]float64 `json:"targets"`
		Weights        map[string]float64 `json:"weights"`
	}{
		t.ContractID, t.Name, t.EffectiveFrom.UTC().Format(time.RFC3339),
		t.ResponseHours, t.OnsiteHours, t.PartsDays, t.WarnHours, t.WarrantyYears, t.ExtensionYears,
		t.Calendar, t.Window, t.Timezone, t.RepairWindow, t.Hotline, t.OnlineChannel, nonNil(t.PauseReasons),
		fees{t.Fees.CallOut.StringFixed(2), t.Fees.Hourly.StringFixed(2), t.Fees.PartsMarkupPercent.StringFixed(2)},
		nonNilMap(t.Targets), nonNilMap(t.Weights),
	})
	return string(b), err
}

func nonNilMap(m map[string]float64) map[string]float64 {
	if m == nil {
		return map[string]float64{}
	}
	return m
}
