package dashboards

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"servicepulse/contracts"
	"servicepulse/generator"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
	"servicepulse/metrics"
)

// The generated traffic of the integration test: three months of requests
// opened in 2026-Q3 (the generator's default: the quarter before Now).
var (
	genNow = time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)
	// q3 is the dashboard range of `kpi --from 2026-07-01 --to 2026-09-30`,
	// picked in a dashboard whose time zone is UTC.
	q3 = timeRange{
		From:     time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		To:       time.Date(2026, 9, 30, 23, 59, 59, 999e6, time.UTC),
		Interval: 12 * time.Hour,
	}
)

// generated is the pipeline after the generator's traffic went through
// Kafka → ingest → ClickHouse 18.16 → request states, and the time range
// around that ingest.
type generated struct {
	stack *pipelinetest.Stack
	live  timeRange // covers the ingest: ingested_at and rejected_at are wall-clock times
}

func generate(t *testing.T) generated {
	t.Helper()
	s := pipelinetest.New(t)
	s.LoadContracts(t, string(contracts.SampleYAML()))
	start := time.Now()
	_, err := generator.Produce(t.Context(), generator.KafkaConfig{Brokers: s.Brokers, RecordsTopic: s.Config.RecordsTopic, FeedbackTopic: s.Config.FeedbackTopic},
		generator.Config{Seed: 1, Tickets: 3000, BadRate: 0.01, Now: genNow}, s.Log)
	if err != nil {
		t.Fatal(err)
	}
	s.Ingest(t)
	s.Refresh(t)
	t.Logf("generated, ingested and refreshed 3000 tickets in %s", time.Since(start).Round(time.Millisecond))
	return generated{stack: s, live: timeRange{From: start.Add(-time.Hour), To: time.Now().Add(time.Minute), Interval: time.Minute}}
}

// rangeOf is the time range a query runs with: Q3 for the cohort queries,
// the ingest's hour for the pipeline's.
func (g generated) rangeOf(q PanelQuery) timeRange {
	if q.TimeColumn == Cohort {
		return q3
	}
	return g.live
}

// result is a query's output: column names and rows of values.
type result struct {
	columns []string
	rows    [][]any
}

// runServer runs sql on the 18.16 server and reads every value.
// database is the database the stack's rows are in.
func (g generated) database(t *testing.T) string {
	t.Helper()
	var db string
	if err := g.stack.Conn.QueryRow(t.Context(), "SELECT currentDatabase()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	return db
}

func runServer(ctx context.Context, g generated, sql string) (result, error) {
	rows, err := g.stack.Conn.Query(ctx, sql)
	if err != nil {
		return result{}, err
	}
	defer rows.Close()
	var res result
	cols := rows.ColumnTypes()
	for _, c := range cols {
		res.columns = append(res.columns, c.Name())
	}
	for rows.Next() {
		dest := make([]any, len(cols))
		for i, c := range cols {
			dest[i] = reflect.New(c.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			return result{}, err
		}
		row := make([]any, len(dest))
		for i := range dest {
			row[i] = reflect.ValueOf(dest[i]).Elem().Interface()
		}
		res.rows = append(res.rows, row)
	}
	return res, rows.Err()
}

// Every panel's and alert's query, expanded as the plugin expands it, runs
// on ClickHouse 18.16 and on current ClickHouse over generated traffic and
// returns the columns its panel expects, with rows; the executive tiles
// equal `servicepulse kpi` (metrics.Run) for the same range, unfiltered and
// filtered by a variable.
func TestIntegrationPanelQueries(t *testing.T) {
	g := generate(t)
	set := testSetFor(t, g.database(t))
	queries := set.Queries()

	t.Run("ClickHouse 18.16", func(t *testing.T) {
		for _, q := range queries {
			t.Run(q.Dashboard+"/"+q.Panel+"/"+q.RefID, func(t *testing.T) {
				sql, err := expandFor(q, g.rangeOf(q), nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := runServer(t.Context(), g, sql)
				if err != nil {
					t.Fatalf("%v\n%s", err, sql)
				}
				checkShape(t, q, res.columns, len(res.rows))
			})
		}
	})

	// Grafana's datasource user is read-only (readonly=2 on 18.16, over
	// TLS with a password, as the plugin connects: no settings of its own):
	// every query runs, and writing, altering or dropping is refused.
	t.Run("ClickHouse 18.16, read-only user over TLS", func(t *testing.T) {
		reader := readOnlyConn(t, g)
		for _, q := range queries {
			sql, err := expandFor(q, g.rangeOf(q), nil)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := reader.Query(t.Context(), sql)
			if err != nil {
				t.Errorf("%s/%s as the read-only user: %v", q.Dashboard, q.Panel, err)
				continue
			}
			rows.Close()
		}
		for _, stmt := range []string{
			"INSERT INTO state_refreshes (refreshed_at, watermark, requests) SELECT now(), now(), 0",
			"ALTER TABLE request_state DELETE WHERE 1",
			"DROP TABLE request_state",
			"CREATE TABLE x (a UInt8) ENGINE = TinyLog",
		} {
			err := reader.Exec(t.Context(), stmt)
			var ex *clickhouse.Exception
			if !errors.As(err, &ex) || ex.Code != 164 {
				t.Errorf("%s as the read-only user: %v, want refused (code 164, readonly)", stmt, err)
			}
		}
	})

	t.Run("ClickHouse 18.16, variables set", func(t *testing.T) {
		// Two partners and one region: "IN ('a','b')" and "IN ('East')".
		vars := variables{"partner": distinct(t, g, "partner_id")[:2], "region": distinct(t, g, "region")[:1]}
		for _, q := range queries {
			if q.Dashboard == AlertRulesUID || !strings.Contains(q.SQL, "$__conditionalAll") {
				continue
			}
			sql, err := expandFor(q, g.rangeOf(q), vars)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Count(sql, "1=1") != 3*strings.Count(q.SQL, "$__conditionalAll")/5 {
				t.Errorf("%s: %d of %d conditions are 1=1, want the 3 unselected variables' ones", q.Panel, strings.Count(sql, "1=1"), strings.Count(q.SQL, "$__conditionalAll"))
			}
			res, err := runServer(t.Context(), g, sql)
			if err != nil {
				t.Fatalf("%s: %v\n%s", q.Panel, err, sql)
			}
			if !slices.Equal(res.columns, q.Columns) {
				t.Errorf("%s: columns %v, want %v", q.Panel, res.columns, q.Columns)
			}
		}
	})

	t.Run("executive tiles equal kpi", func(t *testing.T) {
		onePartner := distinct(t, g, "partner_id")[1]
		for _, filter := range []map[metrics.Dimension]string{nil, {metrics.ByPartner: onePartner}} {
			vars := variables{}
			for d, v := range filter {
				vars[string(d)] = []string{v}
			}
			compareTiles(t, g, set, filter, vars)
		}
	})

	t.Run("current ClickHouse", func(t *testing.T) {
		onCurrentClickHouse(t, g, queries)
	})
}

// distinct lists the values of a request_state column.
func distinct(t *testing.T, g generated, column string) []string {
	t.Helper()
	res, err := runServer(t.Context(), g, "SELECT DISTINCT "+column+" FROM request_state ORDER BY "+column)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range res.rows {
		out = append(out, r[0].(string))
	}
	if len(out) < 2 {
		t.Fatalf("%s: only %v", column, out)
	}
	return out
}

// expandFor expands a query as Grafana sends it: a panel's through the
// browser and the plugin's backend, an alert's through the backend only.
func expandFor(q PanelQuery, r timeRange, vars variables) (string, error) {
	if q.Dashboard == AlertRulesUID {
		return expandMacros(q.SQL, r)
	}
	return expandPanel(q.SQL, r, vars)
}

func checkShape(t *testing.T, q PanelQuery, columns []string, rows int) {
	t.Helper()
	if !slices.Equal(columns, q.Columns) {
		t.Errorf("columns %v, want %v", columns, q.Columns)
	}
	if rows == 0 {
		t.Errorf("no rows")
	}
}

// tile is a single-value panel of the executive overview.
type tile struct {
	q   PanelQuery
	kpi metrics.KPI
}

func executiveTiles(t *testing.T, set Set) []tile {
	t.Helper()
	var tiles []tile
	for _, d := range set.Dashboards {
		if d.UID != ExecutiveOverviewUID {
			continue
		}
		for _, q := range d.Queries {
			if len(q.Columns) == 0 || !strings.HasPrefix(q.Columns[0], "k_") || slices.Contains(q.Columns, "d_month") {
				continue
			}
			k, ok := metrics.ByID(strings.TrimPrefix(q.Columns[0], "k_"))
			if !ok {
				t.Fatalf("tile %q: column %s is no KPI", q.Panel, q.Columns[0])
			}
			tiles = append(tiles, tile{q, k})
		}
	}
	for _, k := range append(scored(), kpiByID(metrics.EvaluationID)...) {
		if !slices.ContainsFunc(tiles, func(x tile) bool { return x.kpi.ID == k.ID }) {
			t.Errorf("the executive overview has no tile for %s", k.ID)
		}
	}
	return tiles
}

// compareTiles runs each executive tile and the kpi command's code path
// (metrics.Run, as `servicepulse kpi --from 2026-07-01 --to 2026-09-30`
// runs it, as of now) and wants the same values, and the same grade.
func compareTiles(t *testing.T, g generated, set Set, filter map[metrics.Dimension]string, vars variables) {
	t.Helper()
	tiles := executiveTiles(t, set)
	kpis := make([]metrics.KPI, len(tiles))
	for i, x := range tiles {
		kpis[i] = x.kpi
	}
	q := metrics.Query{From: q3.From, To: q3.From.AddDate(0, 3, 0), Filter: filter, AsOf: time.Now()}
	groups, err := metrics.Run(t.Context(), g.stack.Conn, q, kpis, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 {
		t.Fatalf("kpi: %d groups, want 1", len(groups))
	}
	want := groups[0].Values
	for _, x := range tiles {
		sql, err := expandPanel(x.q.SQL, q3, vars)
		if err != nil {
			t.Fatal(err)
		}
		res, err := runServer(t.Context(), g, sql)
		if err != nil {
			t.Fatalf("tile %q: %v\n%s", x.q.Panel, err, sql)
		}
		if len(res.rows) != 1 {
			t.Fatalf("tile %q: %d rows, want 1", x.q.Panel, len(res.rows))
		}
		got := number(res.rows[0][0])
		if !same(got, want[x.kpi.ID]) {
			t.Errorf("filter %v: tile %q shows %v, kpi prints %v", filter, x.q.Panel, got, want[x.kpi.ID])
		}
		if x.kpi.ID == metrics.EvaluationID {
			if grade := res.rows[0][1].(string); grade != metrics.Grade(want[x.kpi.ID]) {
				t.Errorf("filter %v: grade %q, kpi prints %q", filter, grade, metrics.Grade(want[x.kpi.ID]))
			}
		}
		t.Logf("filter %v: %-32s tile %-22v kpi %v", filter, x.kpi.ID, got, want[x.kpi.ID])
	}
}

// number reads a numeric value as metrics.Run does.
func number(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case *float64:
		if x == nil {
			return math.NaN()
		}
		return *x
	case uint64:
		return float64(x)
	case int64:
		return float64(x)
	case uint8:
		return float64(x)
	case int32:
		return float64(x)
	}
	panic(fmt.Sprintf("not a number: %T %v", v, v))
}

// same compares KPI values: NaN (no data) equals NaN; numbers agree to 1e-9.
func same(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// readOnlyConn connects to the stack's database as the read-only user of the
// server's TLS port (testenv.TLSClickHouse), the way Grafana's plugin does.
func readOnlyConn(t *testing.T, g generated) clickhouse.Conn {
	t.Helper()
	base, dir := testenv.TLSClickHouse(t)
	pw, err := os.ReadFile(filepath.Join(dir, "reader.password"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	u, err := url.Parse(g.stack.DSN)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr: []string{strings.TrimPrefix(base, "clickhouse://")},
		Auth: clickhouse.Auth{Database: strings.Trim(u.Path, "/"), Username: "sp_reader", Password: strings.TrimSpace(string(pw))},
		TLS:  &tls.Config{RootCAs: pool},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Ping(t.Context()); err != nil {
		t.Fatalf("connect as the read-only user: %v", err)
	}
	return conn
}
