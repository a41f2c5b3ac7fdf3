package daemon_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"servicepulse/daemon"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
)

// created is a request_created record of request id.
func created(id string) []byte {
	return []byte(`{"schema_version":1,"event_id":"` + id + `-01","event_type":"request_created",
		"occurred_at":"2026-10-01T07:00:00+08:00","request_id":"` + id + `","contract_id":"CT-T","partner_id":"PT-A",
		"channel":"phone","region":"East","product":{"serial":"SN-` + id + `","model":"AC-200"}}`)
}

func configOf(s *pipelinetest.Stack) daemon.Config {
	return daemon.Config{Ingest: s.Config, ClickHouse: s.DSN, Partitions: 2, PIIKey: s.Key, Log: s.Log}
}

// A batch run (UntilIdle) ingests what was produced and returns its totals;
// with a refresher, the request states are current when Run returns (the
// refresher's tick is an hour away: the commit notification or the final
// refresh did it); without one, they are left to `servicepulse refresh`.
func TestIntegrationRunBatch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		refresh time.Duration
		states  uint64
	}{
		{"with refresher", time.Hour, 2},
		{"without refresher", 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := pipelinetest.New(t)
			s.Produce(t, [][]byte{created("D1"), created("D2"), []byte(`{not json`)}, nil)
			cfg := configOf(s)
			cfg.Listen, cfg.RefreshInterval = "127.0.0.1:0", tt.refresh
			res, err := daemon.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Consumed != 3 || res.Events != 2 || res.Rejected != 1 || res.Lag != 0 || res.Seconds <= 0 {
				t.Fatalf("Run: %+v, want 3 consumed, 2 events, 1 rejected, lag 0, some seconds", res)
			}
			if n := testenv.Count(t, s.Conn, "SELECT count() FROM request_state FINAL"); n != tt.states {
				t.Fatalf("request_state holds %d requests after Run, want %d", n, tt.states)
			}
			// The final refresh is timed only when it ran. It rebuilds what
			// the live refresh has not yet (RefreshCommitted), so at most
			// every request, often none.
			if ran := res.FinalRefreshSeconds > 0; ran != (tt.refresh > 0) || res.FinalRefreshRequests > int(tt.states) {
				t.Errorf("final refresh: %.6f s, %d requests; want it to have run (%v) over at most %d", res.FinalRefreshSeconds, res.FinalRefreshRequests, tt.refresh > 0, tt.states)
			}
			// After the final refresh, the daily KPI rollup of the month the
			// requests were opened in (October 2026).
			builds := testenv.Count(t, s.Conn, "SELECT count() FROM kpi_rollups FINAL WHERE month = 202610")
			if want := min(tt.states, 1); builds != want || uint64(res.RollupMonths) != want {
				t.Errorf("rollup of 2026-10: %d builds, Run says %d months; want %d", builds, res.RollupMonths, want)
			}
		})
	}
}

// An address already in use fails Run with a *daemon.ListenError, before
// anything is consumed.
func TestIntegrationRunListenInUse(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s.Produce(t, [][]byte{created("L1")}, nil)
	cfg := configOf(s)
	cfg.Listen = ln.Addr().String()
	_, err = daemon.Run(context.Background(), cfg)
	var le *daemon.ListenError
	if !errors.As(err, &le) || le.Addr != cfg.Listen {
		t.Fatalf("Run on a busy address: %v, want a *daemon.ListenError for %s", err, cfg.Listen)
	}
	if n := testenv.Count(t, s.Conn, "SELECT count() FROM service_events"); n != 0 {
		t.Fatalf("service_events holds %d rows after a failed start, want 0", n)
	}
}
