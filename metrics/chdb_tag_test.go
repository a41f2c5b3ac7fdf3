//go:build !chdb

package metrics_test

import (
	"testing"

	"servicepulse/internal/testenv"
)

// Without -tags chdb, the tests on current ClickHouse are these stand-ins
// (testenv.NoChdbTag).
func TestIntegrationKPIsOnCurrentClickHouse(t *testing.T) {
	testenv.NoChdbTag(t)
}

// The same for the evaluation score's SQL on current ClickHouse.
func TestIntegrationScoreSQLOnCurrentClickHouse(t *testing.T) {
	testenv.NoChdbTag(t)
}
