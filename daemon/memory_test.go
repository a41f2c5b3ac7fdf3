package daemon

import (
	"log/slog"
	"math"
	"runtime/debug"
	"testing"

	"servicepulse/ingest"
	"servicepulse/sla"
)

// The final refresh of a backlog gets the room of ingest's batches on top
// of the soft memory limit; a small one, or a run without a limit, keeps
// the limit as it was.
func TestGiveBatchesRoom(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	log := slog.New(slog.DiscardHandler)
	// The default: ten live cycles of 20,000 requests.
	backlog := backlogCycles * sla.NewRefresher(nil, log).Cycle
	if backlog != 200000 {
		t.Fatalf("default backlog %d requests, want 200,000", backlog)
	}
	tests := []struct {
		name          string
		limit         int64
		workers, rows int
		pending       int
		want          int64
	}{
		// Two batches a worker of 25,000 rows, 1 KiB a row: 50,000 KiB.
		{"a backfill's backlog", 150 << 20, 1, 25000, 750000, 150<<20 + 50000<<10},
		{"two workers", 100 << 20, 2, 1000, backlog + 1, 100<<20 + 4000<<10},
		{"a live run's backlog", 150 << 20, 1, 25000, backlog, 150 << 20},
		{"no limit", math.MaxInt64, 1, 25000, 750000, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetMemoryLimit(tt.limit)
			c := ingest.DefaultConfig()
			c.Workers, c.BatchRows = tt.workers, tt.rows
			giveBatchesRoom(c, tt.pending, backlog, log)
			if got := debug.SetMemoryLimit(-1); got != tt.want {
				t.Errorf("limit %d, workers %d, rows %d, %d pending: limit %d, want %d", tt.limit, tt.workers, tt.rows, tt.pending, got, tt.want)
			}
		})
	}
}
