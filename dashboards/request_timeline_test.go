package dashboards

import (
	"slices"
	"strings"
	"testing"
)

// exampleRequest is what the query tests (templateVariables) put for the
// timeline's text variable when a test sets none: a request of whatever
// data the query runs on, so its panels have rows on generated traffic.
const exampleRequest = "(SELECT min(request_id) FROM request_state)"

// The timeline dashboard has its request-id text variable and the panels
// of the request's state, promises, events and feedback, each filtered by
// that variable.
func TestRequestTimelinePanels(t *testing.T) {
	d := dashboardByUID(t, testSet(t), RequestTimelineUID)
	m, err := d.Map()
	if err != nil {
		t.Fatal(err)
	}
	vars, _ := m["templating"].(map[string]any)["list"].([]any)
	if len(vars) != 1 || vars[0].(map[string]any)["name"] != TimelineVariable || vars[0].(map[string]any)["type"] != "textbox" {
		t.Errorf("variables %v, want one text variable %s", vars, TimelineVariable)
	}
	var titles []string
	for _, q := range d.Queries {
		titles = append(titles, q.Panel)
		if !strings.Contains(q.SQL, requestFilter) {
			t.Errorf("panel %q does not filter by the request variable:\n%s", q.Panel, q.SQL)
		}
	}
	if want := []string{"Request", "Promises", "Events", "Feedback"}; !slices.Equal(titles, want) {
		t.Errorf("panels %v, want %v", titles, want)
	}
}

// Every table panel that lists requests (a request_id column), on every
// other dashboard, links that column to the timeline with the request's id,
// and there is at least one (the SLA dashboard's open deadlines).
func TestEveryRequestTableLinksToTheTimeline(t *testing.T) {
	set := testSet(t)
	linked := 0
	for _, d := range set.Dashboards {
		if d.UID == RequestTimelineUID {
			continue
		}
		lists := map[string]bool{}
		for _, q := range d.Queries {
			if slices.Contains(q.Columns, RequestColumn) {
				lists[q.Panel] = true
			}
		}
		m, err := d.Map()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range allPanels(m) {
			title, _ := p["title"].(string)
			if p["type"] != "table" || !lists[title] {
				continue
			}
			if !linksToTimeline(p) {
				t.Errorf("%s: table %q lists requests but does not link %s to the timeline", d.UID, title, RequestColumn)
				continue
			}
			linked++
		}
	}
	if linked == 0 {
		t.Error("no table links to the timeline")
	}
}

func dashboardByUID(t *testing.T, set Set, uid string) Dashboard {
	t.Helper()
	for _, d := range set.Dashboards {
		if d.UID == uid {
			return d
		}
	}
	t.Fatalf("no dashboard %s", uid)
	return Dashboard{}
}

// allPanels are the panels of a dashboard model, those inside rows too.
func allPanels(m map[string]any) []map[string]any {
	var out []map[string]any
	panels, _ := m["panels"].([]any)
	for _, p := range panels {
		pm, _ := p.(map[string]any)
		out = append(out, pm)
		inner, _ := pm["panels"].([]any)
		for _, q := range inner {
			qm, _ := q.(map[string]any)
			out = append(out, qm)
		}
	}
	return out
}

// linksToTimeline reports whether the panel's request_id field has the
// data link to the timeline, as Grafana reads a field override.
func linksToTimeline(p map[string]any) bool {
	fc, _ := p["fieldConfig"].(map[string]any)
	overrides, _ := fc["overrides"].([]any)
	for _, o := range overrides {
		om, _ := o.(map[string]any)
		matcher, _ := om["matcher"].(map[string]any)
		if matcher["id"] != "byName" || matcher["options"] != RequestColumn {
			continue
		}
		props, _ := om["properties"].([]any)
		for _, pr := range props {
			pm, _ := pr.(map[string]any)
			links, _ := pm["value"].([]any)
			for _, l := range links {
				lm, _ := l.(map[string]any)
				if pm["id"] == "links" && lm["url"] == "/d/"+RequestTimelineUID+"?var-"+TimelineVariable+"=${__value.raw}" {
					return true
				}
			}
		}
	}
	return false
}
