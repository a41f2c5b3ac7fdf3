//go:build chdb

package metrics_test

import (
	"testing"

	"servicepulse/internal/chdbtest"
)

func TestIntegrationEachKPIAloneRunsOnCurrentClickHouse(t *testing.T) {
	sess := chdbtest.Session(t)
	for id, q := range aloneQueries() {
		if _, err := sess.Query(q, "TSV"); err != nil {
			t.Errorf("KPI %s alone fails on current ClickHouse: %v", id, err)
		}
	}
}
