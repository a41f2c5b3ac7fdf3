package dashboards

import (
	"slices"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"

	"servicepulse/metrics"
)

// RequestTimelineUID is the uid of the one-request dashboard.
const RequestTimelineUID = "servicepulse-request-timeline"

// TimelineVariable is the request-id text variable of the timeline.
const TimelineVariable = "request_id"

// RequestColumn is the column whose cells link to the timeline: every
// table panel with it links each request to its timeline (linkRequests).
const RequestColumn = "request_id"

// TimelineLink is the URL of the timeline of the request in a table cell:
// Grafana's data-link variable ${__value.raw} is the cell's raw value, and
// var-<name> sets the dashboard's variable.
const TimelineLink = "/d/" + RequestTimelineUID + "?var-" + TimelineVariable + "=${__value.raw}"

// requestFilter selects the request of the variable; singlequote quotes
// and escapes it as a string literal.
const requestFilter = "request_id = ${" + TimelineVariable + ":singlequote}"

// RequestTimeline is one request's life, as `servicepulse request ID`
// shows it: its state, its promises with their deadlines and outcomes as
// request_state holds them, judged as of now, its events and its feedback.
// Business hours late or left need the contract's clock, which SQL does not
// have: the CLI gives them.
func RequestTimeline(ds Datasource) (Dashboard, error) {
	b := newBoard(RequestTimelineUID, "ServicePulse · Request timeline",
		"One service request (服务请求时间线): its state, each promise's deadline and outcome as of now, its events in order and its feedback. Type a request id, or follow a request link from any table. `servicepulse request ID` adds business hours late and left, pauses and the calendar's special days.",
		ds)
	b.db.Time("now-1y", "now").Timezone(common.TimeZoneUtc)
	b.db.WithVariable(dashboard.NewTextBoxVariableBuilder(TimelineVariable).
		Label("Request id").
		Description("The request_id of one service request, e.g. SR-000042"))

	b.timelineTable("Request", "服务请求 — the request's state as the refresher computed it (request_state): contract version, status, visits, first-time-fix and repeat flags (clauses 3.3, 5.1, 5.2).",
		requestSummarySQL(), 5, "request_id", "partner_id", "contract_id", "terms_from", "status", "opened_at", "visits",
		"first_visit_fix", "reopened", "planned_follow_up", "is_repeat", "repeat_within_30d", "paused_bh", "computed_at")
	b.timelineTable("Promises", "承诺与时限 — clauses 2.3.1, 3.2.2, 3.3. Each promise's deadline, when it was kept and the business hours it took (pauses excluded; parts count calendar days), with the outcome as the breach KPIs judge it as of now (a paused clock holds the deadline).",
		promisesSQL(), 8, "promise", "clause", "due_at", "done_at", "business_hours", "outcome")
	b.timelineTable("Events", "事件 — every service event of the request once (redelivered copies collapsed, as the KPIs read them), in order.",
		eventsSQL(), 12, "occurred_at", "event_type", "visit_no", "technician_certified", "part_line_id", "pause_reason", "cause", "event_id")
	b.timelineTable("Feedback", "反馈 — surveys and complaints of the request, then the latest answers as the KPIs read them (request_state).",
		feedbackSQL(), 8, "occurred_at", "event_type", "csat", "nps", "ces", "complaint_id", "complaint_category")
	return b.build()
}

// timelineTable is a full-width table of the request.
func (b *board) timelineTable(title, desc, sql string, height uint32, columns ...string) {
	b.add(table.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description(desc).
		Datasource(b.ds).
		WithTarget(b.query(title, "A", sql, Table, "", columns...)).
		Height(height).Span(24))
}

func requestSummarySQL() string {
	return "SELECT request_id, partner_id, contract_id, terms_from, status, opened_at, visits,\n" +
		"  first_visit_fix, reopened, planned_follow_up, is_repeat, repeat_within_30d, paused_bh, computed_at\n" +
		"FROM request_state FINAL\nWHERE " + requestFilter
}

// promisesSQL lists the reply and the visit (metrics.Milestones), each part
// line and the resolution, with the catalog's own conditions as of now.
func promisesSQL() string {
	asOf := "(now())"
	var arms []string
	for _, m := range metrics.Milestones {
		bh := map[string]string{"replied_at": "reply_bh", "onsite_at": "onsite_bh"}[m.At]
		met := "toUInt32(" + m.At + ") > 0 AND " + m.At + " <= " + m.Due
		outcome := "multiIf(toUInt32(" + m.Due + ") = 0, 'no deadline', " + met + ", 'met', " + m.PastDue(asOf) +
			", 'breached', " + m.Pending() + ", 'open', 'not owed')"
		arms = append(arms, "SELECT '"+m.Name+"' AS promise, '2.3.1' AS clause, "+m.Due+" AS due_at, "+m.At+" AS done_at,\n  "+
			bh+" AS business_hours, "+outcome+" AS outcome\nFROM request_state FINAL\nWHERE "+requestFilter)
	}
	arms = append(arms, "SELECT concat('part ', toString(n)) AS promise, '3.2.2' AS clause, d AS due_at, a AS done_at,\n  nan AS business_hours, "+
		"multiIf(toUInt32(a) > 0 AND a <= d, 'met', "+metrics.LatePart("d", "a", asOf)+", 'breached', 'open') AS outcome\n"+
		"FROM request_state FINAL\nARRAY JOIN part_due AS d, part_delivered_at AS a, arrayEnumerate(part_due) AS n\nWHERE "+requestFilter)
	arms = append(arms, "SELECT 'resolve' AS promise, '3.3' AS clause, toDateTime(0, 'UTC') AS due_at, resolved_at AS done_at,\n  "+
		"resolve_bh AS business_hours, if(toUInt32(resolved_at) > 0, 'resolved', status) AS outcome\nFROM request_state FINAL\nWHERE "+requestFilter)
	return "SELECT promise, clause, due_at, done_at, business_hours, outcome\nFROM (\n" + strings.Join(arms, "\nUNION ALL\n") +
		"\n)\nORDER BY promise = 'resolve', due_at"
}

func eventsSQL() string {
	return "SELECT occurred_at, event_type, visit_no, technician_certified, part_line_id, pause_reason, cause, event_id\n" +
		"FROM service_events FINAL\nWHERE " + requestFilter + "\nORDER BY occurred_at, event_id"
}

// feedbackSQL lists the feedback events, then one row of the latest
// answers from request_state (ratings not given are -1).
func feedbackSQL() string {
	return "SELECT occurred_at, event_type, csat, nps, ces, complaint_id, complaint_category\nFROM (\n" +
		"SELECT occurred_at, CAST(event_type AS String) AS event_type, csat, nps, ces, complaint_id, CAST(complaint_category AS String) AS complaint_category, 0 AS latest\n" +
		"FROM feedback FINAL\nWHERE " + requestFilter + "\nUNION ALL\n" +
		"SELECT computed_at, 'latest answers (request_state)', csat, nps, ces, '', arrayStringConcat(complaint_category, ','), 1\n" +
		"FROM request_state FINAL\nWHERE " + requestFilter + "\n)\nORDER BY latest, occurred_at"
}

// linkRequests adds, to every table panel of model whose query returns
// RequestColumn (per queries), a data link from that column to the
// request's timeline. It runs on every dashboard (board.build), so a new
// table of requests links without asking.
func linkRequests(model *dashboard.Dashboard, queries []PanelQuery) {
	if model.Uid != nil && *model.Uid == RequestTimelineUID {
		return
	}
	titles := map[string]bool{}
	for _, q := range queries {
		if slices.Contains(q.Columns, RequestColumn) {
			titles[q.Panel] = true
		}
	}
	link := dashboard.DashboardFieldConfigSourceOverrides{
		Matcher: dashboard.MatcherConfig{Id: "byName", Options: RequestColumn},
		Properties: []dashboard.DynamicConfigValue{{Id: "links", Value: []map[string]any{
			{"title": "Request timeline", "url": TimelineLink},
		}}},
	}
	add := func(p *dashboard.Panel) {
		if p.Type != "table" || p.Title == nil || !titles[*p.Title] {
			return
		}
		if p.FieldConfig == nil {
			p.FieldConfig = dashboard.NewFieldConfigSource()
		}
		p.FieldConfig.Overrides = append(p.FieldConfig.Overrides, link)
	}
	for _, pr := range model.Panels {
		if pr.Panel != nil {
			add(pr.Panel)
		}
		if pr.RowPanel != nil {
			for i := range pr.RowPanel.Panels {
				add(&pr.RowPanel.Panels[i])
			}
		}
	}
}
