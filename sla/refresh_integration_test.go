package sla_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
	"servicepulse/metrics"
	"servicepulse/sla"
)

const lateContract = `
contracts:
  - id: CT-T
    versions:
      - effective_from: 2026-01-01
        response_hours: 4
        onsite_hours: 8
        parts_days: 2
        warranty_years: 2
        calendar: prc
        window: "09:00-18:00"
        timezone: Asia/Shanghai
`

// A request is one row of request_state however often it is rebuilt, even
// when its contract becomes known only after a first refresh. Here it is
// opened on Thu 10-01 07:00 in Shanghai, 09-30 23:00 UTC: without terms its
// opened_date is the UTC date (09-30), with them the local date (10-01), and
// opened_date is request_state's partition key.
func TestIntegrationContractLoadedLaterKeepsOneRow(t *testing.T) {
	t.Parallel()
	contractLoadedLater(t, pipelinetest.Options{})
}

// On a cluster the old row is deleted by a mutation ON CLUSTER of the local
// tables (sla.Refresher.deleteStale); the test logs how long RefreshAll,
// which waits for it, took.
func TestIntegrationContractLoadedLaterKeepsOneRowOnCluster(t *testing.T) {
	t.Parallel()
	contractLoadedLater(t, pipelinetest.Options{OnCluster: true})
}

// With a replica down, the mutation ON CLUSTER cannot finish on every node
// (code 159 after its timeout); the live replicas apply it, the refresh
// goes on, and the row is counted once.
func TestIntegrationContractLoadedLaterKeepsOneRowReplicaDown(t *testing.T) {
	t.Parallel()
	c := testenv.PrivateCluster(t, 2, 2)
	contractLoadedLater(t, pipelinetest.Options{DSN: testenv.ClusterDatabase(t, c.DSN, c.Name), Cluster: c.Name}, func() {
		if err := c.Node(2, 2).Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Back before the database is dropped ON CLUSTER, which waits
		// for every node.
		t.Cleanup(func() { _ = c.Node(2, 2).Start(context.Background()) })
	})
}

// contractLoadedLater runs the case on a stack built with o; beforeMove,
// if given, runs before the refresh that moves the row.
func contractLoadedLater(t *testing.T, o pipelinetest.Options, beforeMove ...func()) {
	s := pipelinetest.NewWith(t, o)
	s.Produce(t, [][]byte{[]byte(`{"schema_version":1,"event_id":"O1-01","event_type":"request_created",
		"occurred_at":"2026-10-01T07:00:00+08:00","request_id":"O1","contract_id":"CT-T","partner_id":"PT-A",
		"channel":"phone","region":"East","product":{"serial":"SN-O1","model":"AC-200"}}`)}, nil)
	if tot := s.Ingest(t); tot.Events != 1 || tot.Rejected != 0 {
		t.Fatalf("ingest: %+v, want 1 event", tot)
	}
	if res := s.Refresh(t); res.Requests != 1 || res.Unmatched != 1 {
		t.Fatalf("refresh before the contract is loaded: %+v, want 1 request, unmatched", res)
	}

	// The contract arrives; the operator rebuilds everything (servicepulse refresh --all).
	s.LoadContracts(t, lateContract)
	r := sla.NewRefresher(s.Conn, s.Log)
	r.Now = func() time.Time { return time.Now().Add(time.Second) } // a newer computed_at than the first state
	for _, f := range beforeMove {
		f()
	}
	start := time.Now()
	if res, err := r.RefreshAll(context.Background()); err != nil || res.Requests != 1 || res.Unmatched != 0 {
		t.Fatalf("refresh all after loading the contract: %+v, %v; want 1 request, matched", res, err)
	}
	t.Logf("refresh with the deletion of the moved row (cluster %q): %s", s.Cluster, time.Since(start).Round(time.Millisecond))

	// The cohorts as the KPI queries read them: O1 belongs to October only.
	requests, _ := metrics.ByID("requests")
	for _, c := range []struct {
		from, to time.Time
		want     float64
	}{
		{time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), 1},
	} {
		q := metrics.Query{From: c.from, To: c.to, AsOf: time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)}
		gs, err := metrics.Run(context.Background(), s.Conn, q, []metrics.KPI{requests}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := 0.0
		if len(gs) == 1 {
			got = gs[0].Values["requests"]
		}
		if got != c.want {
			t.Errorf("requests opened %s … %s: %v, want %v", c.from.Format(time.DateOnly), c.to.Format(time.DateOnly), got, c.want)
		}
	}
}

// A request is one row of request_state even when a request_created with an
// earlier time and another partner arrives after a first refresh (a
// corrected creation): Opening then picks the new one, and partner_id is part
// of request_state's sorting key.
func TestIntegrationCorrectedCreationKeepsOneRow(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	s.LoadContracts(t, lateContract)
	created := func(id, at, partner string) []byte {
		return []byte(`{"schema_version":1,"event_id":"` + id + `","event_type":"request_created",
			"occurred_at":"` + at + `","request_id":"R1","contract_id":"CT-T","partner_id":"` + partner + `",
			"channel":"phone","region":"East","product":{"serial":"SN-1","model":"AC-200"}}`)
	}
	s.Produce(t, [][]byte{created("R1-01", "2026-09-08T10:00:00+08:00", "PT-A")}, nil)
	s.Ingest(t)
	s.Refresh(t)
	s.Produce(t, [][]byte{created("R1-02", "2026-09-08T09:00:00+08:00", "PT-B")}, nil)
	s.Ingest(t)
	s.Refresh(t)

	requests, _ := metrics.ByID("requests")
	q := metrics.Query{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		By: []metrics.Dimension{metrics.ByPartner}, AsOf: time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)}
	gs, err := metrics.Run(context.Background(), s.Conn, q, []metrics.KPI{requests}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range gs {
		got = append(got, g.Keys[metrics.ByPartner]+"="+strconv.FormatFloat(g.Values["requests"], 'g', -1, 64))
	}
	// The earliest creation rules: R1 is PT-B's, once.
	if len(got) != 1 || got[0] != "PT-B=1" {
		t.Errorf("September requests by partner: %v, want [PT-B=1]", got)
	}
}

// RefreshAll lists the requests from the fact tables, not from the change
// log, which on an upgraded database starts a day before its last refresh
// and may have had old months dropped by hand: with request_changes emptied,
// it still rebuilds both requests.
func TestIntegrationRefreshAllWithoutChangeLog(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	s.Produce(t, [][]byte{
		[]byte(`{"schema_version":1,"event_id":"A1-01","event_type":"request_created","occurred_at":"2026-10-09T15:00:00+08:00","request_id":"A1","contract_id":"CT-T","partner_id":"PT-A","channel":"phone","region":"East","product":{"serial":"SN-A1","model":"AC-200"}}`),
		[]byte(`{"schema_version":1,"event_id":"B1-01","event_type":"request_created","occurred_at":"2026-10-09T16:00:00+08:00","request_id":"B1","contract_id":"CT-T","partner_id":"PT-A","channel":"phone","region":"East","product":{"serial":"SN-B1","model":"AC-200"}}`),
	}, nil)
	if tot := s.Ingest(t); tot.Events != 2 {
		t.Fatalf("ingest: %+v, want 2 events", tot)
	}
	if err := s.Conn.Exec(context.Background(), "TRUNCATE TABLE request_changes"); err != nil {
		t.Fatal(err)
	}
	r := sla.NewRefresher(s.Conn, s.Log)
	if res, err := r.RefreshAll(context.Background()); err != nil || res.Requests != 2 {
		t.Fatalf("refresh all without a change log: %+v, %v; want 2 requests", res, err)
	}
	// The watermark path, by contrast, reads the (empty) change log.
	if res, err := r.Refresh(context.Background()); err != nil || res.Requests != 0 {
		t.Fatalf("watermark refresh with an empty change log: %+v, %v; want nothing to do", res, err)
	}
}
