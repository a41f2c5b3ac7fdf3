package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"servicepulse/contracts"
	"servicepulse/metrics"
	"servicepulse/sla"
)

func runKPI(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "list" {
		return runKPIList(args[1:])
	}
	var (
		c                    warehouseFlags
		from, to, by, format string
		asOf, only           string
		noRefresh            bool
	)
	fs := newFlagSet("kpi", "")
	c.register(fs)
	fs.StringVar(&from, "from", "", "first opening date of the cohort, YYYY-MM-DD (required)")
	fs.StringVar(&to, "to", "", "last opening date of the cohort, YYYY-MM-DD, inclusive (required)")
	fs.StringVar(&by, "by", "", "group by: partner, contract, model, region, channel, day, week, month, quarter (comma-separated)")
	fs.StringVar(&format, "format", "table", "table, json or csv")
	fs.StringVar(&asOf, "as-of", "", "judge deadlines as of this RFC 3339 instant (default: now)")
	fs.StringVar(&only, "kpi", "", "only these KPI ids, comma-separated (default: the whole catalog)")
	fs.BoolVar(&noRefresh, "no-refresh", false, "do not bring request states up to date first")
	if err := parse(fs, args); err != nil {
		return err
	}
	q, kpis, err := kpiQuery(from, to, by, asOf, only)
	if err != nil {
		return err
	}
	if format != "table" && format != "json" && format != "csv" {
		return usagef("--format %q: want table, json or csv", format)
	}
	conn, log, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if !noRefresh {
		if _, err := sla.NewRefresher(conn, log).Refresh(ctx); err != nil {
			return err
		}
	}
	file, err := contracts.Read(ctx, conn)
	if err != nil {
		return err
	}
	groups, err := metrics.Run(ctx, conn, q, kpis, targetsOf(file, q.To))
	if err != nil {
		return err
	}
	rows := kpiRows(q, kpis, groups, targetsOf(file, q.To))
	switch format {
	case "json":
		return printJSON(rows)
	case "csv":
		return writeKPICSV(os.Stdout, q, rows)
	}
	return writeKPITable(os.Stdout, q, kpis, groups, targetsOf(file, q.To))
}

// kpiQuery turns the flags into a query; every mistake is a usage error.
func kpiQuery(from, to, by, asOf, only string) (metrics.Query, []metrics.KPI, error) {
	var q metrics.Query
	if from == "" || to == "" {
		return q, nil, usagef("kpi: --from and --to are required, e.g. --from 2026-07-01 --to 2026-09-30")
	}
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return q, nil, usagef("--from %q: want a date YYYY-MM-DD", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return q, nil, usagef("--to %q: want a date YYYY-MM-DD", to)
	}
	if t.Before(f) {
		return q, nil, usagef("--to %s is before --from %s", to, from)
	}
	q.From, q.To = f, t.AddDate(0, 0, 1)
	if q.By, err = metrics.ParseDimensions(by); err != nil {
		return q, nil, usagef("--by: %v", err)
	}
	q.AsOf = time.Now().UTC()
	if asOf != "" {
		if q.AsOf, err = time.Parse(time.RFC3339, asOf); err != nil {
			return q, nil, usagef("--as-of %q: want an RFC 3339 time like 2026-10-01T00:00:00+08:00", asOf)
		}
	}
	kpis := metrics.All()
	if only != "" {
		kpis = nil
		for _, id := range strings.Split(only, ",") {
			k, ok := metrics.ByID(strings.TrimSpace(id))
			if !ok {
				return q, nil, usagef("--kpi: unknown KPI %q; `servicepulse kpi list` shows the catalog", id)
			}
			kpis = append(kpis, k)
		}
	}
	return q, kpis, nil
}

// targetsOf takes each contract's target and weight overrides from the
// version in force at the end of the range.
func targetsOf(f *contracts.File, at time.Time) metrics.Targets {
	t := metrics.Targets{}
	for _, id := range f.IDs() {
		if terms, ok := f.At(id, at.Add(-time.Second)); ok {
			t[id] = metrics.Override{Targets: terms.Targets, Weights: terms.Weights}
		}
	}
	return t
}

// kpiRow is one value of `kpi --format json|csv`.
type kpiRow struct {
	KPI       string            `json:"kpi"`
	Title     string            `json:"title"`
	TitleZH   string            `json:"title_zh"`
	Unit      metrics.Unit      `json:"unit"`
	Direction metrics.Direction `json:"direction"`
	Clause    string            `json:"clause"`
	Value     *float64          `json:"value"` // null when there is no data
	Target    *float64          `json:"target"`
	Met       *bool             `json:"met"`
	Grade     string            `json:"grade,omitempty"`
	Keys      map[string]string `json:"-"`
}

// MarshalJSON puts the grouping keys beside the fixed fields.
func (r kpiRow) MarshalJSON() ([]byte, error) {
	type plain kpiRow
	b, err := json.Marshal(plain(r))
	if err != nil || len(r.Keys) == 0 {
		return b, err
	}
	extra, err := json.Marshal(r.Keys)
	if err != nil {
		return nil, err
	}
	return append(append(b[:len(b)-1], ','), extra[1:]...), nil
}

func kpiRows(q metrics.Query, kpis []metrics.KPI, groups []metrics.Group, targets metrics.Targets) []kpiRow {
	var rows []kpiRow
	for _, g := range groups {
		keys := map[string]string{}
		for d, v := range g.Keys {
			keys[string(d)] = v
		}
		o := targets.For(g.Keys)
		for _, k := range kpis {
			r := kpiRow{KPI: k.ID, Title: k.Title, TitleZH: k.TitleZH, Unit: k.Unit, Direction: k.Direction, Clause: k.Clause, Keys: keys}
			v := g.Values[k.ID]
			if !math.IsNaN(v) {
				r.Value = &v
			}
			if k.Direction != metrics.Informational {
				t := o.Target(k)
				r.Target = &t
				if met, known := metrics.Met(k, v, t); known {
					r.Met = &met
				}
			}
			if k.ID == metrics.EvaluationID {
				r.Grade = metrics.Grade(v)
			}
			rows = append(rows, r)
		}
	}
	return rows
}

func num(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func writeKPICSV(w io.Writer, q metrics.Query, rows []kpiRow) error {
	cw := csv.NewWriter(w)
	header := []string{}
	for _, d := range q.By {
		header = append(header, string(d))
	}
	header = append(header, "kpi", "value", "target", "met", "unit", "clause")
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{}
		for _, d := range q.By {
			rec = append(rec, r.Keys[string(d)])
		}
		met := ""
		if r.Met != nil {
			met = strconv.FormatBool(*r.Met)
		}
		rec = append(rec, r.KPI, num(r.Value), num(r.Target), met, string(r.Unit), r.Clause)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeKPITable prints one line per KPI and one column per group, each value
// marked ✓ (target met) or ✗.
func writeKPITable(w io.Writer, q metrics.Query, kpis []metrics.KPI, groups []metrics.Group, targets metrics.Targets) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "KPIs of requests opened %s … %s, as of %s\n\n", q.From.Format(time.DateOnly),
		q.To.AddDate(0, 0, -1).Format(time.DateOnly), q.AsOf.Format(time.RFC3339))
	head := "KPI\tunit\ttarget\t"
	for _, g := range groups {
		head += groupLabel(q, g) + "\t"
	}
	if len(groups) == 0 {
		fmt.Fprintln(w, "(no requests in this range)")
		return nil
	}
	fmt.Fprintln(tw, head+"clause\t")
	for _, k := range kpis {
		o := targets.For(groups[0].Keys)
		target := "-"
		if k.Direction != metrics.Informational {
			target = fmt.Sprintf("%s %s", map[metrics.Direction]string{metrics.HigherIsBetter: "≥", metrics.LowerIsBetter: "≤"}[k.Direction], short(o.Target(k)))
		}
		line := k.Title + " " + k.TitleZH + "\t" + string(k.Unit) + "\t" + target + "\t"
		for _, g := range groups {
			o := targets.For(g.Keys)
			v := g.Values[k.ID]
			cell := "-"
			if !math.IsNaN(v) {
				cell = short(v)
				if met, known := metrics.Met(k, v, o.Target(k)); known {
					cell += map[bool]string{true: " ✓", false: " ✗"}[met]
				}
				if k.ID == metrics.EvaluationID {
					cell += " " + metrics.Grade(v)
				}
			}
			line += cell + "\t"
		}
		fmt.Fprintln(tw, line+k.Clause+"\t")
	}
	return tw.Flush()
}

func groupLabel(q metrics.Query, g metrics.Group) string {
	if len(q.By) == 0 {
		return "all"
	}
	parts := make([]string, len(q.By))
	for i, d := range q.By {
		parts[i] = g.Keys[d]
	}
	return strings.Join(parts, " ")
}

func short(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

func runKPIList(args []string) error {
	var format string
	fs := newFlagSet("kpi list", "")
	fs.StringVar(&format, "format", "table", "table or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch format {
	case "json":
		return printJSON(metrics.All())
	case "table":
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "id\ttitle\tunit\tbetter\ttarget\tweight\tclause\tformula")
		for _, k := range metrics.All() {
			fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Title, k.TitleZH, k.Unit, k.Direction,
				short(k.Target), short(k.Weight), k.Clause, k.Formula)
		}
		return tw.Flush()
	}
	return usagef("--format %q: want table or json", format)
}
