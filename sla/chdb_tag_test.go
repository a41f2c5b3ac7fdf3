//go:build !chdb

package sla_test

import (
	"testing"

	"servicepulse/internal/testenv"
)

// Without -tags chdb, the tests on current ClickHouse are these stand-ins
// (testenv.NoChdbTag).
func TestIntegrationChangedRequestsOnCurrentClickHouse(t *testing.T) {
	testenv.NoChdbTag(t)
}
