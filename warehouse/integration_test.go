package warehouse

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"servicepulse/internal/testenv"
	"servicepulse/sql"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestOpenNotReachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now

	cfg := DefaultConfig()
	cfg.DSN = "clickhouse://" + addr + "/sp"
	cfg.DialTimeout = time.Second
	_, err = Open(t.Context(), cfg, testLogger(t))
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "clickhouse at "+addr+" not reachable") {
		t.Fatalf("Open: error %v, want ErrUnreachable saying %s is not reachable", err, addr)
	}
}

func TestIntegrationOpenCreatesDatabase(t *testing.T) {
	u, err := url.Parse(testenv.ClickHouseDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	database := strings.ReplaceAll(testenv.Unique("sp_test_open"), "-", "_")
	u.Path = "/" + database
	cfg := DefaultConfig()
	cfg.DSN = u.String()

	ctx := t.Context()
	conn, err := Open(ctx, cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+database); err != nil {
			t.Logf("drop %s: %v", database, err)
		}
		conn.Close()
	})
	var current string
	if err := conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&current); err != nil || current != database {
		t.Fatalf("current database %q (%v), want %q", current, err, database)
	}
	// The pool carries the settings this server version needs for our DDL.
	if err := conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS lc (a LowCardinality(String)) ENGINE = Memory"); err != nil {
		t.Fatalf("LowCardinality DDL: %v", err)
	}
	// Opening again finds the database and leaves it alone.
	again, err := Open(ctx, cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
}

func TestIntegrationReadStats(t *testing.T) {
	dsn, _ := testenv.FreshDatabase(t)
	cfg := DefaultConfig()
	cfg.DSN = dsn
	ctx := t.Context()
	log := testLogger(t)
	conn, err := Open(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := sql.Migrate(ctx, conn, log); err != nil {
		t.Fatal(err)
	}

	empty, err := ReadStats(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Stats{RejectedByReason: map[string]uint64{}}); !reflect.DeepEqual(empty, want) {
		t.Fatalf("empty database: got %+v, want %+v", empty, want)
	}

	// Every batch goes in twice, as after a crash between the insert and the
	// offset commit; each copy is a separate insert, so a separate part.
	occurred := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	inserts := []struct {
		sql  string
		rows [][]any
	}{
		{"INSERT INTO service_events (event_id, event_type, occurred_at, request_id, partner_id, parts_fee, ingested_at)", [][]any{
			{"e1", "request_opened", occurred, "r1", "p1", "0", time.Now()},
			{"e2", "visit_completed", occurred, "r1", "p1", "120.50", time.Now()},
			{"e3", "request_opened", occurred.AddDate(0, 1, 0), "r2", "p2", "0", time.Now()},
		}},
		{"INSERT INTO feedback (event_id, event_type, occurred_at, request_id, partner_id, csat, ingested_at)", [][]any{
			{"f1", "survey", occurred, "r1", "p1", int8(5), time.Now()},
		}},
		{"INSERT INTO rejects (src_topic, src_partition, src_offset, reason, rejected_at)", [][]any{
			{"servicepulse.service-records", int32(0), int64(7), "invalid_json", time.Now()},
			{"servicepulse.service-records", int32(0), int64(9), "invalid_json", time.Now()},
			{"servicepulse.feedback", int32(1), int64(3), "missing_field", time.Now()},
		}},
	}
	for range 2 {
		for _, in := range inserts {
			batch, err := conn.PrepareBatch(ctx, in.sql)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range in.rows {
				if err := batch.Append(row...); err != nil {
					t.Fatal(err)
				}
			}
			if err := batch.Send(); err != nil {
				t.Fatal(err)
			}
		}
	}

	got, err := ReadStats(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Events: 3, Feedback: 1, Rejected: 3, RejectedByReason: map[string]uint64{"invalid_json": 2, "missing_field": 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadStats after inserting everything twice:\n got %+v\nwant %+v", got, want)
	}
}

// TestIntegrationOpenSkipsADeadServer: of several servers in the DSN (a
// cluster's nodes), Open connects to the first that answers, so a client
// survives the loss of one. The first address here has nothing listening.
func TestIntegrationOpenSkipsADeadServer(t *testing.T) {
	u, err := url.Parse(testenv.ClickHouseDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	cfg := DefaultConfig()
	cfg.DSN = "clickhouse://" + dead + "," + u.Host + "/default"
	cfg.DialTimeout = time.Second
	conn, err := Open(t.Context(), cfg, testLogger(t))
	if err != nil {
		t.Fatalf("Open with %s down and %s up: %v", dead, u.Host, err)
	}
	defer conn.Close()
	if err := conn.Ping(t.Context()); err != nil {
		t.Fatalf("ping: %v", err)
	}
	// Every server down is still ErrUnreachable, naming them all.
	cfg.DSN = "clickhouse://" + dead + "," + dead + "/default"
	if _, err := Open(t.Context(), cfg, testLogger(t)); !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), dead+","+dead) {
		t.Fatalf("Open with every server down: %v, want ErrUnreachable naming both", err)
	}
}

// TestIntegrationOpenCluster connects through the DSN of the cluster under
// test, which names several of its nodes, and sees the cluster.
func TestIntegrationOpenCluster(t *testing.T) {
	dsn, name := testenv.Cluster(t)
	conn, err := Open(t.Context(), ConfigFor(dsn), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var nodes uint64
	if err := conn.QueryRow(t.Context(), "SELECT count() FROM system.clusters WHERE cluster = ?", name).Scan(&nodes); err != nil {
		t.Fatal(err)
	}
	if want := uint64(strings.Count(dsn, ",") + 1); nodes != want {
		t.Errorf("cluster %s has %d nodes in system.clusters, want the %d the DSN names", name, nodes, want)
	}
}
