//go:build chdb

package metrics_test

import (
	"strconv"
	"strings"
	"testing"

	"servicepulse/internal/chdbtest"
)

// ScoreSQL and GradeSQL compute, on current ClickHouse, what Evaluate and
// Grade compute in Go, case by case (see scoreCases).
func TestIntegrationScoreSQLOnCurrentClickHouse(t *testing.T) {
	sess := chdbtest.Session(t)
	for _, c := range scoreCases() {
		out := chdbtest.Query(t, sess, scoreQuery(c))
		score, grade, ok := strings.Cut(out, "\t")
		if !ok {
			t.Fatalf("%s: chdb returned %q, want score and grade", c.name, out)
		}
		s, err := strconv.ParseFloat(score, 64)
		if err != nil {
			t.Fatalf("%s: score %q: %v", c.name, score, err)
		}
		checkScore(t, "current ClickHouse", c, s, grade)
	}
}
