package reports

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/metrics"
)

// Action is an improvement action of clause 11.4.
type Action struct {
	ID    string    `json:"id"`
	KPI   string    `json:"kpi"`
	Owner string    `json:"owner"`
	Due   time.Time `json:"due"` // a date
	Note  string    `json:"note"`
	// CreatedAt is when the action was added; Baseline the KPI's value over
	// all partners in BaselinePeriod, the last whole month before it (nil:
	// no data).
	CreatedAt      time.Time `json:"created_at"`
	BaselinePeriod string    `json:"baseline_period"`
	Baseline       *float64  `json:"baseline"`
}

// Action outcomes, as a report judges them.
const (
	ReachedTarget = "reached target"
	Improved      = "improved"
	NotImproved   = "not improved"
	NoData        = "no data"
)

// ActionStatus is an action judged by a report.
type ActionStatus struct {
	Action
	Value   *float64 `json:"value"` // the KPI in the report's period
	Target  float64  `json:"target"`
	Outcome string   `json:"outcome"` // ReachedTarget, Improved, NotImproved or NoData
}

// Validate rejects an action that cannot be judged.
func (a Action) Validate() error {
	k, ok := metrics.ByID(a.KPI)
	switch {
	case !ok:
		return fmt.Errorf("unknown KPI %q: want one of %s", a.KPI, metrics.IDs())
	case k.Direction == metrics.Informational:
		return fmt.Errorf("KPI %q has no target: an action cannot improve it", a.KPI)
	case strings.TrimSpace(a.Owner) == "":
		return fmt.Errorf("owner is empty")
	case a.Due.IsZero():
		return fmt.Errorf("due date is not set")
	}
	return nil
}

// AddAction stores a new action created at now, with the KPI's value over
// the last whole month before now as its baseline, and returns it.
func AddAction(ctx context.Context, conn driver.Conn, a Action, now time.Time) (Action, error) {
	if err := a.Validate(); err != nil {
		return Action{}, fmt.Errorf("add action: %w", err)
	}
	now = now.UTC().Truncate(time.Second)
	this := monthOf(now.Year(), now.Month())
	base := this.Previous(1)[0]
	vals, err := cohort(ctx, conn, metrics.Query{From: base.From, To: base.To, AsOf: now})
	if err != nil {
		return Action{}, fmt.Errorf("add action: baseline %s: %w", base.Label, err)
	}
	v, ok := vals[a.KPI]
	if !ok {
		v = math.NaN()
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Action{}, fmt.Errorf("add action: %w", err)
	}
	a.ID = "ACT-" + now.Format("20060102") + "-" + hex.EncodeToString(b[:])
	a.CreatedAt, a.BaselinePeriod, a.Baseline = now, base.Label, num(v)
	a.Due = time.Date(a.Due.Year(), a.Due.Month(), a.Due.Day(), 0, 0, 0, 0, time.UTC)
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO improvement_actions (id, kpi, owner, due, note, created_at, baseline_period, baseline)")
	if err != nil {
		return Action{}, fmt.Errorf("add action: %w", err)
	}
	if err := batch.Append(a.ID, a.KPI, a.Owner, a.Due, a.Note, a.CreatedAt, a.BaselinePeriod, v); err != nil {
		batch.Abort()
		return Action{}, fmt.Errorf("add action: %w", err)
	}
	if err := batch.Send(); err != nil {
		return Action{}, fmt.Errorf("add action: %w", err)
	}
	return a, nil
}

// ListActions returns the actions created at or before until, oldest first
// (zero until: all).
func ListActions(ctx context.Context, conn driver.Conn, until time.Time) ([]Action, error) {
	q := "SELECT id, kpi, owner, due, note, created_at, baseline_period, baseline FROM improvement_actions"
	var args []any
	if !until.IsZero() {
		q += " WHERE created_at <= toDateTime(?, 'UTC')"
		args = append(args, until.UTC().Format(time.DateTime))
	}
	rows, err := conn.Query(ctx, q+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	defer rows.Close()
	out := []Action{}
	for rows.Next() {
		var a Action
		var v float64
		if err := rows.Scan(&a.ID, &a.KPI, &a.Owner, &a.Due, &a.Note, &a.CreatedAt, &a.BaselinePeriod, &v); err != nil {
			return nil, fmt.Errorf("list actions: %w", err)
		}
		a.Due, a.CreatedAt, a.Baseline = a.Due.UTC(), a.CreatedAt.UTC(), num(v)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	return out, nil
}

// Judge compares an action's KPI value v (NaN: no data) with its target
// and baseline: reached target, else improved on the baseline in the KPI's
// direction, else not improved.
func Judge(a Action, v float64) ActionStatus {
	k, _ := metrics.ByID(a.KPI)
	s := ActionStatus{Action: a, Value: num(v), Target: k.Target}
	met, known := metrics.Met(k, v, k.Target)
	switch {
	case !known:
		s.Outcome = NoData
	case met:
		s.Outcome = ReachedTarget
	case a.Baseline == nil:
		s.Outcome = NoData
	case k.Direction == metrics.LowerIsBetter && v < *a.Baseline,
		k.Direction == metrics.HigherIsBetter && v > *a.Baseline:
		s.Outcome = Improved
	default:
		s.Outcome = NotImproved
	}
	return s
}
