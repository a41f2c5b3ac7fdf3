package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/broker"
	"servicepulse/contracts"
	"servicepulse/daemon"
	"servicepulse/devenv"
	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/secrets"
	"servicepulse/metrics"
	"servicepulse/reports"
	"servicepulse/sla"
	"servicepulse/sql"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

// stages is the number of stages a run announces.
const stages = 9

// run is one demo run: its configuration and its progress.
type run struct {
	cfg   Config
	log   *slog.Logger
	dsn   string // the demo's own database
	start time.Time
	n     int // stages announced so far
}

// Run runs the demo, stage by stage; it stops at the first failing stage.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.Log
	own, err := warehouse.NewOwnDatabase(cfg.ClickHouse, cfg.Database, "demo", log)
	if err != nil {
		return err
	}
	d := &run{cfg: cfg, log: log, dsn: own.DSN, start: time.Now()}

	d.stage("ClickHouse")
	if err := d.clickhouse(ctx, own.Server); err != nil {
		return err
	}
	// Reset the demo's own database (or, with KeepData, make sure it is
	// the demo's): either refuses a database the demo did not create.
	if err := own.Prepare(ctx, !cfg.KeepData, log); err != nil {
		return err
	}
	conn, err := warehouse.Open(ctx, warehouse.ConfigFor(d.dsn), log)
	if err != nil {
		return err
	}
	defer conn.Close()

	d.stage("Kafka (embedded broker)")
	b, err := broker.Start(broker.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer b.Close()
	log.Info("embedded broker up", "addr", b.Addr())

	sum, res, err := d.traffic(ctx, conn, []string{b.Addr()})
	if err != nil {
		return err
	}

	d.stage("summary")
	st, err := warehouse.ReadStats(ctx, conn)
	if err != nil {
		return err
	}
	if err := d.summary(sum, res, st); err != nil {
		return err
	}

	d.stage("contracts, request states and KPIs")
	terms, err := d.kpis(ctx, conn, sum)
	if err != nil {
		return err
	}

	d.stage("Grafana dashboards")
	if err := d.grafana(ctx); err != nil {
		return err
	}

	d.stage("evaluation report and a partner scorecard")
	return d.report(ctx, conn, terms, sum.To.Add(-time.Second))
}

// stage announces the next stage on Stderr, with the time since the start.
func (d *run) stage(name string) {
	d.n++
	fmt.Fprintf(d.cfg.Stderr, "\n[%d/%d] %s  (%.1fs)\n", d.n, stages, name, time.Since(d.start).Seconds())
}

// clickhouse makes sure a ClickHouse answers at the server DSN: the one
// there if it answers, else a local server started (and installed if
// needed) in Dir, on the DSN's port.
func (d *run) clickhouse(ctx context.Context, server string) error {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return fmt.Errorf("clickhouse server %q: want clickhouse://host:port", server)
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		d.log.Info("reusing the ClickHouse that answers", "addr", u.Host)
		return nil
	}
	port := 9000
	if p, err := strconv.Atoi(u.Port()); err == nil {
		port = p
	}
	dir := d.cfg.Dir
	d.log.Info("no ClickHouse answers; starting a local one", "addr", u.Host, "dir", dir+"/clickhouse")
	cfg := devenv.DefaultClickHouseConfig()
	// The HTTP port (the health check) moves with the native one, so a demo
	// pointed at another port never mistakes a server on 8123 for its own.
	cfg.Dir, cfg.TCPPort, cfg.HTTPPort, cfg.Detach = dir+"/clickhouse", port, 8123+port-9000, true
	srv, err := devenv.EnsureClickHouse(ctx, cfg, d.log)
	if err != nil {
		return err
	}
	d.log.Info("local ClickHouse running (it keeps running after the demo)", "pid", srv.PID(),
		"stop_with", "servicepulse clickhouse stop --dir "+dir+"/clickhouse")
	return nil
}

// traffic migrates the database, generates the traffic into the broker and
// ingests it until caught up: three stages.
func (d *run) traffic(ctx context.Context, conn driver.Conn, brokers []string) (generator.Summary, daemon.Result, error) {
	d.stage("migrate")
	applied, err := sql.Migrate(ctx, conn, d.log)
	if err != nil {
		return generator.Summary{}, daemon.Result{}, err
	}
	d.log.Info("migrations applied", "versions", applied)

	d.stage("generate traffic")
	cfg := ingest.DefaultConfig()
	cfg.Brokers, cfg.Workers, cfg.UntilIdle = brokers, d.cfg.Workers, 3*time.Second
	if err := ingest.EnsureTopics(ctx, brokers, 4, cfg.RecordsTopic, cfg.FeedbackTopic, cfg.DLQTopic); err != nil {
		return generator.Summary{}, daemon.Result{}, err
	}
	sum, err := generator.Produce(ctx, generator.KafkaConfig{
		Brokers: brokers, RecordsTopic: cfg.RecordsTopic, FeedbackTopic: cfg.FeedbackTopic,
	}, d.cfg.Generator, d.log)
	if err != nil {
		return generator.Summary{}, daemon.Result{}, err
	}

	d.stage("ingest until caught up")
	key, err := transform.LoadPIIKey(d.cfg.PIIKeyFile)
	if err != nil {
		d.log.Warn("demo: no PII key set, pseudonymising generated data with the public development key")
		key = []byte(daemon.DevPIIKey)
	}
	res, err := daemon.Run(ctx, daemon.Config{Ingest: cfg, ClickHouse: d.dsn, Partitions: 4, PIIKey: key, Log: d.log})
	return sum, res, err
}

// kpis loads the sample contracts, refreshes the request states and prints
// the KPIs of the generated range by partner; it returns the contracts.
func (d *run) kpis(ctx context.Context, conn driver.Conn, sum generator.Summary) (*contracts.File, error) {
	terms := contracts.Sample()
	if _, err := contracts.Load(ctx, conn, terms); err != nil {
		return nil, err
	}
	r := sla.NewRefresher(conn, d.log)
	r.SetParallel(true) // ingest has ended
	if _, err := r.Refresh(ctx); err != nil {
		return nil, err
	}
	// As ingest leaves it: the daily KPI rollup of every month.
	if _, err := metrics.NewRollups(conn, d.log).Refresh(ctx, false); err != nil {
		return nil, err
	}
	q := metrics.Query{From: sum.From, To: sum.To, By: []metrics.Dimension{metrics.ByPartner}, AsOf: time.Now().UTC()}
	targets := reports.ContractTargets(terms, q.To)
	groups, err := metrics.Run(ctx, conn, q, metrics.All(), targets)
	if err != nil {
		return nil, err
	}
	out := d.cfg.Stdout
	fmt.Fprintln(out)
	if err := metrics.WriteTable(out, q, metrics.Results(groups, metrics.All(), targets)); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "\ntry: servicepulse kpi --clickhouse %s --from %s --to %s --by month\n", secrets.Mask(d.dsn),
		sum.From.Format(time.DateOnly), sum.To.AddDate(0, 0, -1).Format(time.DateOnly))
	return terms, nil
}
