package warehouse_test

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/contracts"
	"servicepulse/generator"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
	"servicepulse/metrics"
	"servicepulse/reports"
	"servicepulse/sla"
	"servicepulse/sql"
	"servicepulse/warehouse"
)

// Moving in (docs/cluster.md): a single-node database whose data went the
// whole way (ingested, contracts loaded, states refreshed) is copied into a
// migrated cluster database with one INSERT … SELECT FROM remote(…) per
// table, run on one node of the cluster. Both answer the same: stats, every
// KPI by partner, every table's rows; and a refresh on the cluster changes
// no KPI, so the copied states are those the cluster computes itself. The
// copy is done twice from the same single node: by the statements below,
// and by scripts/move-into-cluster.sh, which users run.
func TestIntegrationMoveIntoCluster(t *testing.T) {
	ctx := context.Background()
	single := pipelinetest.NewWith(t, pipelinetest.Options{})
	sum, err := generator.Produce(ctx, generator.KafkaConfig{
		Brokers: single.Brokers, RecordsTopic: single.Config.RecordsTopic, FeedbackTopic: single.Config.FeedbackTopic,
	}, generator.Config{Seed: 42, Tickets: 5000, BadRate: 0.01}, single.Log)
	if err != nil {
		t.Fatal(err)
	}
	if tot, n := single.Ingest(t), sum.Records+sum.Feedback+sum.Malformed; tot.Consumed != int64(n) {
		t.Fatalf("ingest: %+v, want %d messages consumed", tot, n)
	}
	terms := contracts.Sample()
	if _, err := contracts.Load(ctx, single.Conn, terms); err != nil {
		t.Fatal(err)
	}
	single.Refresh(t)
	src := source{addr: hostPort(t, testenv.ClickHouseDSN(t)), db: databaseOf(t, single.DSN), conn: single.Conn}
	q := metrics.Query{From: sum.From, To: sum.To, By: []metrics.Dimension{metrics.ByPartner}, AsOf: time.Now().UTC()}
	want := snapshotOf(t, src.conn, src.tables(t), q, terms)
	if len(want.kpis) < len(metrics.All())*3 || want.stats.Events == 0 || want.stats.Rejected == 0 || want.rows["request_state"] == 0 {
		t.Fatalf("single node: %d KPI values, stats %+v, rows %v; want every KPI for 3 partners, facts, rejects and states",
			len(want.kpis), want.stats, want.rows)
	}

	t.Run("INSERT SELECT on one node", func(t *testing.T) {
		dsn, db, cluster := testenv.FreshClusterDatabase(t)
		conn := pipelinetest.MigratedCluster(t, dsn, cluster, single.Log)
		start := time.Now()
		copyTables(t, src, firstNode(t, dsn, cluster), db)
		t.Logf("copied %d tables in %s", len(want.rows), time.Since(start).Round(time.Millisecond))
		verifyMove(t, want, dsn, conn, q, terms)
	})
	t.Run("scripts/move-into-cluster.sh", func(t *testing.T) {
		if _, err := exec.LookPath("clickhouse-client"); err != nil {
			t.Fatalf("the script needs clickhouse-client (scripts/servers.sh installs it): %v", err)
		}
		dsn, db, cluster := testenv.FreshClusterDatabase(t)
		conn := pipelinetest.MigratedCluster(t, dsn, cluster, single.Log)
		start := time.Now()
		out, err := exec.CommandContext(ctx, "bash", "../scripts/move-into-cluster.sh",
			src.addr, src.db, hostPort(t, dsn), db, cluster).CombinedOutput()
		t.Logf("move-into-cluster.sh (%s):\n%s", time.Since(start).Round(time.Millisecond), out)
		if err != nil {
			t.Fatalf("move-into-cluster.sh: %v", err)
		}
		verifyMove(t, want, dsn, conn, q, terms)
	})
}

// verifyMove checks that the cluster database of dsn answers as the single
// node did (want), before and after a refresh of every request on the
// cluster.
func verifyMove(t *testing.T, want snapshot, dsn string, conn driver.Conn, q metrics.Query, terms *contracts.File) {
	t.Helper()
	// Every node answers KPI queries from its own copy of the dimension
	// tables, which replication fills after the copy returned.
	testenv.SyncReplicas(t, dsn)
	tables := make([]table, 0, len(want.rows))
	for _, tb := range want.tables {
		tables = append(tables, tb)
	}
	assertSameSnapshot(t, "after the copy", want, snapshotOf(t, conn, tables, q, terms))

	res, err := sla.NewRefresher(conn, pipelinetest.NewWith(t, pipelinetest.Options{DSN: dsn, Cluster: want.cluster(t)}).Log).RefreshAll(context.Background())
	if err != nil {
		t.Fatalf("refresh on the cluster: %v", err)
	}
	testenv.SyncReplicas(t, dsn)
	after := snapshotOf(t, conn, tables, q, terms)
	// The refresh logs itself in state_refreshes: one row more.
	after.rows["state_refreshes"]--
	if res.Requests != int(want.rows["request_state"]) {
		t.Errorf("refresh on the cluster rebuilt %d requests, want the %d states copied", res.Requests, want.rows["request_state"])
	}
	assertSameSnapshot(t, "after a refresh on the cluster", want, after)
}
