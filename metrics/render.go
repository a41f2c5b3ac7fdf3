package metrics

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Write prints results of q in format: "table" (WriteTable), "csv"
// (WriteCSV) or "json" (WriteJSON).
func Write(w io.Writer, format string, q Query, rs []Result) error {
	switch format {
	case "table":
		return WriteTable(w, q, rs)
	case "csv":
		return WriteCSV(w, q.By, rs)
	case "json":
		return WriteJSON(w, rs)
	}
	return fmt.Errorf("unknown format %q: want table, json or csv", format)
}

// WriteTable prints results of q as `servicepulse kpi` does: one line per
// KPI and one column per group, each value marked ✓ (target met) or ✗, the
// evaluation score with its grade. The target column is the first group's.
func WriteTable(w io.Writer, q Query, rs []Result) error {
	fmt.Fprintf(w, "KPIs of requests opened %s … %s, as of %s\n\n", q.From.Format(time.DateOnly),
		q.To.AddDate(0, 0, -1).Format(time.DateOnly), q.AsOf.Format(time.RFC3339))
	if len(rs) == 0 {
		fmt.Fprintln(w, "(no requests in this range)")
		return nil
	}
	// Pivot: groups in the order they come, KPIs in the order of the first group.
	var groups []string
	var kpis []Result // each KPI's row in the first group
	cells := map[string]map[string]Result{}
	for _, r := range rs {
		g := groupID(q.By, r.Keys)
		if cells[g] == nil {
			groups = append(groups, g)
			cells[g] = map[string]Result{}
		}
		if len(groups) == 1 {
			kpis = append(kpis, r)
		}
		cells[g][r.ID] = r
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "KPI\tunit\ttarget\t"
	for _, g := range groups {
		head += columnLabel(q.By, cells[g][kpis[0].ID].Keys) + "\t"
	}
	fmt.Fprintln(tw, head+"clause\t")
	for _, k := range kpis {
		target := "-"
		if k.Target != nil {
			target = map[Direction]string{HigherIsBetter: "≥", LowerIsBetter: "≤"}[k.Direction] + " " + oneDecimal(*k.Target)
		}
		line := k.Title + " " + k.TitleZH + "\t" + string(k.Unit) + "\t" + target + "\t"
		for _, g := range groups {
			line += tableCell(cells[g][k.ID]) + "\t"
		}
		fmt.Fprintln(tw, line+k.Clause+"\t")
	}
	return tw.Flush()
}

// tableCell is one value of the table: "-" without data.
func tableCell(r Result) string {
	if r.Value == nil {
		return "-"
	}
	s := oneDecimal(*r.Value)
	if r.Met != nil {
		s += map[bool]string{true: " ✓", false: " ✗"}[*r.Met]
	}
	if r.ID == EvaluationID {
		s += " " + r.Grade
	}
	return s
}

// groupID identifies a group by its values of the dimensions by.
func groupID(by []Dimension, keys map[Dimension]string) string {
	parts := make([]string, len(by))
	for i, d := range by {
		parts[i] = keys[d]
	}
	return strings.Join(parts, "\x00")
}

// columnLabel names a group in the table's header: "all" without grouping.
func columnLabel(by []Dimension, keys map[Dimension]string) string {
	if len(by) == 0 {
		return "all"
	}
	return strings.ReplaceAll(groupID(by, keys), "\x00", " ")
}

// WriteCSV prints results as CSV: a column per dimension of by, then kpi,
// value, target, met, unit and clause; no data is an empty cell.
func WriteCSV(w io.Writer, by []Dimension, rs []Result) error {
	cw := csv.NewWriter(w)
	header := []string{}
	for _, d := range by {
		header = append(header, string(d))
	}
	header = append(header, "kpi", "value", "target", "met", "unit", "clause")
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, r := range rs {
		rec := []string{}
		for _, d := range by {
			rec = append(rec, r.Keys[d])
		}
		met := ""
		if r.Met != nil {
			met = strconv.FormatBool(*r.Met)
		}
		rec = append(rec, r.ID, csvNumber(r.Value), csvNumber(r.Target), met, string(r.Unit), r.Clause)
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvNumber(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// WriteJSON prints results as an indented JSON array, one object per
// result: kpi, title, title_zh, unit, direction, clause, value, target, met,
// grade (the evaluation score's only), then the group's keys by dimension.
func WriteJSON(w io.Writer, rs []Result) error {
	var rows []jsonRow
	for _, r := range rs {
		rows = append(rows, jsonRow{KPI: r.ID, Title: r.Title, TitleZH: r.TitleZH, Unit: r.Unit,
			Direction: r.Direction, Clause: r.Clause, Value: r.Value, Target: r.Target, Met: r.Met,
			Grade: r.Grade, keys: r.Keys})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// jsonRow is the layout of one result in WriteJSON.
type jsonRow struct {
	KPI       string    `json:"kpi"`
	Title     string    `json:"title"`
	TitleZH   string    `json:"title_zh"`
	Unit      Unit      `json:"unit"`
	Direction Direction `json:"direction"`
	Clause    string    `json:"clause"`
	Value     *float64  `json:"value"`
	Target    *float64  `json:"target"`
	Met       *bool     `json:"met"`
	Grade     string    `json:"grade,omitempty"`
	keys      map[Dimension]string
}

// MarshalJSON puts the grouping keys beside the fixed fields.
func (r jsonRow) MarshalJSON() ([]byte, error) {
	type plain jsonRow
	b, err := json.Marshal(plain(r))
	if err != nil || len(r.keys) == 0 {
		return b, err
	}
	extra, err := json.Marshal(r.keys)
	if err != nil {
		return nil, err
	}
	return append(append(b[:len(b)-1], ','), extra[1:]...), nil
}

// WriteCatalog prints the catalog kpis (`servicepulse kpi list`) in format:
// "json" (an indented array of KPI), or "table" (id, titles, unit,
// direction, target, weight, clause and formula).
func WriteCatalog(w io.Writer, format string, kpis []KPI) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(kpis)
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "id\ttitle\tunit\tbetter\ttarget\tweight\tclause\tformula")
		for _, k := range kpis {
			fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Title, k.TitleZH, k.Unit, k.Direction,
				oneDecimal(k.Target), oneDecimal(k.Weight), k.Clause, k.Formula)
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown format %q: want table or json", format)
}

// oneDecimal rounds v to one decimal for a table.
func oneDecimal(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}
