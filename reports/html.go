package reports

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
)

//go:embed report.html.tmpl scorecard.html.tmpl
var templates embed.FS

var pages = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"num": formatNum,
	"val": func(v float64) string { return formatNum(&v) },
	"signed": func(v *float64) string {
		if v != nil && *v > 0 {
			return "+" + formatNum(v)
		}
		return strings.Replace(formatNum(v), "-", "−", 1)
	},
	"chart": trendChart,
	"met": func(m *bool) string {
		switch {
		case m == nil:
			return "—"
		case *m:
			return "met"
		}
		return "missed"
	},
	"join": strings.Join,
}).ParseFS(templates, "*.html.tmpl"))

// WriteHTML renders r as one self-contained HTML page (no external assets;
// trends as inline SVG) that prints on A4.
func WriteHTML(w io.Writer, r *Report) error {
	if err := pages.ExecuteTemplate(w, "report.html.tmpl", r); err != nil {
		return fmt.Errorf("render report %s: %w", r.Period.Label, err)
	}
	return nil
}

// WriteScorecardHTML renders a partner scorecard as one self-contained page.
func WriteScorecardHTML(w io.Writer, s *Scorecard) error {
	if err := pages.ExecuteTemplate(w, "scorecard.html.tmpl", s); err != nil {
		return fmt.Errorf("render scorecard %s %s: %w", s.Period.Label, s.PartnerID, err)
	}
	return nil
}

func formatNum(v *float64) string {
	if v == nil {
		return "—"
	}
	if *v == math.Trunc(*v) && math.Abs(*v) < 1e15 {
		return strconv.FormatFloat(*v, 'f', 0, 64)
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

// Chart is an inline SVG line of a KPI over the trend periods and the
// reported one; periods without data have no point.
type Chart struct {
	Width, Height int
	Line          string // polyline points
	Points        []ChartPoint
}

// ChartPoint is one plotted value.
type ChartPoint struct {
	X, Y  float64
	Label string
}

func trendChart(k KPIValue, period string) Chart {
	const w, h, pad = 160, 40, 4
	vals := make([]*float64, 0, len(k.Trend)+1)
	labels := make([]string, 0, len(k.Trend)+1)
	for _, t := range k.Trend {
		vals, labels = append(vals, t.Value), append(labels, t.Period)
	}
	vals, labels = append(vals, k.Value), append(labels, period)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if v != nil {
			lo, hi = math.Min(lo, *v), math.Max(hi, *v)
		}
	}
	if k.Target != nil && !math.IsInf(lo, 0) {
		lo, hi = math.Min(lo, *k.Target), math.Max(hi, *k.Target)
	}
	c := Chart{Width: w, Height: h}
	if math.IsInf(lo, 0) {
		return c
	}
	span := hi - lo
	if span == 0 {
		span = 1
	}
	var line []string
	for i, v := range vals {
		if v == nil {
			continue
		}
		x := pad + float64(i)*float64(w-2*pad)/float64(max(len(vals)-1, 1))
		y := h - pad - (*v-lo)/span*float64(h-2*pad)
		c.Points = append(c.Points, ChartPoint{X: x, Y: y, Label: labels[i] + ": " + formatNum(v)})
		line = append(line, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	c.Line = strings.Join(line, " ")
	return c
}
