package ingest

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// The lag series are the group's, replaced whole at each read: a partition
// the group no longer has leaves no stale series (one that moved to another
// member is still reported, by every member), and each series carries the
// group, so PromQL collapses the processes with max by (group, topic, partition).
func TestLagSeriesReplacedWhole(t *testing.T) {
	m := NewMetrics()
	m.setLag(Lag{Group: "g", Partitions: []PartitionLag{{Topic: "records", Partition: 0, Lag: 5}, {Topic: "records", Partition: 1, Lag: 7}}})
	m.setLag(Lag{Group: "g", Partitions: []PartitionLag{{Topic: "records", Partition: 1, Lag: 9}}})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	var lines []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "servicepulse_ingest_consumer_lag{") {
			lines = append(lines, l)
		}
	}
	want := `servicepulse_ingest_consumer_lag{group="g",partition="1",topic="records"} 9`
	if len(lines) != 1 || lines[0] != want {
		t.Errorf("lag series %q, want only %q", lines, want)
	}
}
