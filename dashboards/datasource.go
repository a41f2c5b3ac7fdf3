package dashboards

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/common"

	"servicepulse/internal/secrets"
)

// Identity of the ClickHouse datasource we provision.
const (
	DatasourceUID  = "servicepulse-clickhouse"
	DatasourceName = "ServicePulse ClickHouse"
)

// DefaultDatasourceDSN is ClickHouse as Grafana sees it in docker-compose.yml.
const DefaultDatasourceDSN = "clickhouse://clickhouse:9000/servicepulse"

// Datasource is the ClickHouse datasource of the dashboards, as Grafana
// reaches it (which may differ from how the CLI reaches ClickHouse).
type Datasource struct {
	Host     string
	Port     int
	Database string
	User     string
	// Password is sent to Grafana's encrypted settings; never exported.
	Password string
	// Secure uses TLS.
	Secure bool
}

// DatasourceFromDSN reads clickhouse://[user[:password]@]host[:port][/database][?secure=true].
// Defaults: port 9000, database servicepulse, user default.
func DatasourceFromDSN(dsn string) (Datasource, error) {
	shown := secrets.Mask(dsn)
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "clickhouse" || u.Hostname() == "" {
		return Datasource{}, fmt.Errorf("datasource DSN %q: want clickhouse://[user[:password]@]host[:port][/database]", shown)
	}
	if strings.Contains(u.Host, ",") {
		// Grafana's plugin dials one server. On a cluster any node serves
		// the Distributed tables, so one is enough.
		return Datasource{}, fmt.Errorf("datasource DSN %q: Grafana's ClickHouse datasource names one server; give one node of the cluster (every node answers for the Distributed tables)", shown)
	}
	ds := Datasource{Host: u.Hostname(), Port: 9000, Database: "servicepulse", User: "default"}
	if p := u.Port(); p != "" {
		if ds.Port, err = strconv.Atoi(p); err != nil || ds.Port < 1 || ds.Port > 65535 {
			return Datasource{}, fmt.Errorf("datasource DSN %q: bad port %q", shown, p)
		}
	}
	if db := strings.Trim(u.Path, "/"); db != "" {
		ds.Database = db
	}
	if u.User != nil {
		ds.User = u.User.Username()
		ds.Password, _ = u.User.Password()
	}
	switch v := u.Query().Get("secure"); v {
	case "", "false":
	case "true":
		ds.Secure = true
	default:
		return Datasource{}, fmt.Errorf("datasource DSN %q: secure=%q, want true or false", shown, v)
	}
	return ds, nil
}

// Ref is how panels and variables name the datasource.
func (d Datasource) Ref() common.DataSourceRef {
	t, uid := PluginID, DatasourceUID
	return common.DataSourceRef{Type: &t, Uid: &uid}
}

// JSONData is the plugin's (v4) non-secret settings: the native protocol,
// which ClickHouse 18.16 and current versions both speak.
func (d Datasource) JSONData() map[string]any {
	return map[string]any{
		"host":            d.Host,
		"port":            d.Port,
		"protocol":        "native",
		"secure":          d.Secure,
		"username":        d.User,
		"defaultDatabase": d.Database,
	}
}

// Identity of the Prometheus datasource we provision: it scrapes ingest's
// /metrics (consumer lag, consumed/ingested/rejected counters, write
// latency), which ClickHouse cannot know.
const (
	PrometheusUID  = "servicepulse-prometheus"
	PrometheusName = "ServicePulse Prometheus"
	PrometheusType = "prometheus" // Grafana's core plugin: nothing to install
)

// DefaultPrometheusURL is Prometheus as Grafana sees it in docker-compose.yml.
const DefaultPrometheusURL = "http://prometheus:9090"

// PrometheusDatasource is the Prometheus datasource of the pipeline-health
// panels and the lag alert, as Grafana reaches it.
type PrometheusDatasource struct {
	URL string
}

// Ref is how panels and alert queries name the datasource.
func (PrometheusDatasource) Ref() common.DataSourceRef {
	t, uid := PrometheusType, PrometheusUID
	return common.DataSourceRef{Type: &t, Uid: &uid}
}

// JSONData is the datasource's non-secret settings: POST queries (long
// PromQL fits), and a scrape interval that matches deploy/prometheus.
func (PrometheusDatasource) JSONData() map[string]any {
	return map[string]any{"httpMethod": "POST", "timeInterval": "15s"}
}
