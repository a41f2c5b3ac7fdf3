package timeline_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"servicepulse/contracts"
	"servicepulse/dashboards"
	"servicepulse/internal/pipelinetest"
	"servicepulse/metrics"
	"servicepulse/sla/breaches"
	"servicepulse/sla/timeline"
)

// fixture is the hand-computed case; its events.jsonl says how every value
// below was computed.
const fixture = "testdata/makeup"

// asOf is the fixture's judging instant: Tue 2026-10-20 16:00 Shanghai.
var asOf = time.Date(2026, 10, 20, 8, 0, 0, 0, time.UTC)

// want is one promise as the JSON output must give it: the hand values of
// events.jsonl. Times are UTC; late < 0 means no late_business_hours.
type want struct {
	name, line, deadline, deadlineLocal, done, outcome string
	used, late                                         float64
	left                                               float64 // checked for open promises
}

// TestIntegrationTimelineHandValues ingests the fixture through the real
// pipeline, refreshes the states, and reads both requests' timelines as
// JSON: deadlines (UTC and Shanghai time), business hours used, pauses and
// outcomes are the hand values, a make-up working day (Sat 2026-10-10)
// among them; the deadlines and hours equal what request_state holds, and
// the lateness what `servicepulse breaches` lists. A redelivered event is
// shown once.
func TestIntegrationTimelineHandValues(t *testing.T) {
	t.Parallel()
	handValues(t, pipelinetest.Options{})
}

// On a cluster the events, the serial's requests and the states are read
// through the Distributed tables: the same timeline.
func TestIntegrationTimelineHandValuesOnCluster(t *testing.T) {
	t.Parallel()
	handValues(t, pipelinetest.Options{OnCluster: true})
}

func handValues(t *testing.T, o pipelinetest.Options) {
	s := pipelinetest.NewWith(t, o)
	terms, err := os.ReadFile(filepath.Join(fixture, "contracts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s.LoadContracts(t, string(terms))
	text, err := os.ReadFile(filepath.Join(fixture, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	events := pipelinetest.ParseEvents(t, "events.jsonl", string(text))
	s.Send(t, events)
	s.Send(t, events[1:2]) // MU1's reply, redelivered

	mu1 := readJSON(t, s, "MU1")
	checkPromises(t, "MU1", mu1, []want{
		{name: "reply", deadline: "2026-10-10T02:00:00Z", deadlineLocal: "2026-10-10T10:00:00+08:00", done: "2026-10-10T03:30:00Z", outcome: "breached", used: 5.5, late: 1.5},
		{name: "onsite", deadline: "2026-10-12T08:00:00Z", deadlineLocal: "2026-10-12T16:00:00+08:00", done: "2026-10-12T07:00:00Z", outcome: "met", used: 15, late: -1},
		{name: "part", line: "L1", deadline: "2026-10-15T07:30:00Z", deadlineLocal: "2026-10-15T15:30:00+08:00", done: "2026-10-16T01:00:00Z", outcome: "breached", used: 89.5, late: 2.5},
		{name: "resolve", done: "2026-10-16T03:00:00Z", outcome: "resolved", used: 47, late: -1},
	})
	if got := mu1.Contract; got == nil || got.ID != "CT-MU" || got.Calendar != "prc" || got.Window != "09:00-18:00" ||
		!got.CalendarCovers || len(got.SpecialDays) != 1 || got.SpecialDays[0] != (timeline.Day{Date: "2026-10-10", Weekday: "Sat", Kind: "make_up_working_day"}) {
		t.Errorf("MU1 contract: %+v, want CT-MU on prc with the make-up Saturday 2026-10-10", got)
	}
	if len(mu1.Pauses) != 1 || mu1.Pauses[0].From.UTC != time.Date(2026, 10, 10, 8, 0, 0, 0, time.UTC) ||
		mu1.Pauses[0].To == nil || mu1.Pauses[0].To.UTC != time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC) ||
		mu1.Pauses[0].BusinessHours != 3 || mu1.Pauses[0].Reason != "waiting_customer" {
		t.Errorf("MU1 pauses: %+v, want one waiting_customer pause Sat 16:00 – Mon 10:00 of 3 bh", mu1.Pauses)
	}
	if n := count(mu1.Events, "acknowledged"); n != 1 || len(mu1.Events) != 10 {
		t.Errorf("MU1: %d events, %d acknowledged, want 10 and 1 (the redelivered reply once)", len(mu1.Events), n)
	}
	if f := mu1.FirstTimeFix; !f.Counted || f.Fixed || f.FirstVisitFix {
		t.Errorf("MU1 first-time fix: %+v, want counted, not fixed (resolved at visit 2)", f)
	}
	if r := mu1.Repeat; !r.RepeatWithin30d || r.IsRepeat || len(r.By) != 1 || r.By[0] != "MU2" {
		t.Errorf("MU1 repeat: %+v, want repeated by MU2", r)
	}
	if len(mu1.Feedback) != 2 || mu1.Survey.CSAT == nil || *mu1.Survey.CSAT != 3 || len(mu1.Complaints) != 1 ||
		mu1.Complaints[0].ClosedBusinessHours != nil {
		t.Errorf("MU1 feedback %+v, survey %+v, complaints %+v: want a survey (CSAT 3) and one open complaint", mu1.Feedback, mu1.Survey, mu1.Complaints)
	}

	mu2 := readJSON(t, s, "MU2")
	checkPromises(t, "MU2", mu2, []want{
		{name: "reply", deadline: "2026-10-20T06:00:00Z", deadlineLocal: "2026-10-20T14:00:00+08:00", outcome: "breached", used: 6, late: 2},
		{name: "onsite", deadline: "2026-10-21T09:00:00Z", deadlineLocal: "2026-10-21T17:00:00+08:00", outcome: "open", used: 6, late: -1, left: 10},
		{name: "resolve", outcome: "open", used: 6, late: -1},
	})
	if r := mu2.Repeat; !r.IsRepeat || len(r.Of) != 1 || r.Of[0] != "MU1" {
		t.Errorf("MU2 repeat: %+v, want a repeat of MU1", r)
	}

	checkAgainstState(t, s, mu1)
	checkAgainstState(t, s, mu2)
	checkAgainstDashboard(t, s, "MU1")
	checkAgainstDashboard(t, s, "MU2")
	checkAgainstBreaches(t, s, string(terms), map[string]*timeline.Timeline{"MU1": &mu1, "MU2": &mu2})

	var table bytes.Buffer
	if err := timeline.WriteTable(&table, mu1); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"2026-10-10 Sat 10:00", "breached by 1.50 bh", "2026-10-10 Sat make up working day"} {
		if !strings.Contains(table.String(), w) {
			t.Errorf("table of MU1 lacks %q:\n%s", w, table.String())
		}
	}
	if strings.Contains(table.String(), "still paused") {
		t.Errorf("table of MU1 shows an open pause:\n%s", table.String())
	}
	t.Logf("table of MU1:\n%s", table.String())
}

// readJSON reads the timeline of id and round-trips it through its JSON,
// the output of `servicepulse request ID --format json`.
func readJSON(t *testing.T, s *pipelinetest.Stack, id string) timeline.Timeline {
	t.Helper()
	tl, err := timeline.Read(t.Context(), s.Conn, timeline.Config{RequestID: id, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tl)
	if err != nil {
		t.Fatal(err)
	}
	var out timeline.Timeline
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkPromises(t *testing.T, id string, tl timeline.Timeline, wants []want) {
	t.Helper()
	if len(tl.Promises) != len(wants) {
		t.Fatalf("%s: %d promises, want %d: %+v", id, len(tl.Promises), len(wants), tl.Promises)
	}
	for i, w := range wants {
		p := tl.Promises[i]
		what := id + " " + w.name + w.line
		if p.Name != w.name || p.PartLine != w.line || p.Outcome != w.outcome || p.Used != w.used {
			t.Errorf("%s: %s%s %s, used %v; want %s, used %v", what, p.Name, p.PartLine, p.Outcome, p.Used, w.outcome, w.used)
		}
		if got := instant(p.Deadline); got != w.deadline || (p.Deadline != nil && p.Deadline.Local != w.deadlineLocal) {
			t.Errorf("%s: deadline %s (%v), want %s (%s)", what, got, p.Deadline, w.deadline, w.deadlineLocal)
		}
		if got := instant(p.Done); got != w.done {
			t.Errorf("%s: done %s, want %s", what, got, w.done)
		}
		switch {
		case w.late >= 0 && (p.LateBusinessHours == nil || *p.LateBusinessHours != w.late):
			t.Errorf("%s: late %v business hours, want %v", what, deref(p.LateBusinessHours), w.late)
		case w.late < 0 && p.LateBusinessHours != nil:
			t.Errorf("%s: late %v business hours, want none", what, *p.LateBusinessHours)
		}
		if w.outcome == "open" && w.deadline != "" && (p.Left == nil || *p.Left != w.left) {
			t.Errorf("%s: %v left, want %v", what, deref(p.Left), w.left)
		}
	}
}

// checkAgainstState compares the timeline with the row the refresher wrote.
func checkAgainstState(t *testing.T, s *pipelinetest.Stack, tl timeline.Timeline) {
	t.Helper()
	var (
		replyDue, onsiteDue                   time.Time
		replyBH, onsiteBH, resolveBH, pausedB float64
		partDue                               []time.Time
		repeat, within                        uint8
	)
	err := s.Conn.QueryRow(t.Context(), `SELECT reply_due, onsite_due, reply_bh, onsite_bh, resolve_bh, paused_bh, part_due,
		is_repeat, repeat_within_30d FROM request_state FINAL WHERE request_id = ?`, tl.RequestID).
		Scan(&replyDue, &onsiteDue, &replyBH, &onsiteBH, &resolveBH, &pausedB, &partDue, &repeat, &within)
	if err != nil {
		t.Fatalf("%s: read request_state: %v", tl.RequestID, err)
	}
	byName := map[string]timeline.Promise{}
	for _, p := range tl.Promises {
		byName[p.Name] = p
	}
	if got := byName["reply"].Deadline.UTC; !got.Equal(replyDue) {
		t.Errorf("%s: reply deadline %v, request_state %v", tl.RequestID, got, replyDue)
	}
	if got := byName["onsite"].Deadline.UTC; !got.Equal(onsiteDue) {
		t.Errorf("%s: on-site deadline %v, request_state %v", tl.RequestID, got, onsiteDue)
	}
	if p := byName["reply"]; p.Done != nil && p.Used != replyBH {
		t.Errorf("%s: reply used %v bh, request_state %v", tl.RequestID, p.Used, replyBH)
	}
	if p := byName["onsite"]; p.Done != nil && p.Used != onsiteBH {
		t.Errorf("%s: on-site used %v bh, request_state %v", tl.RequestID, p.Used, onsiteBH)
	}
	if p := byName["resolve"]; p.Done != nil && p.Used != resolveBH {
		t.Errorf("%s: resolve used %v bh, request_state %v", tl.RequestID, p.Used, resolveBH)
	}
	var paused float64
	for _, p := range tl.Pauses {
		paused += p.BusinessHours
	}
	if paused != pausedB {
		t.Errorf("%s: pauses %v bh, request_state %v", tl.RequestID, paused, pausedB)
	}
	if p, ok := byName["part"]; ok && (len(partDue) != 1 || !p.Deadline.UTC.Equal(partDue[0])) {
		t.Errorf("%s: part deadline %v, request_state %v", tl.RequestID, p.Deadline.UTC, partDue)
	}
	if tl.Repeat.IsRepeat != (repeat == 1) || tl.Repeat.RepeatWithin30d != (within == 1) {
		t.Errorf("%s: repeat %+v, request_state is_repeat %d repeat_within_30d %d", tl.RequestID, tl.Repeat, repeat, within)
	}
}

// checkAgainstBreaches holds the timelines' breaches to the breach list:
// the same promises, as late.
func checkAgainstBreaches(t *testing.T, s *pipelinetest.Stack, termsYAML string, tls map[string]*timeline.Timeline) {
	t.Helper()
	terms, err := contracts.Parse(strings.NewReader(termsYAML), "contracts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	q := metrics.Query{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), AsOf: asOf}
	list, err := breaches.List(t.Context(), s.Conn, q, terms)
	if err != nil {
		t.Fatal(err)
	}
	kind := map[string]string{"reply": "late_reply", "onsite": "late_onsite", "part": "late_parts"}
	want := map[string]float64{}
	for id, tl := range tls {
		for _, p := range tl.Promises {
			if p.Outcome == timeline.Breached {
				want[id+" "+kind[p.Name]] = *p.LateBusinessHours
			}
		}
	}
	got := map[string]float64{}
	for _, b := range list {
		if b.Deadline.IsZero() {
			continue // breaches without a deadline (staff, data) are not promises
		}
		got[b.RequestID+" "+b.Kind] = b.LateHours
	}
	if len(got) != len(want) || len(want) != 3 {
		t.Errorf("breach list %v, timelines %v: want the same 3 breaches", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v business hours late in the breach list, %v in the timeline", k, got[k], v)
		}
	}
}

// checkAgainstDashboard runs the timeline dashboard's promises panel for
// id, both judged as of now: the same promises, deadlines and outcomes.
func checkAgainstDashboard(t *testing.T, s *pipelinetest.Stack, id string) {
	t.Helper()
	ds, err := dashboards.DatasourceFromDSN(dashboards.DefaultDatasourceDSN)
	if err != nil {
		t.Fatal(err)
	}
	set, err := dashboards.Build(ds)
	if err != nil {
		t.Fatal(err)
	}
	var sql string
	for _, q := range set.Queries() {
		if q.Dashboard == dashboards.RequestTimelineUID && q.Panel == "Promises" {
			sql = strings.ReplaceAll(q.SQL, "${"+dashboards.TimelineVariable+":singlequote}", metrics.Quote(id))
		}
	}
	if sql == "" || strings.Contains(sql, "$") {
		t.Fatalf("the timeline's promises panel: %q", sql)
	}
	now := time.Now().UTC()
	tl, err := timeline.Read(t.Context(), s.Conn, timeline.Config{RequestID: id, AsOf: now})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.Conn.Query(t.Context(), sql)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var (
			promise, clause, outcome string
			due, done                time.Time
			bh                       float64
		)
		if err := rows.Scan(&promise, &clause, &due, &done, &bh, &outcome); err != nil {
			t.Fatal(err)
		}
		got = append(got, outcome+" "+dueText(due))
	}
	var want []string
	for _, p := range tl.Promises {
		want = append(want, strings.ReplaceAll(p.Outcome, "_", " ")+" "+instant(p.Deadline))
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("%s as of now: the dashboard's promises %v, the timeline's %v", id, got, want)
	}
}

func dueText(t time.Time) string {
	if t.Unix() <= 0 {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func instant(i *timeline.Instant) string {
	if i == nil {
		return ""
	}
	return i.UTC.Format(time.RFC3339)
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func count(events []timeline.Event, typ string) int {
	n := 0
	for _, e := range events {
		if e.Type == typ {
			n++
		}
	}
	return n
}
