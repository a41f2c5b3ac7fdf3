package dashboards

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/expr"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	"servicepulse/metrics"
)

// Alert rules: one group, evaluated every minute, in the dashboards' folder.
const (
	AlertRulesUID  = "servicepulse-alert-rules" // PanelQuery.Dashboard of the rules' queries
	AlertGroupName = "servicepulse"
	AlertInterval  = time.Minute

	// OpenPastDueMax is how many open requests past their deadline one
	// partner may have before the alert fires.
	OpenPastDueMax = 10
	// AtRiskMax is how many open requests at risk of a breach (the at_risk
	// KPI: past a warning, not yet due) one partner may have before the
	// at-risk alert fires: none. Its notifications go to the contact points
	// of Grafana's notification policy; the data names no assignee.
	AtRiskMax = 0
	// RejectRateMax is the share of rejected messages (percent) over
	// RejectRateWindow above which the alert fires.
	RejectRateMax    = 1.0
	RejectRateWindow = 15 * time.Minute

	// LagMax is the group's total consumer lag (messages) above which the
	// lag alert fires, while the lag grew over LagGrowthWindow.
	LagMax          = 1000
	LagGrowthWindow = 10 * time.Minute

	// Cohorts of the KPI alerts: the requests opened in the last …
	replySLAWindow    = 30 * 24 * time.Hour
	openPastDueWindow = 90 * 24 * time.Hour
)

// exprUID is the datasource uid of Grafana's server-side expressions.
const exprUID = "__expr__"

// AlertGroup is the rule group we provision.
type AlertGroup struct {
	Title    string
	Interval time.Duration
	Rules    []alerting.Rule
	// Queries are the rules' SQL queries (ref A), for tests.
	Queries []PanelQuery
	// PromQueries are the rules' PromQL queries (ref A), for tests.
	PromQueries []PromQuery
}

// alertSpec is one rule: an SQL query (ref A, one numeric column, string
// columns become labels), reduced to its last value (B) and compared with a
// threshold (C, the condition).
type alertSpec struct {
	uid, title, summary, description string
	window                           time.Duration
	sql                              string
	// promql, when set, replaces sql: ref A reads the Prometheus datasource.
	promql     string
	columns    []string
	timeColumn string
	op         expr.ExprTypeThresholdConditionsEvaluatorType
	threshold  float64
	pending    string
}

// Alerts builds the rule group from the catalog: reply SLA rate below its
// target per partner, open requests past due above OpenPastDueMax per
// partner, open requests at risk above AtRiskMax per partner, reject rate
// above RejectRateMax; and, from Prometheus, consumer
// lag above LagMax that keeps growing.
func Alerts(ds Datasource) (AlertGroup, error) {
	reply := kpiByID("reply_sla_rate")[0]
	pastDue := kpiByID("open_past_due")[0]
	atRisk := kpiByID("at_risk")[0]
	partner := []metrics.Dimension{metrics.ByPartner}
	alertOpts := sqlOptions{filter: "partner_id != ''", database: ds.Database}
	specs := []alertSpec{{
		uid:   UIDPrefix + "reply-sla-below-target",
		title: "Reply SLA rate below target",
		summary: fmt.Sprintf("Partner {{ $labels.d_partner }}: reply SLA rate {{ humanize $values.B.Value }} %% < target %s %% (clause %s)",
			num(reply.Target), reply.Clause),
		description: reply.TitleZH + ": " + reply.Formula + ". Requests opened in the last 30 days, judged as of now; one alert per partner.",
		window:      replySLAWindow,
		sql:         kpiSQL([]metrics.KPI{reply}, partner, alertOpts),
		columns:     kpiColumns([]metrics.KPI{reply}, partner, alertOpts),
		timeColumn:  Cohort,
		op:          expr.ExprTypeThresholdConditionsEvaluatorTypeLt,
		threshold:   reply.Target,
		pending:     "15m",
	}, {
		uid:   UIDPrefix + "open-past-due",
		title: "Open requests past due above threshold",
		summary: fmt.Sprintf("Partner {{ $labels.d_partner }}: {{ $values.B.Value }} open requests past their deadline (more than %d; clause %s)",
			OpenPastDueMax, pastDue.Clause),
		description: pastDue.TitleZH + ": " + pastDue.Formula + ". Requests opened in the last 90 days, judged as of now; one alert per partner.",
		window:      openPastDueWindow,
		sql:         kpiSQL([]metrics.KPI{pastDue}, partner, alertOpts),
		columns:     kpiColumns([]metrics.KPI{pastDue}, partner, alertOpts),
		timeColumn:  Cohort,
		op:          expr.ExprTypeThresholdConditionsEvaluatorTypeGt,
		threshold:   OpenPastDueMax,
		pending:     "5m",
	}, {
		uid:   UIDPrefix + "at-risk",
		title: "Open requests at risk of a breach",
		summary: fmt.Sprintf("Partner {{ $labels.d_partner }}: {{ $values.B.Value }} open requests past a warning and not yet due (clauses %s); servicepulse breaches --at-risk --partner {{ $labels.d_partner }} lists them",
			atRisk.Clause),
		description: atRisk.TitleZH + ": " + atRisk.Formula + ". The warning instants are stored by the refresher on each contract's calendar (docs/warnings.md). Requests opened in the last 90 days, judged as of now; one alert per partner.",
		window:      openPastDueWindow,
		sql:         kpiSQL([]metrics.KPI{atRisk}, partner, alertOpts),
		columns:     kpiColumns([]metrics.KPI{atRisk}, partner, alertOpts),
		timeColumn:  Cohort,
		op:          expr.ExprTypeThresholdConditionsEvaluatorTypeGt,
		threshold:   AtRiskMax,
		pending:     "1m",
	}, {
		uid:         UIDPrefix + "reject-rate",
		title:       "Reject rate above threshold",
		summary:     fmt.Sprintf("{{ humanize $values.B.Value }} %% of the messages of the last 15 minutes were rejected (more than %s %%)", num(RejectRateMax)),
		description: "拒收率: rejected messages ÷ all messages (rejects + fact rows) by ingest time. See the rejects table or the DLQ topic for the reasons; dashboard: " + PipelineHealthUID + ".",
		window:      RejectRateWindow,
		sql:         rejectRateSQL(),
		columns:     []string{"reject_rate"},
		timeColumn:  RejectedAt,
		op:          expr.ExprTypeThresholdConditionsEvaluatorTypeGt,
		threshold:   RejectRateMax,
		pending:     "5m",
	}, {
		uid:   UIDPrefix + "consumer-lag-growing",
		title: "Consumer lag keeps growing",
		summary: fmt.Sprintf("Group {{ $labels.group }}: {{ $values.B.Value }} messages behind (more than %d), and the lag grew over the last %s",
			LagMax, shortDuration(LagGrowthWindow)),
		description: "消费延迟持续增长: the group's committed offsets fall further behind the high-water marks, so a worker is stalled or too slow (ClickHouse down or slow, a stopped process). `servicepulse lag` shows it per partition; dashboard: " + PipelineHealthUID + ".",
		window:      LagGrowthWindow,
		promql:      lagGrowing(shortDuration(LagGrowthWindow)),
		op:          expr.ExprTypeThresholdConditionsEvaluatorTypeGt,
		threshold:   LagMax,
		pending:     "5m",
	}}

	g := AlertGroup{Title: AlertGroupName, Interval: AlertInterval}
	ref := ds.Ref()
	for _, s := range specs {
		r, err := s.rule(ref).Build()
		if err != nil {
			return AlertGroup{}, fmt.Errorf("build alert rule %s: %w", s.uid, err)
		}
		g.Rules = append(g.Rules, r)
		if s.promql != "" {
			g.PromQueries = append(g.PromQueries, PromQuery{Dashboard: AlertRulesUID, Panel: "alert " + s.uid, RefID: "A", Expr: s.promql})
			continue
		}
		g.Queries = append(g.Queries, PanelQuery{Dashboard: AlertRulesUID, Panel: "alert " + s.uid, RefID: "A", SQL: s.sql,
			Format: Table, Columns: s.columns, TimeColumn: s.timeColumn})
	}
	return g, nil
}

func (s alertSpec) rule(ds common.DataSourceRef) *alerting.RuleBuilder {
	exprDS := common.DataSourceRef{Type: ptr(exprUID), Uid: ptr(exprUID)}
	return alerting.NewRuleBuilder(s.title).
		Uid(s.uid).
		OrgID(1).
		FolderUID(FolderUID).
		RuleGroup(AlertGroupName).
		Condition("C").
		For(s.pending).
		NoDataState(alerting.RuleNoDataStateOK).
		ExecErrState(alerting.RuleExecErrStateError).
		Labels(map[string]string{"service": "servicepulse", "severity": "warning"}).
		Annotations(map[string]string{"summary": s.summary, "description": s.description}).
		IsPaused(false).
		WithQuery(s.queryA(ds)).
		WithQuery(alerting.NewQueryBuilder("B").
			DatasourceUid(exprUID).
			RelativeTimeRange(0, 0).
			Model(expr.NewExprBuilder().TypeReduce(expr.NewTypeReduceBuilder().
				RefId("B").
				Datasource(exprDS).
				IntervalMs(alertIntervalMs).MaxDataPoints(alertMaxDataPoints).
				Expression("A").
				Reducer(expr.TypeReduceReducerLast).
				Settings(expr.NewExprTypeReduceSettingsBuilder().Mode(expr.ExprTypeReduceSettingsModeDropNN))))).
		WithQuery(alerting.NewQueryBuilder("C").
			DatasourceUid(exprUID).
			RelativeTimeRange(0, 0).
			Model(expr.NewExprBuilder().TypeThreshold(expr.NewTypeThresholdBuilder().
				RefId("C").
				Datasource(exprDS).
				IntervalMs(alertIntervalMs).MaxDataPoints(alertMaxDataPoints).
				Expression("B").
				Conditions([]cog.Builder[expr.ExprTypeThresholdConditions]{
					expr.NewExprTypeThresholdConditionsBuilder().Evaluator(
						expr.NewExprTypeThresholdConditionsEvaluatorBuilder().Type(s.op).Params([]float64{s.threshold})),
				}))))
}

// queryA is the rule's data query: SQL on ClickHouse, or an instant PromQL
// query on Prometheus, over the rule's window.
func (s alertSpec) queryA(ds common.DataSourceRef) *alerting.QueryBuilder {
	q := alerting.NewQueryBuilder("A").RelativeTimeRange(alerting.Duration(s.window/time.Second), 0)
	if s.promql == "" {
		return q.DatasourceUid(*ds.Uid).Model(alertQuery(newQuery(ds, "A", s.sql, Table)))
	}
	prom := PrometheusDatasource{}.Ref()
	return q.DatasourceUid(*prom.Uid).Model(prometheus.NewDataqueryBuilder().
		RefId("A").
		Datasource(prom).
		Expr(s.promql).
		EditorMode(prometheus.QueryEditorModeCode).
		IntervalMs(alertIntervalMs).MaxDataPoints(alertMaxDataPoints).
		Instant())
}

// Grafana's defaults for an alert query's model, which it adds on save when
// missing: written out, the model we send is the model we read back.
const (
	alertIntervalMs    = 1000
	alertMaxDataPoints = 43200
)

func alertQuery(q Query) Query {
	q.IntervalMs, q.MaxDataPoints = alertIntervalMs, alertMaxDataPoints
	return q
}

// queryModel is an alert query's model as a JSON object.
func queryModel(q alerting.Query) (map[string]any, error) {
	b, err := json.Marshal(q.Model)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}
