package reports_test

import (
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
)

// casesDir holds the report's KPI case (format:
// metrics/testdata/cases/README.md).
const casesDir = "testdata/cases"

// septemberCase is the report's case: one request in August (for the
// trend), four in September, of partners PT-A and PT-B; contract CT-24.
func septemberCase(t *testing.T) *pipelinetest.Case {
	t.Helper()
	return pipelinetest.LoadCase(t, casesDir+"/september")
}

// local parses "2006-01-02 15:04" as Asia/Shanghai (+08:00) wall time.
func local(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04 -07:00", s+" +08:00")
	if err != nil {
		panic(err)
	}
	return t
}

// TestIntegrationKPICases pins the KPI values the reports are built from to
// values computed by hand (testdata/cases/*/expected.tsv); -update rewrites
// them.
func TestIntegrationKPICases(t *testing.T) {
	pipelinetest.RunCases(t, casesDir)
}
