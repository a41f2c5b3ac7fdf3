package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Stable identities of what we provision. Every uid starts with UIDPrefix:
// objects with it are ours, and provisioning overwrites them.
const (
	UIDPrefix   = "servicepulse-"
	FolderUID   = "servicepulse-folder"
	FolderTitle = "ServicePulse"
)

// Dashboard is one generated dashboard.
type Dashboard struct {
	UID   string
	Title string
	// Model is the dashboard as the foundation SDK built it.
	Model dashboard.Dashboard
	// Queries are every SQL query of the dashboard: panels and variables.
	Queries []PanelQuery
	// PromQueries are its PromQL queries (pipeline health).
	PromQueries []PromQuery
}

// JSON is the dashboard model as Grafana stores it (indented, stable).
func (d Dashboard) JSON() ([]byte, error) {
	b, err := indentJSON(d.Model)
	if err != nil {
		return nil, fmt.Errorf("encode dashboard %s: %w", d.UID, err)
	}
	return b, nil
}

// indentJSON encodes v indented, with a final newline, and with <, > and &
// as themselves (SQL is full of them): the SDK's own marshalers escape them
// as \u003c, \u003e, \u0026, which is the same JSON but unreadable.
func indentJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return unescapeHTML(buf.Bytes()), nil
}

// unescapeHTML turns the escapes \u003c, \u003e and \u0026 back into the
// characters, leaving an escaped backslash followed by "u003c" alone.
func unescapeHTML(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] == 'u' && i+5 < len(b) {
			switch string(b[i+2 : i+6]) {
			case "003c":
				out, i = append(out, '<'), i+5
				continue
			case "003e":
				out, i = append(out, '>'), i+5
				continue
			case "0026":
				out, i = append(out, '&'), i+5
				continue
			}
		}
		out = append(out, b[i], b[i+1]) // any other escape, \\ included
		i++
	}
	return out
}

// Map is the dashboard model as a generic JSON object, the form the
// Grafana HTTP API takes and returns.
func (d Dashboard) Map() (map[string]any, error) {
	b, err := json.Marshal(d.Model)
	if err != nil {
		return nil, fmt.Errorf("encode dashboard %s: %w", d.UID, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode dashboard %s: %w", d.UID, err)
	}
	return m, nil
}

// Set is everything we provision into Grafana: the datasource, the folder,
// the dashboards and the alert rules, all built from the KPI catalog.
type Set struct {
	Datasource Datasource
	// Prometheus is where the pipeline-health panels and the lag alert read
	// ingest's metrics. Build sets DefaultPrometheusURL.
	Prometheus PrometheusDatasource
	Dashboards []Dashboard
	Alerts     AlertGroup
}

// Build generates the set for a datasource.
func Build(ds Datasource) (Set, error) {
	builders := []func(Datasource) (Dashboard, error){
		ExecutiveOverview, SLABreaches, PartnerBenchmark, FeedbackComplaints, WarrantyPartsCosts, PipelineHealth, RequestTimeline,
	}
	set := Set{Datasource: ds, Prometheus: PrometheusDatasource{URL: DefaultPrometheusURL}}
	for _, build := range builders {
		d, err := build(ds)
		if err != nil {
			return Set{}, err
		}
		if !strings.HasPrefix(d.UID, UIDPrefix) {
			return Set{}, fmt.Errorf("dashboard uid %q: must start with %q", d.UID, UIDPrefix)
		}
		set.Dashboards = append(set.Dashboards, d)
	}
	alerts, err := Alerts(ds)
	if err != nil {
		return Set{}, err
	}
	set.Alerts = alerts
	return set, nil
}

// Queries lists every query of the set: panels, variables, alert rules.
func (s Set) Queries() []PanelQuery {
	var out []PanelQuery
	for _, d := range s.Dashboards {
		out = append(out, d.Queries...)
	}
	return append(out, s.Alerts.Queries...)
}

// PromQueries lists every PromQL query of the set: panels and alert rules.
func (s Set) PromQueries() []PromQuery {
	var out []PromQuery
	for _, d := range s.Dashboards {
		out = append(out, d.PromQueries...)
	}
	return append(out, s.Alerts.PromQueries...)
}
