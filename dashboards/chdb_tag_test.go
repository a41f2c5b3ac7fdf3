//go:build !chdb

package dashboards

import (
	"testing"

	"servicepulse/internal/testenv"
)

// The queries on current ClickHouse load libchdb.so, which panics at
// start-up when it is missing, so they build only with -tags chdb (the test
// script sets it). Without the tag this part says so, and fails in CI.
func onCurrentClickHouse(t *testing.T, _ generated, _ []PanelQuery) {
	msg := "queries on current ClickHouse (chdb) need `go test -tags chdb` and CHDB_LIB_PATH; run `make test`"
	if testenv.Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
