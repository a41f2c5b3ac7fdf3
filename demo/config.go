package demo

import (
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"time"

	"servicepulse/dashboards"
	"servicepulse/generator"
	"servicepulse/internal/fields"
	"servicepulse/internal/secrets"
	"servicepulse/reports"
	"servicepulse/warehouse"
)

// DefaultDatabase is the demo's database by default (Config.Database). The
// demo creates it with its ownership marker and resets it on each run
// (unless KeepData) so the summary's accounting starts from zero; it
// refuses, with or without KeepData, a database of that name it did not
// create, since it writes generated data. No other database is ever dropped.
const DefaultDatabase = "servicepulse_demo"

// Config configures a demo run. Validate fills in the defaults.
type Config struct {
	// ClickHouse is the DSN of the server; its database is ignored (the demo
	// works in Database). When nothing answers there, a local server is
	// started on its port. Default: clickhouse://127.0.0.1:9000.
	ClickHouse string
	// Database is the demo's own database on that server. Default:
	// DefaultDatabase.
	Database string
	// Dir is the working directory: a locally started ClickHouse, the
	// Grafana provisioning, the reports. Default: .servicepulse.
	Dir string
	// Generator says what traffic to generate; its Validate applies. When
	// its From and Days are unset, the demo sets them to the Quarters whole
	// quarters (Asia/Shanghai) before the current one.
	Generator generator.Config
	// Quarters is how many whole quarters of history to generate, ending
	// with the last full quarter, which the report is written for: the
	// default, 1+reports.TrendPeriods, gives each of its trend points a
	// quarter of data. 1 to 40.
	Quarters int
	// Workers is the number of ingest workers: 1 to 64. Required.
	Workers int
	// KeepData keeps the demo database's earlier contents instead of
	// starting from zero.
	KeepData bool
	// PIIKeyFile holds the HMAC key of personal data when $SERVICEPULSE_PII_KEY
	// is not set (transform.LoadPIIKey); without either the public
	// development key is used, with a warning. Default: "".
	PIIKeyFile string
	// Grafana is a running Grafana to provision; an empty URL provisions
	// none (only the provisioning files are written).
	Grafana dashboards.GrafanaConfig
	// Log receives the log. Required.
	Log *slog.Logger
	// Stdout receives the results, Stderr the stages. Default: os.Stdout
	// and os.Stderr.
	Stdout, Stderr io.Writer
}

// Validate fills in the defaults and reports the first invalid field, as a
// *fields.Error naming it (or the error of Generator.Validate).
func (c *Config) Validate() error {
	c.defaults()
	if err := c.Generator.Validate(); err != nil {
		return err
	}
	if u, err := url.Parse(c.ClickHouse); err != nil || u.Host == "" {
		return fields.Errorf("ClickHouse", strconv.Quote(secrets.Mask(c.ClickHouse)), "want clickhouse://host:port")
	}
	if err := warehouse.ValidateDatabaseName(c.Database); err != nil {
		return fields.Errorf("Database", nil, "%v", err)
	}
	if c.Quarters < 1 || c.Quarters > 40 {
		return fields.Errorf("Quarters", c.Quarters, "must be between 1 and 40")
	}
	if c.Workers < 1 || c.Workers > 64 {
		return fields.Errorf("Workers", c.Workers, "must be between 1 and 64")
	}
	if c.Grafana.URL != "" {
		if err := c.Grafana.Validate(); err != nil {
			return fields.Errorf("Grafana", nil, "%v", err)
		}
	}
	if c.Log == nil {
		return errors.New("demo: no logger")
	}
	return nil
}

func (c *Config) defaults() {
	if c.ClickHouse == "" {
		c.ClickHouse = "clickhouse://127.0.0.1:9000"
	}
	if c.Database == "" {
		c.Database = DefaultDatabase
	}
	if c.Dir == "" {
		c.Dir = ".servicepulse"
	}
	if c.Quarters == 0 {
		c.Quarters = 1 + reports.TrendPeriods
	}
	if c.Generator.Now.IsZero() {
		c.Generator.Now = time.Now() // read once: the history and the generator agree
	}
	if c.Generator.From.IsZero() && c.Generator.Days == 0 && c.Quarters >= 1 && c.Quarters <= 40 {
		c.Generator.From, c.Generator.Days = history(c.Generator.Now, c.Quarters)
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
}

// shanghai is the generator's zone, UTC+8 (no DST since 1991).
var shanghai = time.FixedZone("CST", 8*3600)

// history is the request creation window of the n whole quarters before
// the one now is in, in Asia/Shanghai: its start and its length in days.
func history(now time.Time, n int) (time.Time, int) {
	t := now.In(shanghai)
	end := time.Date(t.Year(), (t.Month()-1)/3*3+1, 1, 0, 0, 0, 0, shanghai)
	from := end.AddDate(0, -3*n, 0)
	return from, int(end.Sub(from).Hours()+12) / 24
}
