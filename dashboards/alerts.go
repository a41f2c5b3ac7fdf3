package dashboards

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/expr"

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
	// RejectRateMax is the share of rejected messages (percent) over
	// RejectRateWindow above which the alert fires.
	RejectRateMax    = 1.0
	RejectRateWindow = 15 * time.Minute

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
}

// alertSpec is one rule: an SQL query (ref A, one numeric column, string
// columns become labels), reduced to its last value (B) and compared with a
// threshold (C, the condition).
type alertSpec struct {
	uid, title, summary, description string
	window                           time.Duration
	sql                              string
	columns                          []string
	timeColumn                       string
	op                               expr.ExprTypeThresholdConditionsEvaluatorType
	threshold                        float64
	pending                          string
}

// Alerts builds the rule group from the catalog: reply SLA rate below its
// target per partner, open requests past due above OpenPastDueMax per
// partner, reject rate above RejectRateMax.
func Alerts(ds Datasource) (AlertGroup, error) {
	reply := kpiByID("reply_sla_rate")[0]
	pastDue := kpiByID("open_past_due")[0]
	partner := []metrics.Dimension{metrics.ByPartner}
	alertOpts := sqlOptions{where: "partner_id != ''"}
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
	}}

	g := AlertGroup{Title: AlertGroupName, Interval: AlertInterval}
	ref := ds.Ref()
	for _, s := range specs {
		r, err := s.rule(ref).Build()
		if err != nil {
			return AlertGroup{}, fmt.Errorf("build alert rule %s: %w", s.uid, err)
		}
		g.Rules = append(g.Rules, r)
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
		WithQuery(alerting.NewQueryBuilder("A").
			DatasourceUid(*ds.Uid).
			RelativeTimeRange(alerting.Duration(s.window/time.Second), 0).
			Model(alertQuery(newQuery(ds, "A", s.sql, Table)))).
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
