package dashboards

import (
	"encoding/json"

	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
)

// PluginID is the type of the ClickHouse datasource plugin's datasources.
const PluginID = "grafana-clickhouse-datasource"

// Format is how the plugin shapes a query's result (sqlutil's
// FormatQueryOption).
type Format int

// Formats.
const (
	// TimeSeries turns a long result (time, string labels, numbers) into
	// one series per label set. The result needs a time column.
	TimeSeries Format = 0
	// Table returns the rows as they are.
	Table Format = 1
)

// Query is the query model of the ClickHouse plugin (v4) in SQL-editor
// mode. The foundation SDK has no ClickHouse package; this type is the
// dataquery variant it lacks, so panels still take typed targets.
type Query struct {
	RefID      string               `json:"refId"`
	Datasource common.DataSourceRef `json:"datasource"`
	EditorType string               `json:"editorType"` // always "sql"
	RawSQL     string               `json:"rawSql"`
	Format     Format               `json:"format"`
	QueryType  string               `json:"queryType"` // "table" or "timeseries": how Explore shows it
	// IntervalMs and MaxDataPoints are set in alert queries, where Grafana
	// would otherwise add its defaults on save.
	IntervalMs    float64 `json:"intervalMs,omitempty"`
	MaxDataPoints int64   `json:"maxDataPoints,omitempty"`
}

// ImplementsDataqueryVariant marks Query as a panel target.
func (Query) ImplementsDataqueryVariant() {}

// DataqueryType is the plugin id.
func (Query) DataqueryType() string { return PluginID }

// Validate reports nothing: queries are built by this package.
func (Query) Validate() error { return nil }

// Equals compares two targets.
func (q Query) Equals(other variants.Dataquery) bool {
	o, ok := other.(Query)
	if !ok {
		return false
	}
	a, _ := json.Marshal(q)
	b, _ := json.Marshal(o)
	return string(a) == string(b)
}

// Build makes Query its own builder.
func (q Query) Build() (variants.Dataquery, error) { return q, nil }

func newQuery(ds common.DataSourceRef, refID, sql string, f Format) Query {
	qt := "table"
	if f == TimeSeries {
		qt = "timeseries"
	}
	return Query{RefID: refID, Datasource: ds, EditorType: "sql", RawSQL: sql, Format: f, QueryType: qt}
}
