package dashboards

import (
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// PromQuery is one PromQL query of a dashboard panel or of an alert rule:
// tests evaluate every one of them on a real Prometheus scraping ingest.
type PromQuery struct {
	Dashboard string // dashboard uid, or AlertRulesUID for alert rules
	Panel     string // panel title or "alert <uid>"
	RefID     string
	Expr      string
}

// The ingest metrics the panels and the lag alert read (ingest/metrics.go).
const (
	metricLag      = "servicepulse_ingest_consumer_lag"
	metricConsumed = "servicepulse_ingest_consumed_total"
	metricIngested = "servicepulse_ingest_ingested_total"
	metricRejected = "servicepulse_ingest_rejected_total"
	metricWrite    = "servicepulse_ingest_batch_write_seconds"
)

// lagByPartition is the group's lag per partition, once: every ingest
// process reports every partition of its group with the same value, so
// the instances are collapsed with max, never summed.
const lagByPartition = "max by (group, topic, partition) (" + metricLag + ")"

// lagTotal is the group's lag summed over its partitions.
const lagTotal = "sum by (group) (" + lagByPartition + ")"

// lagGrowing is the group's total lag where it grew over window (a PromQL
// duration, e.g. 10m): the lag alert's query. deriv is taken per series
// before the instances are collapsed, as rate would be.
func lagGrowing(window string) string {
	return lagTotal + "\n  and on (group)\n(sum by (group) (max by (group, topic, partition) (deriv(" + metricLag + "[" + window + "]))) > 0)"
}

// ratePerSecond sums a counter's rate by label: each process counts only
// the messages it handled, so summing the instances counts each once.
func ratePerSecond(metric, by string) string {
	return "sum by (" + by + ") (rate(" + metric + "[$__rate_interval]))"
}

// writeQuantile is the q-quantile of the batch write time.
func writeQuantile(q string) string {
	return "histogram_quantile(" + q + ", sum by (le) (rate(" + metricWrite + "_bucket[$__rate_interval])))"
}

// promQuery registers a panel's PromQL target and returns it.
func (b *board) promQuery(panel, refID, expr, legend string) cog.Builder[variants.Dataquery] {
	b.prom = append(b.prom, PromQuery{Dashboard: b.uid, Panel: panel, RefID: refID, Expr: expr})
	return prometheus.NewDataqueryBuilder().
		RefId(refID).
		Datasource(PrometheusDatasource{}.Ref()).
		Expr(expr).
		EditorMode(prometheus.QueryEditorModeCode).
		LegendFormat(legend).
		Range()
}

// ExpandPromQL replaces Grafana's interval variables as Grafana does for a
// panel of the given rate interval (e.g. "1m"): tests evaluate the result.
func ExpandPromQL(expr, rateInterval string) string {
	return strings.NewReplacer("$__rate_interval", rateInterval, "$__interval", rateInterval).Replace(expr)
}
