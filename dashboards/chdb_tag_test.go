//go:build !chdb

package dashboards

import (
	"testing"

	"servicepulse/internal/testenv"
)

// Without -tags chdb, the queries on current ClickHouse are this stand-in
// (testenv.NoChdbTag).
func onCurrentClickHouse(t *testing.T, _ generated, _ []PanelQuery) {
	testenv.NoChdbTag(t)
}
