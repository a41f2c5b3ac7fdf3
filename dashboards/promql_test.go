package dashboards

import (
	"strings"
	"testing"
)

// Every panel of the export has a query, on ClickHouse (rawSql) or on
// Prometheus (expr), each registered in Queries or PromQueries, so the
// integration tests run every one; the pipeline-health dashboard shows the
// lag per partition, the three rates and the write latency from Prometheus.
func TestEveryPanelHasAQuery(t *testing.T) {
	set := testSet(t)
	var lagPanels int
	for _, d := range set.Dashboards {
		m, err := d.Map()
		if err != nil {
			t.Fatal(err)
		}
		panels, _ := m["panels"].([]any)
		var sqlTargets, promTargets int
		for _, p := range panels {
			pm, _ := p.(map[string]any)
			if pm["type"] == "row" {
				continue
			}
			targets, _ := pm["targets"].([]any)
			if len(targets) == 0 {
				t.Errorf("%s: panel %q (%v) has no query", d.UID, pm["title"], pm["type"])
			}
			for _, tg := range targets {
				tm, _ := tg.(map[string]any)
				ds, _ := tm["datasource"].(map[string]any)
				switch {
				case ds["uid"] == DatasourceUID && str(tm, "rawSql") != "":
					sqlTargets++
				case ds["uid"] == PrometheusUID && str(tm, "expr") != "":
					promTargets++
					if strings.Contains(str(tm, "expr"), metricLag) {
						lagPanels++
					}
				default:
					t.Errorf("%s: panel %q target %v is neither ClickHouse SQL nor PromQL", d.UID, pm["title"], tm["refId"])
				}
			}
		}
		if promTargets != len(d.PromQueries) {
			t.Errorf("%s: %d PromQL targets, %d registered in PromQueries", d.UID, promTargets, len(d.PromQueries))
		}
		panelSQL := 0
		for _, q := range d.Queries {
			if !strings.HasPrefix(q.Panel, "variable ") {
				panelSQL++
			}
		}
		if sqlTargets != panelSQL {
			t.Errorf("%s: %d SQL targets, %d registered in Queries", d.UID, sqlTargets, panelSQL)
		}
	}
	if lagPanels == 0 {
		t.Error("no panel shows the consumer lag")
	}
	want := map[string]bool{metricLag: false, metricConsumed: false, metricIngested: false, metricRejected: false, "histogram_quantile": false}
	for _, q := range set.PromQueries() {
		for k := range want {
			if strings.Contains(q.Expr, k) {
				want[k] = true
			}
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("no PromQL query uses %s", k)
		}
	}
	if len(set.Alerts.PromQueries) != 1 || !strings.Contains(set.Alerts.PromQueries[0].Expr, "deriv(") {
		t.Errorf("lag alert queries: %+v", set.Alerts.PromQueries)
	}
}
