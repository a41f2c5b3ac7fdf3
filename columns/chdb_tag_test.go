//go:build !chdb

package columns_test

import (
	"testing"

	"servicepulse/internal/testenv"
)

// Without -tags chdb, the tests on current ClickHouse are these stand-ins
// (testenv.NoChdbTag).
func TestIntegrationDeclarationsMatchSchemaOnCurrentClickHouse(t *testing.T) {
	testenv.NoChdbTag(t)
}
