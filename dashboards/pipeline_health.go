package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// PipelineHealthUID is the uid of the pipeline health dashboard.
const PipelineHealthUID = "servicepulse-pipeline-health"

// Time columns of the pipeline's rows (PanelQuery.TimeColumn).
const (
	IngestedAt = "ingested_at"
	RejectedAt = "rejected_at"
)

// bucket is the start of the panel's interval containing column: the
// plugin's $__timeInterval needs toStartOfInterval, which ClickHouse 18.16
// lacks, so the bucket is computed from $__interval_s, which works on both.
func bucket(column string) string {
	return "toDateTime(intDiv(toUInt32(" + column + "), $__interval_s) * $__interval_s)"
}

// PipelineHealth shows what ClickHouse knows of the pipeline: rows ingested
// per minute, rejects (the DLQ's rows) by reason and the reject rate,
// event-to-ingest delay, and how fresh the data and the request states are.
// From Prometheus (ingest's /metrics): consumer lag per partition, the
// consumed, ingested and rejected rates, and the batch write latency.
func PipelineHealth(ds Datasource) (Dashboard, error) {
	b := newBoard(PipelineHealthUID, "ServicePulse · Pipeline health",
		"Ingest rate, consumer lag, throughput, write latency, rejects by reason, delay and freshness of the Kafka → ClickHouse pipeline (数据管道健康状况). Lag, throughput and latency come from Prometheus (ingest's /metrics), the rest from ClickHouse.",
		ds)
	b.db.Timezone(common.TimeZoneBrowser).Time("now-6h", "now").Refresh("30s")

	b.row("Ingest")
	title := "Rows ingested per minute"
	perMinute := func(table string) string {
		return "SELECT " + bucket(IngestedAt) + " AS time,\n  count() * 60 / ($__interval_s) AS " + table +
			"\nFROM " + table + "\nWHERE $__timeFilter(" + IngestedAt + ")\nGROUP BY time\nORDER BY time"
	}
	b.add(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("每分钟入库行数 — rows written per minute by ingest time, per fact table (redelivered copies included until ClickHouse merges them).").
		Datasource(b.ds).
		WithTarget(b.query(title, "A", perMinute("service_events"), TimeSeries, IngestedAt, "time", "service_events")).
		WithTarget(b.query(title, "B", perMinute("feedback"), TimeSeries, IngestedAt, "time", "feedback")).
		Unit("short").
		FillOpacity(20).
		Height(8).Span(16))
	title = "Consumer lag per partition"
	b.add(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("消费延迟 — messages left per partition for the consumer group: its committed offsets against the high-water marks, read from the broker every few seconds by every ingest process (Prometheus, servicepulse_ingest_consumer_lag). It rises while a worker stalls. The alert \"Consumer lag keeps growing\" fires above " + num(LagMax) + " messages while it grows over " + shortDuration(LagGrowthWindow) + ".").
		Datasource(PrometheusDatasource{}.Ref()).
		WithTarget(b.promQuery(title, "A", lagByPartition, "{{topic}}/{{partition}}")).
		Unit("short").
		FillOpacity(10).
		Height(8).Span(8))

	b.row("Throughput and write latency (Prometheus)")
	title = "Consumed, ingested and rejected per second"
	b.add(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("吞吐量 — from ingest's counters: messages consumed per topic, fact rows ingested per table and messages rejected per reason, per second, summed over the ingest processes.").
		Datasource(PrometheusDatasource{}.Ref()).
		WithTarget(b.promQuery(title, "A", ratePerSecond(metricConsumed, "topic"), "consumed {{topic}}")).
		WithTarget(b.promQuery(title, "B", ratePerSecond(metricIngested, "table"), "ingested {{table}}")).
		WithTarget(b.promQuery(title, "C", ratePerSecond(metricRejected, "reason"), "rejected {{reason}}")).
		Unit("reqps").
		Height(8).Span(12))
	title = "Batch write latency"
	b.add(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("写入延迟 — time to write a batch to ClickHouse, retries included (servicepulse_ingest_batch_write_seconds): median, p90 and p99 over all ingest processes.").
		Datasource(PrometheusDatasource{}.Ref()).
		WithTarget(b.promQuery(title, "A", writeQuantile("0.5"), "p50")).
		WithTarget(b.promQuery(title, "B", writeQuantile("0.9"), "p90")).
		WithTarget(b.promQuery(title, "C", writeQuantile("0.99"), "p99")).
		Unit("s").
		Height(8).Span(12))

	b.row("Delay and freshness")
	title = "Event-to-ingest delay"
	delay := "toInt64(toUInt32(" + IngestedAt + ")) - toInt64(toUInt32(occurred_at))"
	b.add(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("事件到入库的延迟 — seconds from an event's occurred_at to its ingest, median and p90 by ingest time (service records). Replays of old traffic show as long delays.").
		Datasource(b.ds).
		WithTarget(b.query(title, "A", "SELECT "+bucket(IngestedAt)+" AS time,\n  quantileExact(0.5)("+delay+") AS delay_p50,\n  quantileExact(0.9)("+delay+
			") AS delay_p90\nFROM service_events\nWHERE $__timeFilter("+IngestedAt+")\nGROUP BY time\nORDER BY time", TimeSeries, IngestedAt, "time", "delay_p50", "delay_p90")).
		Unit("s").
		Height(8).Span(12))
	title = "Since the last row and the last SLA refresh"
	b.add(stat.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("数据新鲜度 — seconds since the newest row of service_events or feedback was ingested, and since request states were last refreshed (state_refreshes). Not limited to the time range.").
		Datasource(b.ds).
		WithTarget(b.query(title, "A", "SELECT dateDiff('second', greatest((SELECT max("+IngestedAt+") FROM service_events), (SELECT max("+IngestedAt+
			") FROM feedback)), now()) AS since_last_row,\n  dateDiff('second', (SELECT max(refreshed_at) FROM state_refreshes), now()) AS since_last_refresh",
			Table, "", "since_last_row", "since_last_refresh")).
		Unit("s").
		Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps([]dashboard.Threshold{
			{Color: "green"}, {Value: ptr(300.0), Color: "orange"}, {Value: ptr(3600.0), Color: "red"}})).
		ColorScheme(byThresholds()).
		OverrideByName("since_last_row", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Since the last row"}}).
		OverrideByName("since_last_refresh", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "Since the last SLA refresh"}}).
		Height(8).Span(12))

	b.row("Rejects and dead letters")
	title = "Reject rate"
	b.add(stat.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("拒收率 — rejected messages ÷ all messages (rejected + fact rows) in the time range. The alert \"Reject rate above threshold\" fires above " + num(RejectRateMax) + " % over 15 minutes.").
		Datasource(b.ds).
		WithTarget(b.query(title, "A", rejectRateSQL(), Table, RejectedAt, "reject_rate")).
		Unit(unitPercent).Decimals(2).
		Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps([]dashboard.Threshold{
			{Color: "green"}, {Value: ptr(smallestAbove(RejectRateMax)), Color: "red"}})).
		ColorScheme(byThresholds()).
		ColorMode(common.BigValueColorModeBackground).
		Height(6).Span(6))
	title = "Dead letters"
	b.add(stat.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("死信数 — rejected messages in the time range. Each one is a row of the rejects table (redacted payload, reason) and a sealed message on the DLQ topic.").
		Datasource(b.ds).
		WithTarget(b.query(title, "A", "SELECT count() AS dead_letters\nFROM rejects FINAL\nWHERE $__timeFilter("+RejectedAt+")", Table, RejectedAt, "dead_letters")).
		Unit("short").
		Height(6).Span(6))
	title = "Rejects by reason"
	b.add(barchart.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("按原因的拒收 — rejected messages in the time range by reason (docs/events.md lists the reasons).").
		Datasource(b.ds).
		WithTarget(b.query(title, "A", "SELECT reason, count() AS rejects\nFROM rejects FINAL\nWHERE $__timeFilter("+RejectedAt+")\nGROUP BY reason\nORDER BY rejects DESC, reason", Table, RejectedAt, "reason", "rejects")).
		XField("reason").
		Orientation(common.VizOrientationHorizontal).
		ShowValue(common.VisibilityModeAlways).
		ColorScheme(dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdFixed).FixedColor("orange")).
		Height(6).Span(12))
	title = "Rejects per minute by reason"
	b.add(timeseries.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description("拒收趋势 — rejected messages per minute by reject time, one series per reason.").
		Datasource(b.ds).
		WithTarget(b.query(title, "A", "SELECT "+bucket(RejectedAt)+" AS time,\n  reason,\n  count() * 60 / ($__interval_s) AS rejects\nFROM rejects FINAL\nWHERE $__timeFilter("+RejectedAt+
			")\nGROUP BY time, reason\nORDER BY time, reason", TimeSeries, RejectedAt, "time", "reason", "rejects")).
		DrawStyle(common.GraphDrawStyleBars).FillOpacity(70).
		Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal)).
		Unit("short").
		Height(8).Span(24))
	return b.build()
}

// rejectRateSQL is the percentage of the messages of the time range that
// were rejected: rejects ÷ (rejects + fact rows). 0 when nothing arrived.
func rejectRateSQL() string {
	count := func(table, column string) string {
		return "(SELECT count() FROM " + table + " WHERE $__timeFilter(" + column + "))"
	}
	return "SELECT if(rejected + accepted = 0, 0, 100 * rejected / (rejected + accepted)) AS reject_rate\nFROM (\n  SELECT " +
		count("rejects FINAL", RejectedAt) + " AS rejected,\n    " + count("service_events", IngestedAt) + " + " + count("feedback", IngestedAt) + " AS accepted\n)"
}
