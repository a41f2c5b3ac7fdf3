package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/broker"
	"servicepulse/contracts"
	"servicepulse/dashboards"
	"servicepulse/devenv"
	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/metrics"
	"servicepulse/reports"
	"servicepulse/sla"
	"servicepulse/sql"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

// demoDatabase is the demo's database by default (--database). The demo
// creates it with its ownership marker and resets it on each run (unless
// --keep-data) so the summary's accounting starts from zero; it refuses,
// with or without --keep-data, a database of that name it did not create,
// since it writes generated data. No other database is ever dropped.
const demoDatabase = "servicepulse_demo"

func runDemo(ctx context.Context, args []string) error {
	var (
		c        warehouseFlags
		gen      generator.Config
		dir      string
		keep     bool
		workers  int
		database string
	)
	fs := newFlagSet("demo", "")
	c.clickhouse = "clickhouse://127.0.0.1:9000" // the server: demo works in --database
	c.register(fs)
	fs.readsEnv(transform.PIIKeyEnv, "HMAC key for personal data (default: the public development key)", true)
	fs.readsEnv("SERVICEPULSE_PII_KEY_FILE", "file holding the HMAC key, when $SERVICEPULSE_PII_KEY is not set", false)
	fs.readsEnv("SERVICEPULSE_GRAFANA_URL", "a running Grafana to provision (else only the provisioning files are written)", false)
	fs.readsEnv("GRAFANA_TOKEN", "Grafana service account token (or GRAFANA_USER and GRAFANA_PASSWORD)", true)
	fs.readsEnv("GRAFANA_USER", "Grafana user, for basic auth", false)
	fs.readsEnv("GRAFANA_PASSWORD", "Grafana user's password, for basic auth", true)
	fs.StringVar(&dir, "dir", ".servicepulse", "working directory for a locally started ClickHouse")
	fs.Int64Var(&gen.Seed, "seed", 1, "random seed of the generated traffic")
	fs.IntVar(&gen.Tickets, "tickets", 20000, "service requests to generate")
	fs.Float64Var(&gen.BadRate, "bad-rate", 0.01, "fraction of malformed messages")
	fs.IntVar(&workers, "workers", 2, "ingest workers")
	fs.BoolVar(&keep, "keep-data", false, "keep the demo database's earlier contents instead of starting from zero")
	fs.StringVar(&database, "database", demoDatabase, "database of its own on the --clickhouse server; it must not exist or be one demo created (the DSN's database is ignored)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := gen.Validate(); err != nil {
		return usagef("%v", err)
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	own, err := newOwnDatabase(c.clickhouse, database, "demo", log)
	if err != nil {
		return err
	}
	d := demo{log: log, start: time.Now()}

	d.stage("ClickHouse")
	if _, err := d.clickhouse(ctx, own.server, dir); err != nil {
		return err
	}
	// Reset the demo's own database (or, with --keep-data, make sure it is
	// the demo's): either refuses a database the demo did not create.
	if err := own.prepare(ctx, !keep, log); err != nil {
		return err
	}
	dsn := own.dsn
	conn, err := warehouse.Open(ctx, warehouse.ConfigFor(dsn), log)
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
	brokers := []string{b.Addr()}
	log.Info("embedded broker up", "addr", b.Addr())

	d.stage("migrate")
	applied, err := sql.Migrate(ctx, conn, log)
	if err != nil {
		return err
	}
	log.Info("migrations applied", "versions", applied)

	d.stage("generate traffic")
	cfg := ingest.DefaultConfig()
	cfg.Brokers, cfg.Workers, cfg.UntilIdle = brokers, workers, 3*time.Second
	if err := ingest.EnsureTopics(ctx, brokers, 4, cfg.RecordsTopic, cfg.FeedbackTopic, cfg.DLQTopic); err != nil {
		return err
	}
	sum, err := generator.Produce(ctx, generator.KafkaConfig{
		Brokers: brokers, RecordsTopic: cfg.RecordsTopic, FeedbackTopic: cfg.FeedbackTopic,
	}, gen, log)
	if err != nil {
		return err
	}

	d.stage("ingest until caught up")
	key, err := transform.LoadPIIKey(os.Getenv("SERVICEPULSE_PII_KEY_FILE"))
	if err != nil {
		log.Warn("demo: no PII key set, pseudonymising generated data with the public development key")
		key = []byte(devPIIKey)
	}
	res, err := ingestOnce(ctx, cfg, dsn, 4, key, "", 0, log)
	if err != nil {
		return err
	}

	d.stage("summary")
	st, err := warehouse.ReadStats(ctx, conn)
	if err != nil {
		return err
	}
	if err := d.summary(os.Stdout, dsn, sum, res, st); err != nil {
		return err
	}

	d.stage("contracts, request states and KPIs")
	terms := contracts.Sample()
	if _, err := contracts.Load(ctx, conn, terms); err != nil {
		return err
	}
	if _, err := sla.NewRefresher(conn, log).Refresh(ctx); err != nil {
		return err
	}
	q := metrics.Query{From: sum.From, To: sum.To, By: []metrics.Dimension{metrics.ByPartner}, AsOf: time.Now().UTC()}
	groups, err := metrics.Run(ctx, conn, q, metrics.All(), targetsOf(terms, q.To))
	if err != nil {
		return err
	}
	fmt.Println()
	if err := writeKPITable(os.Stdout, q, metrics.All(), groups, targetsOf(terms, q.To)); err != nil {
		return err
	}
	fmt.Printf("\ntry: servicepulse kpi --clickhouse %s --from %s --to %s --by month\n", dsn,
		sum.From.Format(time.DateOnly), sum.To.AddDate(0, 0, -1).Format(time.DateOnly))

	d.stage("Grafana dashboards")
	if err := d.grafana(ctx, dsn, dir); err != nil {
		return err
	}

	d.stage("evaluation report and a partner scorecard")
	return d.report(ctx, conn, terms, sum.From, dir)
}

// report writes the evaluation report of the generated quarter and the
// scorecard of its best-ranked partner, and prints their paths.
func (d *demo) report(ctx context.Context, conn driver.Conn, terms *contracts.File, from time.Time, dir string) error {
	p, err := reports.ParsePeriod(fmt.Sprintf("%d-Q%d", from.Year(), (int(from.Month())+2)/3))
	if err != nil {
		return err
	}
	out := dir + "/reports"
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	asOf := time.Now().UTC()
	r, err := reports.Build(ctx, conn, p, asOf, terms)
	if err != nil {
		return err
	}
	files, err := reports.WriteFiles(out, r)
	if err != nil {
		return err
	}
	if len(r.Partners) > 0 {
		s, err := reports.BuildScorecard(ctx, conn, p, asOf, r.Partners[0].PartnerID)
		if err != nil {
			return err
		}
		more, err := reports.WriteScorecardFiles(out, s)
		if err != nil {
			return err
		}
		files = append(files, more...)
	}
	fmt.Println("\nevaluation report and partner scorecard:")
	for _, f := range files {
		fmt.Println("  " + f)
	}
	return nil
}

// grafana writes the dashboards' file provisioning for the demo's ClickHouse,
// and provisions a running Grafana when SERVICEPULSE_GRAFANA_URL names one.
func (d *demo) grafana(ctx context.Context, dsn, dir string) error {
	ds, err := dashboards.DatasourceFromDSN(dsn)
	if err != nil {
		return err
	}
	set, err := dashboards.Build(ds)
	if err != nil {
		return err
	}
	out := dir + "/grafana"
	files, err := dashboards.Export(set, out)
	if err != nil {
		return err
	}
	fmt.Printf("Grafana provisioning written: %s (%d files; point Grafana's provisioning directory at it)\n", out, len(files))
	url := os.Getenv("SERVICEPULSE_GRAFANA_URL")
	if url == "" {
		fmt.Println("set SERVICEPULSE_GRAFANA_URL (and GRAFANA_TOKEN, or GRAFANA_USER/GRAFANA_PASSWORD) to provision a running Grafana")
		return nil
	}
	cfg := dashboards.GrafanaConfig{URL: url, Token: os.Getenv("GRAFANA_TOKEN"), User: os.Getenv("GRAFANA_USER"),
		Password: os.Getenv("GRAFANA_PASSWORD"), Timeout: 30 * time.Second}
	if err := cfg.Validate(); err != nil {
		return usagef("SERVICEPULSE_GRAFANA_URL: %v", err)
	}
	report, err := dashboards.Provision(ctx, cfg, set, false, d.log)
	if err != nil {
		return err
	}
	fmt.Println("Grafana provisioned:")
	return printJSON(report)
}

type demo struct {
	log   *slog.Logger
	start time.Time
	n     int
}

const demoStages = 9

func (d *demo) stage(name string) {
	d.n++
	fmt.Fprintf(os.Stderr, "\n[%d/%d] %s  (%.1fs)\n", d.n, demoStages, name, time.Since(d.start).Seconds())
}

// clickhouse returns the DSN of a reachable ClickHouse: the one named by dsn
// if it answers, else a local server started (and installed if needed) in dir.
func (d *demo) clickhouse(ctx context.Context, dsn, dir string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "", usagef("--clickhouse %q: want clickhouse://host:port", dsn)
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		d.log.Info("reusing the ClickHouse that answers", "addr", u.Host)
		return dsn, nil
	}
	port := 9000
	if p, err := strconv.Atoi(u.Port()); err == nil {
		port = p
	}
	d.log.Info("no ClickHouse answers; starting a local one", "addr", u.Host, "dir", dir+"/clickhouse")
	cfg := devenv.DefaultClickHouseConfig()
	// The HTTP port (the health check) moves with the native one, so a demo
	// pointed at another port never mistakes a server on 8123 for its own.
	cfg.Dir, cfg.TCPPort, cfg.HTTPPort, cfg.Detach = dir+"/clickhouse", port, 8123+port-9000, true
	srv, err := devenv.EnsureClickHouse(ctx, cfg, d.log)
	if err != nil {
		return "", err
	}
	d.log.Info("local ClickHouse running (it keeps running after the demo)", "pid", srv.PID(),
		"stop_with", "servicepulse clickhouse stop --dir "+dir+"/clickhouse")
	return dsn, nil
}

func (d *demo) summary(w *os.File, dsn string, sum generator.Summary, res ingestResult, st warehouse.Stats) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nservicepulse demo — %d tickets, seed %d, %s … %s\n\n", sum.Tickets, sum.Seed,
		sum.From.Format(time.DateOnly), sum.To.Format(time.DateOnly))
	fmt.Fprintln(tw, "\tgenerated\tstored in ClickHouse\t")
	check := func(name string, want int, got uint64) {
		mark := "ok"
		if uint64(want) != got {
			mark = "MISMATCH"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", name, want, got, mark)
	}
	check("service records", sum.Records, st.Events)
	check("feedback", sum.Feedback, st.Feedback)
	check("malformed → rejects", sum.Malformed, st.Rejected)
	reasons := make([]string, 0, len(sum.MalformedByReason))
	for r := range sum.MalformedByReason {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		check("  "+r, sum.MalformedByReason[r], st.RejectedByReason[r])
	}
	fmt.Fprintf(tw, "\ningested %d messages in %.1fs of work (%.0f messages/s)\n", res.Consumed, res.ActiveSeconds,
		float64(res.Consumed)/max(res.ActiveSeconds, 1e-9))
	fmt.Fprintf(tw, "ClickHouse: %s    total time: %.1fs\n", dsn, time.Since(d.start).Seconds())
	return tw.Flush()
}
