//go:build !chdb

package sql_test

import (
	"testing"

	"servicepulse/internal/testenv"
)

// The tests on current ClickHouse load libchdb.so, which panics at start-up
// when it is missing, so they build only with -tags chdb (the test script
// sets it). Without the tag, this test says so, and fails in CI.
func TestIntegrationMigrationsOnCurrentClickHouse(t *testing.T) {
	testenv.NoChdbTag(t)
}
