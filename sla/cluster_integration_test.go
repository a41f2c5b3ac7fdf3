package sla_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"servicepulse/internal/pipelinetest"
	"servicepulse/sla"
)

// Requests are sharded by request id, so two requests on one product serial
// usually sit on different shards. When only the second one changes, the
// refresher must still find the first through the serial (the sibling
// lookup, GLOBAL IN across shards) and mark it: A was resolved on 09-01,
// the same serial came back on 09-10, so A repeats within 30 days and B is
// a repeat. A plain IN would be refused on the Distributed table
// (distributed_product_mode=deny) or, with local, miss A.
func TestIntegrationSiblingsOnOtherShards(t *testing.T) {
	t.Parallel()
	s := pipelinetest.NewWith(t, pipelinetest.Options{OnCluster: true})
	s.LoadContracts(t, lateContract)
	a, b := idsOnTwoShards(t, s)

	created := func(id, at string) []byte {
		return []byte(`{"schema_version":1,"event_id":"` + id + `-01","event_type":"request_created",
			"occurred_at":"` + at + `","request_id":"` + id + `","contract_id":"CT-T","partner_id":"PT-A",
			"channel":"phone","region":"East","product":{"serial":"SN-SIB","model":"AC-200"}}`)
	}
	resolved := []byte(`{"schema_version":1,"event_id":"` + a + `-02","event_type":"resolved","occurred_at":"2026-09-01T15:00:00+08:00",
		"request_id":"` + a + `","contract_id":"CT-T","partner_id":"PT-A","technician":{"id":"T-1"},"visit_no":1,
		"resolution":{"cause":"product_quality","labour_fee":"0.00","parts_fee":"0.00","warranty":"in_warranty"}}`)
	s.Produce(t, [][]byte{created(a, "2026-09-01T09:00:00+08:00"), resolved}, nil)
	s.Ingest(t)
	r := sla.NewRefresher(s.Conn, s.Log)
	r.Margin = 0
	if res, err := r.Refresh(t.Context()); err != nil || res.Requests != 1 {
		t.Fatalf("first refresh: %+v, %v; want request %s", res, err, a)
	}

	// B's events are ingested after a watermark that A's are before (ingest
	// times have whole seconds): the next refresh sees only B as changed.
	time.Sleep(1100 * time.Millisecond)
	watermark := time.Now().UTC().Truncate(time.Second)
	b1, err := s.Conn.PrepareBatch(t.Context(), "INSERT INTO state_refreshes (refreshed_at, watermark, requests)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b1.Append(watermark, watermark, uint64(0)); err != nil {
		t.Fatal(err)
	}
	if err := b1.Send(); err != nil {
		t.Fatal(err)
	}
	s.Produce(t, [][]byte{created(b, "2026-09-10T09:00:00+08:00")}, nil)
	s.Ingest(t)
	res, err := r.Refresh(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 2 {
		t.Errorf("refresh after %s arrived rebuilt %d requests; want 2 (%s found through its serial)", b, res.Requests, a)
	}
	for id, want := range map[string]string{a: "repeat_within_30d=1 is_repeat=0", b: "repeat_within_30d=0 is_repeat=1"} {
		var rw, ir uint8
		if err := s.Conn.QueryRow(t.Context(), "SELECT repeat_within_30d, is_repeat FROM request_state FINAL WHERE request_id = ?", id).Scan(&rw, &ir); err != nil {
			t.Fatalf("state of %s: %v", id, err)
		}
		if got := fmt.Sprintf("repeat_within_30d=%d is_repeat=%d", rw, ir); got != want {
			t.Errorf("%s: %s; want %s", id, got, want)
		}
	}
}

// idsOnTwoShards returns two request ids whose rows the Distributed tables
// put on different shards, checked on the nodes themselves.
func idsOnTwoShards(t *testing.T, s *pipelinetest.Stack) (a, b string) {
	t.Helper()
	shardOf := func(id string) uint64 {
		var n uint64
		if err := s.Conn.QueryRow(t.Context(), "SELECT toUInt64(cityHash64(?) % 2)", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	a = "SIB-A"
	for i := 1; b == ""; i++ {
		if id := fmt.Sprintf("SIB-B%d", i); shardOf(id) != shardOf(a) {
			b = id
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		// Where the rows are: each id's nodes, which must not overlap.
		nodes := map[string][]string{}
		u, _ := url.Parse(s.DSN)
		for _, host := range strings.Split(u.Host, ",") {
			conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{host}})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{a, b} {
				var n uint64
				q := "SELECT count() FROM " + strings.Trim(u.Path, "/") + ".service_events_local WHERE request_id = ?"
				if err := conn.QueryRow(context.Background(), q, id).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n > 0 {
					nodes[id] = append(nodes[id], host)
				}
			}
			conn.Close()
		}
		for _, h := range nodes[a] {
			if strings.Contains(strings.Join(nodes[b], ","), h) {
				t.Errorf("%s and %s share node %s (%v, %v); want different shards", a, b, h, nodes[a], nodes[b])
			}
		}
		if len(nodes[a]) == 0 || len(nodes[b]) == 0 {
			t.Errorf("rows of %s on %v, of %s on %v; want both somewhere", a, nodes[a], b, nodes[b])
		}
	})
	return a, b
}
