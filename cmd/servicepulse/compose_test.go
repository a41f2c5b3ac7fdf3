package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
	"gopkg.in/yaml.v3"

	"servicepulse/dashboards"
	"servicepulse/ingest"
	"servicepulse/internal/cli"
	"servicepulse/internal/secrets"
	"servicepulse/sla"
	"servicepulse/sql"
	"servicepulse/transform"
)

// The compose files and the ClickHouse node configuration they mount, from
// this package's directory.
const (
	repoRoot          = "../.."
	composeSingle     = "docker-compose.yml"
	composeCluster    = "docker-compose.cluster.yml"
	clusterConfigFile = "deploy/clickhouse-cluster/config.d/servicepulse-cluster.xml"
	clusterUsersFile  = "deploy/clickhouse-cluster/users.d/servicepulse.xml"
	grafanaDatasource = "dashboards/provisioning/datasources/servicepulse.yaml"
)

// composeFile is the part of a compose file these tests check.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
	Secrets  map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Hostname    string            `yaml:"hostname"`
	Command     []string          `yaml:"command"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Secrets     []secretRef       `yaml:"secrets"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Healthcheck map[string]any    `yaml:"healthcheck"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Networks map[string]struct {
		Aliases []string `yaml:"aliases"`
	} `yaml:"networks"`
}

// mounts returns the service's volumes as target → source.
func (s composeService) mounts() map[string]string {
	m := map[string]string{}
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 {
			m[parts[1]] = parts[0]
		}
	}
	return m
}

// envRead lists the environment variables the CLI reads: compose may set only these.
var envRead = []string{
	"SERVICEPULSE_BROKERS", "SERVICEPULSE_CLICKHOUSE", "SERVICEPULSE_CLICKHOUSE_CLUSTER",
	"SERVICEPULSE_LOG_LEVEL", "SERVICEPULSE_LOG_FORMAT",
	"SERVICEPULSE_PII_KEY", "SERVICEPULSE_PII_KEY_FILE", "SERVICEPULSE_LISTEN",
}

func readCompose(t *testing.T, name string) composeFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return c
}

// TestComposeMatchesCLI keeps docker-compose.yml honest: it cannot run here
// (no Docker engine), so this test checks that its services, ports, commands,
// flags and environment agree with what the CLI accepts.
func TestComposeMatchesCLI(t *testing.T) {
	c := readCompose(t, composeSingle)
	for _, name := range []string{"kafka", "clickhouse", "grafana", "prometheus", "migrate", "ingest"} {
		svc, ok := c.Services[name]
		if !ok {
			t.Fatalf("service %q missing", name)
		}
		if svc.Healthcheck == nil && name != "migrate" {
			t.Errorf("service %q has no healthcheck", name)
		}
	}
	if !strings.HasPrefix(c.Services["kafka"].Image, "apache/kafka:") {
		t.Errorf("kafka image %q: want the official apache/kafka image", c.Services["kafka"].Image)
	}
	checkKafkaLogDir(t, "kafka", c.Services["kafka"])
	if !slices.Contains(c.Services["kafka"].Ports, "9092:9092") {
		t.Error("kafka does not publish 9092")
	}
	if !slices.Contains(c.Services["clickhouse"].Ports, "9000:9000") {
		t.Error("clickhouse does not publish the native port 9000")
	}
	checkCommon(t, composeSingle, c)
	checkServicepulse(t, composeSingle, c, stack{clickhouse: []string{"clickhouse:9000"}, brokers: []string{"kafka:9092"}})
}

// TestComposeClusterMatchesCLI does the same for docker-compose.cluster.yml
// and holds it to the ClickHouse node configuration it mounts: every node of
// remote_servers is a service with its own macros, servicepulse's DSN names
// every node and --cluster the cluster, ingest reads every broker, and the
// topics exist, replicated, before anything writes to them.
func TestComposeClusterMatchesCLI(t *testing.T) {
	c := readCompose(t, composeCluster)
	cl := readClusterConfig(t)

	var nodes []string // host:port of every replica
	for _, sh := range cl.shards {
		for _, r := range sh {
			nodes = append(nodes, r.host+":"+r.port)
		}
	}
	checkClickHouseNodes(t, c, cl)
	for _, zk := range cl.zookeeper {
		if svc, ok := c.Services[zk]; !ok || svc.Healthcheck == nil {
			t.Errorf("ZooKeeper %s of %s is not a service with a health check", zk, clusterConfigFile)
		}
	}
	var users struct {
		Balancing string `xml:"profiles>default>load_balancing"`
	}
	readXML(t, clusterUsersFile, &users)
	if users.Balancing != "in_order" {
		t.Errorf("%s: default profile's load_balancing %q, want in_order (docs/cluster.md)", clusterUsersFile, users.Balancing)
	}

	brokers := checkKafkaCluster(t, c)
	checkTopics(t, c, brokers)
	for _, n := range nodes {
		host := strings.Split(n, ":")[0]
		if c.Services["migrate"].DependsOn[host].Condition != "service_healthy" {
			t.Errorf("migrate does not wait for %s to be healthy: ON CLUSTER statements need every node", host)
		}
	}
	checkCommon(t, composeCluster, c)
	checkServicepulse(t, composeCluster, c, stack{clickhouse: nodes, brokers: brokers, cluster: cl.name})
}

// clusterConfig is what the nodes' shared config says.
type clusterConfig struct {
	name      string
	shards    [][]replica // in remote_servers order
	zookeeper []string    // hosts
}

type replica struct{ host, port string }

// xmlNode is any element, for remote_servers, whose child is named after
// the cluster.
type xmlNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []xmlNode  `xml:",any"`
}

func (n xmlNode) child(name string) (xmlNode, bool) {
	for _, c := range n.Children {
		if c.XMLName.Local == name {
			return c, true
		}
	}
	return xmlNode{}, false
}

func (n xmlNode) text(name string) string {
	c, _ := n.child(name)
	return strings.TrimSpace(c.Text)
}

func readXML(t *testing.T, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(raw, v); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
}

func readClusterConfig(t *testing.T) clusterConfig {
	t.Helper()
	var root xmlNode
	readXML(t, clusterConfigFile, &root)
	if root.XMLName.Local != "yandex" {
		t.Errorf("%s: root <%s>, want <yandex> (18.x requires it; current servers accept it)", clusterConfigFile, root.XMLName.Local)
	}
	if ddl, _ := root.child("distributed_ddl"); ddl.text("path") == "" {
		t.Errorf("%s: no distributed_ddl path: ON CLUSTER statements need the queue", clusterConfigFile)
	}
	var cl clusterConfig
	zk, _ := root.child("zookeeper")
	for _, n := range zk.Children {
		cl.zookeeper = append(cl.zookeeper, n.text("host"))
	}
	if len(cl.zookeeper) == 0 {
		t.Errorf("%s: no ZooKeeper node", clusterConfigFile)
	}
	rs, _ := root.child("remote_servers")
	if len(rs.Children) != 1 {
		t.Fatalf("%s: want one cluster in remote_servers, got %d", clusterConfigFile, len(rs.Children))
	}
	cluster := rs.Children[0]
	cl.name = cluster.XMLName.Local
	for i, sh := range cluster.Children {
		if sh.text("internal_replication") != "true" {
			t.Errorf("%s: shard %d without internal_replication true: a Distributed insert would write every replica on top of replication", clusterConfigFile, i+1)
		}
		var rs []replica
		for _, r := range sh.Children {
			if r.XMLName.Local == "replica" {
				rs = append(rs, replica{r.text("host"), r.text("port")})
			}
		}
		cl.shards = append(cl.shards, rs)
	}
	if len(cl.shards) < 2 {
		t.Errorf("%s: %d shards; the cluster stack shows sharding with at least 2", clusterConfigFile, len(cl.shards))
	}
	return cl
}

// checkClickHouseNodes checks that every replica of remote_servers is a
// ClickHouse service mounting the shared config, the users file and a node
// file of its own whose macros place it, and that no other ClickHouse runs.
func checkClickHouseNodes(t *testing.T, c composeFile, cl clusterConfig) {
	t.Helper()
	names := map[string]bool{}
	shardOf := map[string]string{} // {shard} macro → the first host with it
	seen := map[string]string{}    // {shard}_{replica} → host
	for i, sh := range cl.shards {
		shardMacro := ""
		for _, r := range sh {
			names[r.host] = true
			svc, ok := c.Services[r.host]
			if !ok {
				t.Errorf("%s names node %s, which is no service", clusterConfigFile, r.host)
				continue
			}
			if !strings.HasPrefix(svc.Image, "clickhouse/clickhouse-server:") || r.port != "9000" {
				t.Errorf("node %s: image %q port %s, want clickhouse/clickhouse-server on its native port 9000", r.host, svc.Image, r.port)
			}
			if svc.Hostname != r.host || svc.Healthcheck == nil {
				t.Errorf("node %s: hostname %q (want its own name, which the others reach) or no health check", r.host, svc.Hostname)
			}
			for _, zk := range cl.zookeeper {
				if svc.DependsOn[zk].Condition != "service_healthy" {
					t.Errorf("node %s does not wait for ZooKeeper %s", r.host, zk)
				}
			}
			m := svc.mounts()
			if src := m["/etc/clickhouse-server/config.d/servicepulse-cluster.xml"]; src != "./"+clusterConfigFile {
				t.Errorf("node %s mounts %q as its cluster config, want ./%s", r.host, src, clusterConfigFile)
			}
			if src := m["/etc/clickhouse-server/users.d/servicepulse.xml"]; src != "./"+clusterUsersFile {
				t.Errorf("node %s mounts %q as its users settings, want ./%s", r.host, src, clusterUsersFile)
			}
			if _, ok := c.Volumes[m["/var/lib/clickhouse"]]; !ok {
				t.Errorf("node %s keeps its data in no named volume", r.host)
			}
			nodeFile := strings.TrimPrefix(m["/etc/clickhouse-server/config.d/servicepulse-node.xml"], "./")
			if nodeFile == "" {
				t.Errorf("node %s mounts no node config (macros)", r.host)
				continue
			}
			var node struct {
				Cluster     string `xml:"macros>cluster"`
				Shard       string `xml:"macros>shard"`
				Replica     string `xml:"macros>replica"`
				Interserver string `xml:"interserver_http_host"`
			}
			readXML(t, nodeFile, &node)
			if node.Interserver != r.host || node.Cluster != cl.name {
				t.Errorf("%s: interserver_http_host %q and cluster macro %q, want %s and %s", nodeFile, node.Interserver, node.Cluster, r.host, cl.name)
			}
			// {shard} names a shard's ZooKeeper path: one value per shard,
			// another for every other shard. {shard}_{replica} names a
			// replica of the tables on every node: unique on the cluster.
			if shardMacro == "" {
				shardMacro = node.Shard
				if other, ok := shardOf[node.Shard]; ok || node.Shard == "" {
					t.Errorf("%s: shard macro %q of shard %d is empty or also %s's", nodeFile, node.Shard, i+1, other)
				}
				shardOf[node.Shard] = r.host
			} else if node.Shard != shardMacro {
				t.Errorf("%s: shard macro %q, but the shard's other replicas have %q", nodeFile, node.Shard, shardMacro)
			}
			key := node.Shard + "_" + node.Replica
			if other, ok := seen[key]; ok || node.Replica == "" {
				t.Errorf("%s: replica macro %q is empty or %s has the same {shard}_{replica}", nodeFile, node.Replica, other)
			}
			seen[key] = r.host
		}
	}
	for name, svc := range c.Services {
		if strings.HasPrefix(svc.Image, "clickhouse/clickhouse-server:") && !names[name] {
			t.Errorf("ClickHouse service %s is not a node of %s", name, clusterConfigFile)
		}
	}
}

// checkKafkaCluster checks the brokers (the apache/kafka services with a
// node id) form one KRaft cluster whose internal topics survive a lost
// broker, and returns their addresses.
func checkKafkaCluster(t *testing.T, c composeFile) []string {
	t.Helper()
	var brokers, voters []string
	clusterIDs := map[string]bool{}
	for name, svc := range c.Services {
		id := svc.Environment["KAFKA_NODE_ID"]
		if !strings.HasPrefix(svc.Image, "apache/kafka:") || id == "" {
			continue
		}
		brokers = append(brokers, name+":9092")
		voters = append(voters, id+"@"+name+":9093")
		clusterIDs[svc.Environment["CLUSTER_ID"]] = true
		checkKafkaLogDir(t, name, svc)
		if got := svc.Environment["KAFKA_ADVERTISED_LISTENERS"]; got != "PLAINTEXT://"+name+":9092" {
			t.Errorf("broker %s advertises %q, want PLAINTEXT://%s:9092", name, got, name)
		}
		if svc.Healthcheck == nil {
			t.Errorf("broker %s has no health check", name)
		}
		for k, want := range map[string]string{
			"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "3", "KAFKA_DEFAULT_REPLICATION_FACTOR": "3", "KAFKA_MIN_INSYNC_REPLICAS": "2",
		} {
			if svc.Environment[k] != want {
				t.Errorf("broker %s: %s %q, want %s", name, k, svc.Environment[k], want)
			}
		}
	}
	slices.Sort(brokers)
	if len(brokers) < 3 {
		t.Fatalf("%d Kafka brokers; replication factor 3 needs 3", len(brokers))
	}
	if len(clusterIDs) != 1 || clusterIDs[""] {
		t.Errorf("brokers have CLUSTER_ID %v: want one, the same on every node", clusterIDs)
	}
	for name, svc := range c.Services {
		if svc.Environment["KAFKA_NODE_ID"] == "" {
			continue
		}
		got := strings.Split(svc.Environment["KAFKA_CONTROLLER_QUORUM_VOTERS"], ",")
		if !sameSet(got, voters) {
			t.Errorf("broker %s: controller quorum %v, want every broker %v", name, got, voters)
		}
	}
	return brokers
}

// checkTopics checks that the topics service creates servicepulse's topics
// replicated, before ingest and gen use them (servicepulse creates missing
// topics only as a single broker needs them).
func checkTopics(t *testing.T, c composeFile, brokers []string) {
	t.Helper()
	svc, ok := c.Services["topics"]
	if !ok {
		t.Fatal("no topics service: the cluster's topics need replication factor 3, which servicepulse does not create")
	}
	script := strings.Join(svc.Command, " ")
	d := ingest.DefaultConfig()
	for _, want := range []string{d.RecordsTopic, d.FeedbackTopic, d.DLQTopic, "--replication-factor 3", "--config min.insync.replicas=2"} {
		if !strings.Contains(script, want) {
			t.Errorf("topics service does not use %q: %s", want, script)
		}
	}
	if got := strings.Split(flagValue(strings.Fields(script), "--bootstrap-server"), ","); !sameSet(got, brokers) {
		t.Errorf("topics service bootstraps from %v, want every broker %v", got, brokers)
	}
	for _, name := range []string{"ingest", "gen"} {
		if c.Services[name].DependsOn["topics"].Condition != "service_completed_successfully" {
			t.Errorf("%s does not wait for the topics service", name)
		}
		for _, arg := range c.Services[name].Command {
			if strings.HasSuffix(strings.Split(arg, "=")[0], "-topic") {
				t.Errorf("%s sets %s: the topics service creates the default names", name, arg)
			}
		}
	}
}

// checkKafkaLogDir checks that the apache/kafka image writes its log into a
// mounted volume: it writes to its own default directory unless
// KAFKA_LOG_DIRS says otherwise, and a recreated container loses that.
func checkKafkaLogDir(t *testing.T, name string, svc composeService) {
	t.Helper()
	logDir := svc.Environment["KAFKA_LOG_DIRS"]
	if _, mounted := svc.mounts()[logDir]; logDir == "" || !mounted {
		t.Errorf("%s: KAFKA_LOG_DIRS %q is not the target of one of its volumes %v: its topics would not survive the container", name, logDir, svc.Volumes)
	}
}

// checkCommon checks what the plaintext compose files share: Grafana with
// its plugin and a datasource host that is a service, bind mounts whose
// sources exist, named volumes declared.
func checkCommon(t *testing.T, file string, c composeFile) {
	t.Helper()
	checkGrafanaPlugin(t, file, c)
	var ds struct {
		Datasources []struct {
			JSONData struct {
				Host string `yaml:"host"`
			} `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot, grafanaDatasource))
	if err == nil {
		err = yaml.Unmarshal(raw, &ds)
	}
	if err != nil || len(ds.Datasources) == 0 {
		t.Fatalf("read %s: %v", grafanaDatasource, err)
	}
	host, found := ds.Datasources[0].JSONData.Host, false
	for name, svc := range c.Services {
		found = found || name == host
		for _, n := range svc.Networks {
			found = found || slices.Contains(n.Aliases, host)
		}
	}
	if !found {
		t.Errorf("%s: Grafana's datasource names host %q, which is no service or network alias", file, host)
	}
	checkMounts(t, file, c)
}

// checkMounts checks that every bind mount's source exists in the
// repository and every named volume is declared.
func checkMounts(t *testing.T, file string, c composeFile) {
	t.Helper()
	for name, svc := range c.Services {
		for target, src := range svc.mounts() {
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.Join(repoRoot, src)); err != nil {
					t.Errorf("%s: service %s mounts %s at %s: %v", file, name, src, target, err)
				}
			} else if _, ok := c.Volumes[src]; !ok {
				t.Errorf("%s: service %s mounts volume %q, which is not declared", file, name, src)
			}
		}
	}
}

// checkGrafanaPlugin checks that Grafana installs the ClickHouse plugin the
// way Grafana 11.5+ reads (plugins.preinstall, GF_PLUGINS_PREINSTALL), and
// that no service uses the deprecated GF_INSTALL_PLUGINS.
func checkGrafanaPlugin(t *testing.T, file string, c composeFile) {
	t.Helper()
	// A comma-separated list of id[@version][@url].
	plugins := strings.Split(c.Services["grafana"].Environment["GF_PLUGINS_PREINSTALL"], ",")
	if !slices.ContainsFunc(plugins, func(p string) bool {
		id, _, _ := strings.Cut(strings.TrimSpace(p), "@")
		return id == dashboards.PluginID
	}) {
		t.Errorf("%s: grafana does not install %s through GF_PLUGINS_PREINSTALL", file, dashboards.PluginID)
	}
	for name, svc := range c.Services {
		if _, ok := svc.Environment["GF_INSTALL_PLUGINS"]; ok {
			t.Errorf("%s: service %s sets GF_INSTALL_PLUGINS, deprecated since Grafana 11.5: use GF_PLUGINS_PREINSTALL", file, name)
		}
	}
}

// composeFiles are every compose file of the repository.
var composeFiles = []string{composeSingle, composeCluster, composeSecured}

// prometheusDatasourceFile is the Prometheus datasource's file in the
// directory Grafana provisions datasources from (`dashboards export` writes
// it to dashboards/provisioning/datasources).
const prometheusDatasourceFile = "servicepulse-prometheus.yaml"

// TestComposePrometheus: every compose file with Grafana runs Prometheus,
// scraping every ingest service's /metrics, and gives Grafana the
// Prometheus datasource the pipeline-health panels and the lag alert name.
func TestComposePrometheus(t *testing.T) {
	for _, file := range composeFiles {
		t.Run(file, func(t *testing.T) {
			c := readCompose(t, file)
			if _, ok := c.Services["grafana"]; !ok {
				t.Skipf("%s has no Grafana", file)
			}
			checkPrometheus(t, file, c)
		})
	}
}

// prometheusConfig is the part of a Prometheus configuration checked here.
type prometheusConfig struct {
	Global struct {
		ScrapeInterval string `yaml:"scrape_interval"`
	} `yaml:"global"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		Scheme        string `yaml:"scheme"`
		MetricsPath   string `yaml:"metrics_path"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

// checkPrometheus checks the prometheus service of c: it reads the config
// it mounts, which scrapes host:port of --listen of every ingest service,
// keeps its data in a named volume and has a health check Grafana waits
// for; and Grafana's datasources directory holds the Prometheus datasource
// that `dashboards export --prometheus-url` writes for the URL of that
// service, scraped as often as the datasource says.
func checkPrometheus(t *testing.T, file string, c composeFile) {
	t.Helper()
	p, ok := c.Services["prometheus"]
	if !ok || !strings.HasPrefix(p.Image, "prom/prometheus:") || p.Healthcheck == nil {
		t.Fatalf("%s has Grafana but no prometheus service of the prom/prometheus image with a health check", file)
	}
	m := p.mounts()
	if _, ok := c.Volumes[m[flagValue(p.Command, "--storage.tsdb.path")]]; !ok {
		t.Errorf("%s: prometheus keeps its data (--storage.tsdb.path) in no named volume", file)
	}
	if c.Services["grafana"].DependsOn["prometheus"].Condition != "service_healthy" {
		t.Errorf("%s: grafana does not wait for prometheus to be healthy", file)
	}
	src := m[flagValue(p.Command, "--config.file")]
	var conf prometheusConfig
	raw, err := os.ReadFile(filepath.Join(repoRoot, src))
	if err == nil {
		err = yaml.Unmarshal(raw, &conf)
	}
	if !strings.HasPrefix(src, "./") || err != nil {
		t.Fatalf("%s: prometheus's --config.file is not a file of the repository it mounts (%q): %v", file, src, err)
	}
	var targets, want []string
	for _, sc := range conf.ScrapeConfigs {
		if (sc.Scheme != "" && sc.Scheme != "http") || (sc.MetricsPath != "" && sc.MetricsPath != "/metrics") {
			t.Errorf("%s: job %s scrapes %s://…%s: ingest serves plain HTTP /metrics", src, sc.JobName, sc.Scheme, sc.MetricsPath)
		}
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	for name, svc := range c.Services {
		if svc.Build != nil && len(svc.Command) > 0 && svc.Command[0] == "ingest" {
			listen := flagValue(svc.Command, "--listen")
			want = append(want, name+":"+listen[strings.LastIndex(listen, ":")+1:])
		}
	}
	if len(want) == 0 || !sameSet(targets, want) {
		t.Errorf("%s: prometheus (%s) scrapes %v, want every ingest service's --listen %v", file, src, targets, want)
	}

	dsFile := filepath.Join(c.Services["grafana"].mounts()[dashboards.ProvisioningMount+"/datasources"], prometheusDatasourceFile)
	ours := readDatasources(t, dsFile)
	if len(ours) != 1 || ours[0]["uid"] != dashboards.PrometheusUID || ours[0]["type"] != dashboards.PrometheusType {
		t.Fatalf("%s: Grafana's %s is not one datasource of uid %s, type %s: %v", file, dsFile, dashboards.PrometheusUID, dashboards.PrometheusType, ours)
	}
	u, err := url.Parse(fmt.Sprint(ours[0]["url"]))
	listen := flagValue(p.Command, "--web.listen-address")
	if listen == "" {
		listen = ":9090" // Prometheus's default
	}
	// Plain HTTP at the root: the service has no TLS and no --web.route-prefix.
	if err != nil || u.Scheme != "http" || u.Hostname() != "prometheus" || u.Port() != listen[strings.LastIndex(listen, ":")+1:] || strings.Trim(u.Path, "/") != "" {
		t.Errorf("%s: %s points at %v, want http://prometheus:%s, the prometheus service", file, dsFile, ours[0]["url"], listen[strings.LastIndex(listen, ":")+1:])
	}
	if jd, _ := ours[0]["jsonData"].(map[string]any); jd["timeInterval"] != conf.Global.ScrapeInterval {
		t.Errorf("%s: timeInterval %v, but %s scrapes every %s: rate windows would not fit", dsFile, jd["timeInterval"], src, conf.Global.ScrapeInterval)
	}
	dir := t.TempDir()
	if err := runQuiet([]string{"dashboards", "export", "--dir", dir, "--log-level", "error", "--prometheus-url", u.String()}); err != nil {
		t.Fatal(err)
	}
	exported := readDatasources(t, filepath.Join(dir, "datasources", prometheusDatasourceFile))
	if !reflect.DeepEqual(ours, exported) {
		t.Errorf("%s: %s is not what `dashboards export --prometheus-url %s` writes:\n got %v\nwant %v", file, dsFile, u, ours, exported)
	}
}

// readDatasources reads the datasources of a provisioning file (a path of
// the repository, or absolute).
func readDatasources(t *testing.T, name string) []map[string]any {
	t.Helper()
	if !filepath.IsAbs(name) {
		name = filepath.Join(repoRoot, name)
	}
	var f struct {
		Datasources []map[string]any `yaml:"datasources"`
	}
	raw, err := os.ReadFile(name)
	if err == nil {
		err = yaml.Unmarshal(raw, &f)
	}
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return f.Datasources
}

// runQuiet runs the CLI with its stdout discarded.
func runQuiet(args []string) error {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	stdout := os.Stdout
	os.Stdout = devnull
	defer func() { os.Stdout = stdout }()
	return app.Run(context.Background(), args)
}

// TestFlagsDashboardsPrometheusURL: --prometheus-url, or
// $SERVICEPULSE_PROMETHEUS_URL when the line does not set it, is the URL of
// the exported Prometheus datasource; one that is not http(s)://host or
// carries a user is a usage error, with the password masked.
func TestFlagsDashboardsPrometheusURL(t *testing.T) {
	export := func(args ...string) any {
		t.Helper()
		dir := t.TempDir()
		if err := runQuiet(append([]string{"dashboards", "export", "--dir", dir, "--log-level", "error"}, args...)); err != nil {
			t.Fatal(err)
		}
		return readDatasources(t, filepath.Join(dir, "datasources", prometheusDatasourceFile))[0]["url"]
	}
	t.Setenv("SERVICEPULSE_PROMETHEUS_URL", "")
	if got := export(); got != dashboards.DefaultPrometheusURL {
		t.Errorf("default URL %v, want %s", got, dashboards.DefaultPrometheusURL)
	}
	if got := export("--prometheus-url", "https://prom.example:9443/prefix"); got != "https://prom.example:9443/prefix" {
		t.Errorf("--prometheus-url https://prom.example:9443/prefix exported %v", got)
	}
	t.Setenv("SERVICEPULSE_PROMETHEUS_URL", "http://prom-env:9090")
	if got := export(); got != "http://prom-env:9090" {
		t.Errorf("$SERVICEPULSE_PROMETHEUS_URL http://prom-env:9090 exported %v", got)
	}
	if got := export("--prometheus-url", "http://prom-line:9090"); got != "http://prom-line:9090" {
		t.Errorf("the command line should win over the variable: exported %v", got)
	}
	// Without --grafana-url, provision would fail after parsing with a usage
	// error of its own: only the check names --prometheus-url.
	t.Setenv("SERVICEPULSE_PROMETHEUS_URL", "")
	t.Setenv("GRAFANA_URL", "")
	for _, bad := range []string{"prometheus:9090", "ftp://prometheus:9090", "http://", "http://u:s3cret@prometheus:9090"} {
		for _, args := range [][]string{{"export", "--dir", t.TempDir()}, {"provision"}} {
			err := runQuiet(append([]string{"dashboards"}, append(args, "--prometheus-url", bad)...))
			var u cli.UsageError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), "--prometheus-url") || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("dashboards %s --prometheus-url %q: %v, want a usage error naming the flag, no password", args[0], bad, err)
			}
		}
	}
}

// stack is where the servicepulse services of a compose file must point.
type stack struct {
	clickhouse []string // host:port of every node, in any order
	brokers    []string
	cluster    string // "" for one ClickHouse server
}

// checkServicepulse checks every servicepulse service (one built from the
// repository): only variables the CLI reads, the DSN and brokers of want,
// a command whose flags parse, --cluster on every command that has it, and
// a published --listen port.
func checkServicepulse(t *testing.T, file string, c composeFile, want stack) {
	t.Helper()
	for name, svc := range c.Services {
		if svc.Build == nil {
			continue // not a servicepulse container
		}
		for k, v := range svc.Environment {
			if !slices.Contains(envRead, k) {
				t.Errorf("%s: service %s sets %s, which servicepulse does not read", file, name, k)
			}
			switch k {
			case "SERVICEPULSE_CLICKHOUSE":
				opts, err := clickhouse.ParseDSN(v)
				if err != nil || !sameSet(opts.Addr, want.clickhouse) {
					t.Errorf("%s: service %s: SERVICEPULSE_CLICKHOUSE %q should name %v (%v)", file, name, v, want.clickhouse, err)
				}
			case "SERVICEPULSE_BROKERS":
				if !sameSet(strings.Split(v, ","), want.brokers) {
					t.Errorf("%s: service %s: SERVICEPULSE_BROKERS %q should be %v", file, name, v, want.brokers)
				}
			}
		}
		if len(svc.Command) == 0 {
			t.Errorf("%s: service %s has no command", file, name)
			continue
		}
		if _, ok := app.Commands[svc.Command[0]]; !ok {
			t.Errorf("%s: service %s runs unknown command %q", file, name, svc.Command[0])
			continue
		}
		help, err := runHelp(t, svc.Command)
		if err != nil {
			t.Errorf("%s: service %s: servicepulse %s: %v", file, name, strings.Join(svc.Command, " "), err)
		}
		if strings.Contains(help, "--cluster ") {
			cluster := flagValue(svc.Command, "--cluster")
			if cluster == "" {
				cluster = svc.Environment["SERVICEPULSE_CLICKHOUSE_CLUSTER"]
			}
			if cluster != want.cluster {
				t.Errorf("%s: service %s: cluster %q, want %q", file, name, cluster, want.cluster)
			}
		}
		if listen := flagValue(svc.Command, "--listen"); listen != "" {
			port := listen[strings.LastIndex(listen, ":")+1:]
			if !slices.Contains(svc.Ports, port+":"+port) {
				t.Errorf("%s: service %s listens on %s but does not publish it", file, name, port)
			}
		}
	}
}

// runHelp runs args with -h after them, which parses every flag and stops
// before running anything, and returns the help it printed.
func runHelp(t *testing.T, args []string) (string, error) {
	t.Helper()
	out, err := os.Create(filepath.Join(t.TempDir(), "help"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	stdout := os.Stdout
	os.Stdout = out
	runErr := app.Run(context.Background(), append(slices.Clone(args), "-h"))
	os.Stdout = stdout
	help, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(help), runErr
}

// flagValue returns the value of flag in args (--flag v or --flag=v).
func flagValue(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
	}
	return ""
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// TestComposeGrafanaProvisioning checks that Grafana mounts the exported
// provisioning tree where Grafana reads it, in both compose files, and that
// the tree in the repository is what `servicepulse dashboards export` writes
// now.
func TestComposeGrafanaProvisioning(t *testing.T) {
	for _, file := range []string{composeSingle, composeCluster} {
		c := readCompose(t, file)
		for _, sub := range []string{"datasources", "dashboards", "alerting"} {
			mount := "./dashboards/provisioning/" + sub + ":/etc/grafana/provisioning/" + sub + ":ro"
			if !slices.Contains(c.Services["grafana"].Volumes, mount) {
				t.Errorf("%s: grafana does not mount %s", file, mount)
			}
		}
	}

	dir := t.TempDir()
	devnull, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	stdout := os.Stdout
	os.Stdout = devnull
	err := app.Run(context.Background(), []string{"dashboards", "export", "--dir", dir, "--log-level", "error"})
	os.Stdout = stdout
	devnull.Close()
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(repoRoot, "dashboards/provisioning")
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fresh, _ := os.ReadFile(p)
		kept, err := os.ReadFile(filepath.Join(repo, rel))
		if err != nil || !bytes.Equal(fresh, kept) {
			t.Errorf("dashboards/provisioning/%s is stale: run `servicepulse dashboards export --dir dashboards/provisioning`", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The secured stack: its compose file, what it mounts and the script that
// makes its secrets.
const (
	composeSecured    = "docker-compose.secured.yml"
	securedSecretsDir = "./deploy/secured/secrets/"
	securedScript     = "deploy/secured/make-secrets.sh"
	securedTLSConfig  = "deploy/secured/clickhouse/config.d/servicepulse-tls.xml"
	securedUsersFile  = "deploy/secured/clickhouse/users.d/servicepulse.xml"
	securedKafkaProps = "deploy/secured/kafka/server.properties"
	securedKafkaStart = "deploy/secured/kafka/start.sh"
	securedKafkaSetup = "deploy/secured/kafka/setup.sh"
	securedDatasource = "deploy/secured/grafana/datasources/servicepulse.yaml"
	// Where compose mounts a secret without an absolute target.
	secretsMount = "/run/secrets/"
)

// secretRef is a service's use of a secret: a name (short syntax), or a
// source and a target (long syntax).
type secretRef struct{ Source, Target string }

func (r *secretRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		r.Source = n.Value
		return nil
	}
	var long struct {
		Source string `yaml:"source"`
		Target string `yaml:"target"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	r.Source, r.Target = long.Source, long.Target
	return nil
}

// path is where the container finds the secret.
func (r secretRef) path() string {
	switch {
	case strings.HasPrefix(r.Target, "/"):
		return r.Target
	case r.Target != "":
		return secretsMount + r.Target
	}
	return secretsMount + r.Source
}

// secretAt returns the name of the secret the service mounts at path.
func (s composeService) secretAt(path string) (string, bool) {
	for _, r := range s.Secrets {
		if r.path() == path {
			return r.Source, true
		}
	}
	return "", false
}

// TestComposeSecuredMatchesCLI keeps docker-compose.secured.yml honest. No
// Docker engine runs here, so the stack has never been started; this test
// holds it to what can be checked without one: make-secrets.sh makes every
// secret the file mounts (certificates that verify for the names the
// clients dial, password hashes of the password files), no password is in
// any command, variable or mounted file of the repository, every
// servicepulse command parses and connects with TLS and a password file as
// a user that ClickHouse's users.d defines with the GRANTs its command
// needs, the Kafka users have SCRAM credentials and ACLs, and Grafana's
// datasource is the exported one, read-only, over TLS.
func TestComposeSecuredMatchesCLI(t *testing.T) {
	c := readCompose(t, composeSecured)
	made := makeSecrets(t)
	checkSecrets(t, c, made)
	checkMounts(t, composeSecured, c)
	checkGrafanaPlugin(t, composeSecured, c)
	checkNoSecretInCompose(t, c)
	users := readSecuredUsers(t)
	checkClickHouseSecured(t, c, users, made)
	checkKafkaSecured(t, c, made)
	checkServicepulse(t, composeSecured, c, stack{clickhouse: []string{"clickhouse:9440"}, brokers: []string{"kafka:9092"}})
	checkServicepulseSecured(t, c, users, made)
	checkGrafanaSecured(t, c, users)
}

// makeSecrets runs make-secrets.sh into a temporary directory, twice (the
// second run must keep every secret of the first), and returns the
// directory.
func makeSecrets(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "secrets")
	run := func() map[string]string {
		out, err := exec.Command("sh", filepath.Join(repoRoot, securedScript), dir).CombinedOutput()
		if err != nil {
			t.Fatalf("%s (it needs openssl): %v\n%s", securedScript, err, out)
		}
		files := map[string]string{}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()] = string(b)
		}
		return files
	}
	first, again := run(), run()
	for name, v := range first {
		if again[name] != v {
			t.Errorf("%s run again changed %s: it must keep what exists (Kafka keeps the first SCRAM credentials)", securedScript, name)
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: the secrets directory should be 0700: %v %v", securedScript, fi.Mode(), err)
	}
	return dir
}

// madeFile is the file make-secrets.sh wrote for the secret name.
func madeFile(c composeFile, made, name string) string {
	return filepath.Join(made, strings.TrimPrefix(c.Secrets[name].File, securedSecretsDir))
}

// checkSecrets checks that every secret is a file make-secrets.sh makes,
// and every one a service mounts is declared and used.
func checkSecrets(t *testing.T, c composeFile, made string) {
	t.Helper()
	for name, s := range c.Secrets {
		if !strings.HasPrefix(s.File, securedSecretsDir) {
			t.Errorf("secret %s is %q: want a file of %s, which make-secrets.sh makes and git ignores", name, s.File, securedSecretsDir)
			continue
		}
		if _, err := os.Stat(madeFile(c, made, name)); err != nil {
			t.Errorf("secret %s: %s does not make %s", name, securedScript, s.File)
		}
	}
	used := map[string]bool{}
	for svcName, svc := range c.Services {
		for _, r := range svc.Secrets {
			used[r.Source] = true
			if _, ok := c.Secrets[r.Source]; !ok {
				t.Errorf("service %s uses secret %s, which is not declared", svcName, r.Source)
			}
		}
	}
	for name := range c.Secrets {
		if !used[name] {
			t.Errorf("secret %s is declared but no service uses it", name)
		}
	}
}

// secretWords are parts of a variable's name that say it holds a secret.
var secretWords = []string{"PASSWORD", "SECRET", "TOKEN", "_KEY"}

// checkNoSecretInCompose checks that no command, entrypoint, health check
// or variable holds a password: secrets come from files.
func checkNoSecretInCompose(t *testing.T, c composeFile) {
	t.Helper()
	for name, svc := range c.Services {
		texts := append(slices.Clone(svc.Command), svc.Entrypoint...)
		texts = append(texts, fmt.Sprint(svc.Healthcheck["test"]))
		for k, v := range svc.Environment {
			texts = append(texts, v)
			for _, w := range secretWords {
				if strings.Contains(k, w) && !strings.HasSuffix(k, "_FILE") {
					t.Errorf("service %s sets %s: a secret goes in a file (a secret, and the variable or flag naming it)", name, k)
				}
			}
		}
		for _, s := range texts {
			if secrets.Mask(s) != s {
				t.Errorf("service %s holds a password in %q", name, s)
			}
		}
		if svc.Build == nil {
			continue
		}
		for _, arg := range svc.Command {
			flagName := strings.Split(strings.TrimLeft(arg, "-"), "=")[0]
			if strings.HasPrefix(arg, "--") && strings.Contains(flagName, "password") && !strings.HasSuffix(flagName, "-password-file") {
				t.Errorf("service %s passes %s: a password is never a command-line argument", name, arg)
			}
		}
	}
}

// securedUser is a user of the secured ClickHouse's users.d.
type securedUser struct {
	profile string
	grants  []string
}

// securedUsers are the users and the readonly value of each profile.
type securedUsers struct {
	users    map[string]securedUser
	readonly map[string]string // profile → readonly
}

// readSecuredUsers reads the users.d file, which must hold no password.
func readSecuredUsers(t *testing.T) securedUsers {
	t.Helper()
	var root xmlNode
	readXML(t, securedUsersFile, &root)
	u := securedUsers{users: map[string]securedUser{}, readonly: map[string]string{}}
	profiles, _ := root.child("profiles")
	for _, p := range profiles.Children {
		u.readonly[p.XMLName.Local] = p.text("readonly")
	}
	users, _ := root.child("users")
	for _, n := range users.Children {
		name := n.XMLName.Local
		for _, field := range []string{"password", "password_sha256_hex", "password_double_sha1_hex", "no_password"} {
			if f, ok := n.child(field); ok && !f.hasAttr("remove") {
				t.Errorf("%s: user %s has <%s>: passwords are in the secret make-secrets.sh writes, never in the repository", securedUsersFile, name, field)
			}
		}
		var grants []string
		g, _ := n.child("grants")
		for _, q := range g.Children {
			grants = append(grants, strings.TrimSpace(q.Text))
		}
		u.users[name] = securedUser{profile: n.text("profile"), grants: grants}
	}
	return u
}

func (n xmlNode) hasAttr(name string) bool {
	return slices.ContainsFunc(n.Attrs, func(a xml.Attr) bool { return a.Name.Local == name })
}

// grantOn matches the privileges and the object of a GRANT.
var grantOn = regexp.MustCompile(`^GRANT (.+) ON (\w+)\.(\w+|\*)$`)

// allows reports whether a GRANT of u gives privilege on database.table.
func (u securedUser) allows(privilege, database, table string) bool {
	for _, g := range u.grants {
		m := grantOn.FindStringSubmatch(g)
		if m == nil || m[2] != database || (m[3] != "*" && m[3] != table) {
			continue
		}
		for _, p := range strings.Split(m[1], ",") {
			if strings.TrimSpace(p) == privilege {
				return true
			}
		}
	}
	return false
}

// checkClickHouseSecured checks the ClickHouse service: TLS only, with the
// certificate make-secrets.sh made for the name clients dial; the users'
// passwords in the generated users.d file, the hashes of the password
// files; GRANTs on tables that exist; the read-only profile.
func checkClickHouseSecured(t *testing.T, c composeFile, u securedUsers, made string) {
	t.Helper()
	svc := c.Services["clickhouse"]
	m := svc.mounts()
	for target, src := range map[string]string{
		"/etc/clickhouse-server/config.d/servicepulse-tls.xml": "./" + securedTLSConfig,
		"/etc/clickhouse-server/users.d/servicepulse.xml":      "./" + securedUsersFile,
	} {
		if m[target] != src {
			t.Errorf("clickhouse mounts %q at %s, want %s", m[target], target, src)
		}
	}
	var conf xmlNode
	readXML(t, securedTLSConfig, &conf)
	for _, plain := range []string{"tcp_port", "http_port", "mysql_port", "postgresql_port", "interserver_http_port"} {
		if p, ok := conf.child(plain); !ok || !p.hasAttr("remove") {
			t.Errorf("%s does not remove the plaintext %s of the image's config", securedTLSConfig, plain)
		}
	}
	port := conf.text("tcp_port_secure")
	if !slices.Contains(svc.Ports, port+":"+port) || port != "9440" {
		t.Errorf("%s: tcp_port_secure %q, want 9440, published", securedTLSConfig, port)
	}
	ssl, _ := conf.child("openSSL")
	server, _ := ssl.child("server")
	certSecret, ok1 := svc.secretAt(server.text("certificateFile"))
	keySecret, ok2 := svc.secretAt(server.text("privateKeyFile"))
	if !ok1 || !ok2 {
		t.Fatalf("%s: the certificate %q and key %q are not secrets clickhouse mounts", securedTLSConfig, server.text("certificateFile"), server.text("privateKeyFile"))
	}
	verifyServerCert(t, c, made, madeFile(c, made, certSecret), madeFile(c, made, keySecret), "clickhouse", "localhost")

	// The generated users.d file: every user's hash, of its password file.
	var pwFile string
	for _, r := range svc.Secrets {
		if strings.HasPrefix(r.path(), "/etc/clickhouse-server/users.d/") && strings.HasSuffix(r.path(), ".xml") {
			pwFile = madeFile(c, made, r.Source)
		}
	}
	if pwFile == "" {
		t.Fatal("clickhouse mounts no users.d secret with the passwords")
	}
	raw, err := os.ReadFile(pwFile)
	var pw xmlNode
	if err == nil {
		err = xml.Unmarshal(raw, &pw)
	}
	if err != nil {
		t.Fatalf("generated %s: %v", filepath.Base(pwFile), err)
	}
	hashes, _ := pw.child("users")
	for name := range u.users {
		user, _ := hashes.child(name)
		want, err := os.ReadFile(filepath.Join(made, "clickhouse-"+name+".password"))
		if err != nil {
			t.Errorf("user %s: no password file made: %v", name, err)
			continue
		}
		sum := sha256.Sum256([]byte(strings.TrimRight(string(want), "\r\n")))
		if got := user.text("password_sha256_hex"); got != hex.EncodeToString(sum[:]) {
			t.Errorf("generated %s: user %s's password_sha256_hex %q is not the hash of clickhouse-%s.password", filepath.Base(pwFile), name, got, name)
		}
	}

	tables := migratedTables(t)
	for name, user := range u.users {
		for _, g := range user.grants {
			m := grantOn.FindStringSubmatch(g)
			if m == nil {
				t.Errorf("user %s: grant %q is not GRANT … ON db.table", name, g)
			} else if m[3] != "*" && !tables[m[3]] {
				t.Errorf("user %s: grant %q names table %s, which no migration creates", name, g, m[3])
			}
		}
		if _, ok := u.readonly[user.profile]; !ok && user.profile != "default" && user.profile != "" {
			t.Errorf("user %s has profile %q, which %s does not define", name, user.profile, securedUsersFile)
		}
	}
}

// migratedTables are the tables sql's migrations create.
func migratedTables(t *testing.T) map[string]bool {
	t.Helper()
	migs, err := sql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	create := regexp.MustCompile(`(?i)^CREATE TABLE IF NOT EXISTS (\w+)`)
	tables := map[string]bool{"schema_migrations": true}
	for _, m := range migs {
		for _, s := range m.Statements {
			if mm := create.FindStringSubmatch(s); mm != nil {
				tables[mm[1]] = true
			}
		}
	}
	return tables
}

// verifyServerCert checks that the key pair loads and that the certificate
// is signed by the stack's CA for each name.
func verifyServerCert(t *testing.T, c composeFile, made, certFile, keyFile string, names ...string) {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatalf("%s and %s are no key pair: %v", filepath.Base(certFile), filepath.Base(keyFile), err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(madeFile(c, made, "ca"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(ca) {
		t.Fatal("the ca secret holds no certificate")
	}
	for _, n := range names {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: n, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("%s does not verify for %s against the ca secret: %v", filepath.Base(certFile), n, err)
		}
	}
}

// readProperties reads a Java properties file (key=value lines).
func readProperties(t *testing.T, name string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			props[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return props
}

// checkKafkaSecured checks the broker: SASL_SSL the only listener others
// reach, advertised as servicepulse dials it, TLS files and its own login
// from secrets, ACLs enforced, its data in the volume, and a SCRAM
// credential for every user a servicepulse service logs in as.
func checkKafkaSecured(t *testing.T, c composeFile, made string) {
	t.Helper()
	svc := c.Services["kafka"]
	props := readProperties(t, securedKafkaProps)
	for k := range props {
		if strings.Contains(strings.ToLower(k), "password") {
			t.Errorf("%s sets %s: the broker's secrets are in the JAAS secret", securedKafkaProps, k)
		}
	}
	protocols := map[string]string{}
	for _, p := range strings.Split(props["listener.security.protocol.map"], ",") {
		name, proto, _ := strings.Cut(p, ":")
		protocols[name] = proto
	}
	for _, l := range strings.Split(props["listeners"], ",") {
		name, addr, _ := strings.Cut(l, "://")
		host, _, _ := net.SplitHostPort(addr)
		if host != "localhost" && host != "127.0.0.1" && protocols[name] != "SASL_SSL" {
			t.Errorf("%s: listener %s is %q, reachable from other containers: want SASL_SSL", securedKafkaProps, l, protocols[name])
		}
	}
	if got := props["advertised.listeners"]; got != "SASL_SSL://kafka:9092" {
		t.Errorf("%s: advertised.listeners %q, want SASL_SSL://kafka:9092 (what SERVICEPULSE_BROKERS dials)", securedKafkaProps, got)
	}
	if props["allow.everyone.if.no.acl.found"] != "false" || props["authorizer.class.name"] == "" {
		t.Errorf("%s: ACLs are not enforced (authorizer.class.name, allow.everyone.if.no.acl.found=false)", securedKafkaProps)
	}
	if _, ok := svc.mounts()[props["log.dirs"]]; !ok {
		t.Errorf("%s: log.dirs %q is not a volume of kafka: its topics would not survive the container", securedKafkaProps, props["log.dirs"])
	}
	keystore, ok1 := svc.secretAt(props["ssl.keystore.location"])
	_, ok2 := svc.secretAt(props["ssl.truststore.location"])
	if !ok1 || !ok2 || props["ssl.keystore.type"] != "PEM" {
		t.Fatalf("%s: the PEM keystore %q and truststore %q are not secrets kafka mounts", securedKafkaProps, props["ssl.keystore.location"], props["ssl.truststore.location"])
	}
	ks := madeFile(c, made, keystore)
	verifyServerCert(t, c, made, ks, ks, "kafka")

	// The start script reads the mounted properties, and its own login.
	start, err := os.ReadFile(filepath.Join(repoRoot, securedKafkaStart))
	if err != nil {
		t.Fatal(err)
	}
	m := svc.mounts()
	if p := regexp.MustCompile(`(?m)^props=(\S+)`).FindSubmatch(start); p == nil || m[string(p[1])] != "./"+securedKafkaProps {
		t.Errorf("%s does not read the server.properties kafka mounts", securedKafkaStart)
	}
	if len(svc.Command) < 2 || m[svc.Command[len(svc.Command)-1]] != "./"+securedKafkaStart {
		t.Errorf("kafka runs %v, not the mounted %s", svc.Command, securedKafkaStart)
	}
	jaas, _, _ := strings.Cut(strings.TrimPrefix(svc.Environment["KAFKA_OPTS"], "-Djava.security.auth.login.config="), " ")
	if s, ok := svc.secretAt(jaas); !ok {
		t.Errorf("KAFKA_OPTS names the JAAS file %q, which is no secret of kafka", jaas)
	} else {
		b, _ := os.ReadFile(madeFile(c, made, s))
		pw, _ := os.ReadFile(filepath.Join(made, "kafka-admin.password"))
		if !strings.Contains(string(b), `username="admin"`) || !strings.Contains(string(b), `password="`+strings.TrimSpace(string(pw))+`"`) ||
			!strings.Contains(props["super.users"], "User:admin") {
			t.Errorf("the JAAS secret is not the login of admin, a super user, with kafka-admin.password")
		}
	}
	setup, err := os.ReadFile(filepath.Join(repoRoot, securedKafkaSetup))
	if err != nil {
		t.Fatal(err)
	}
	d := ingest.DefaultConfig()
	for _, want := range []string{d.RecordsTopic, d.FeedbackTopic, d.DLQTopic, d.Group} {
		if !strings.Contains(string(setup), want) {
			t.Errorf("%s does not name %s, servicepulse's default", securedKafkaSetup, want)
		}
	}
	acls := kafkaACLs(string(setup))
	mechanisms := strings.Split(props["sasl.enabled.mechanisms"], ",")
	for name, sp := range c.Services {
		user := flagValue(sp.Command, "--kafka-user")
		if sp.Build == nil || user == "" {
			continue
		}
		if mech := flagValue(sp.Command, "--kafka-sasl-mechanism"); !slices.Contains(mechanisms, mech) {
			t.Errorf("service %s logs in with %q, which the broker does not enable (%v)", name, mech, mechanisms)
		}
		// start.sh makes a SCRAM credential of every /run/secrets/kafka_<user>_password.
		pwPath := secretsMount + "kafka_" + user + "_password"
		if _, ok := svc.secretAt(pwPath); !ok {
			t.Errorf("service %s logs in as %s, but kafka does not mount %s, so start.sh makes no credential for it", name, user, pwPath)
		}
		if got := flagValue(sp.Command, "--kafka-password-file"); got != pwPath {
			t.Errorf("service %s: --kafka-password-file %q, want %s, the password the broker knows", name, got, pwPath)
		}
		for _, need := range kafkaNeeds[sp.Command[0]] {
			if !acls[user][need[1]][need[0]] {
				t.Errorf("service %s runs %s as %s, which %s does not allow %s on %s", name, sp.Command[0], user, securedKafkaSetup, need[0], need[1])
			}
		}
	}
	for _, name := range []string{"kafka", "kafka-setup"} {
		script := strings.Join(append(c.Services[name].Command, fmt.Sprint(c.Services[name].Healthcheck["test"])), " ")
		body := script
		if name == "kafka-setup" {
			body = string(setup)
		}
		cfg := regexp.MustCompile(`(/run/secrets/\w+)`).FindAllString(body, -1)
		for _, p := range cfg {
			if _, ok := c.Services[name].secretAt(p); !ok {
				t.Errorf("%s uses %s, which it does not mount", name, p)
			}
		}
	}
	// The generated client properties name the CA: whoever mounts them needs it.
	for name, sp := range c.Services {
		for _, r := range sp.Secrets {
			if !strings.HasSuffix(c.Secrets[r.Source].File, ".properties") {
				continue
			}
			b, _ := os.ReadFile(madeFile(c, made, r.Source))
			for _, p := range regexp.MustCompile(`/run/secrets/\w+`).FindAllString(string(b), -1) {
				if _, ok := sp.secretAt(p); !ok {
					t.Errorf("%s mounts %s, which names %s, which %s does not mount", name, r.Source, p, name)
				}
			}
		}
	}
	if c.Services["ingest"].DependsOn["kafka-setup"].Condition != "service_completed_successfully" ||
		c.Services["gen"].DependsOn["kafka-setup"].Condition != "service_completed_successfully" {
		t.Error("ingest and gen do not wait for kafka-setup: without its ACLs the broker refuses them")
	}
}

// kafkaNeeds are the ACLs each command needs (docs/security.md): operation
// and resource. Neither needs Create once the topics exist: servicepulse
// creates only the topics metadata reports missing.
var kafkaNeeds = func() map[string][][2]string {
	d := ingest.DefaultConfig()
	return map[string][][2]string{
		"ingest": {{"Read", d.RecordsTopic}, {"Read", d.FeedbackTopic}, {"Read", d.Group}, {"Write", d.DLQTopic}},
		"gen":    {{"Write", d.RecordsTopic}, {"Write", d.FeedbackTopic}, {"Describe", d.DLQTopic}},
	}
}()

// kafkaACLs reads the `acl` lines of the setup script: user → resource
// (topic or group name, the script's variables resolved) → operations.
func kafkaACLs(script string) map[string]map[string]map[string]bool {
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(\w+)=(\S+)$`).FindAllStringSubmatch(script, -1) {
		vars[m[1]] = m[2]
	}
	acls := map[string]map[string]map[string]bool{}
	for _, line := range strings.Split(script, "\n") {
		if !strings.HasPrefix(line, "acl ") {
			continue
		}
		var user string
		var ops, resources []string
		args := strings.Fields(strings.ReplaceAll(line, `"`, ""))
		for i := 0; i+1 < len(args); i++ {
			v := args[i+1]
			if strings.HasPrefix(v, "$") {
				v = vars[strings.Trim(v, "${}")]
			}
			switch args[i] {
			case "--allow-principal":
				user = strings.TrimPrefix(v, "User:")
			case "--operation":
				ops = append(ops, v)
			case "--topic", "--group":
				resources = append(resources, v)
			}
		}
		for _, r := range resources {
			if acls[user] == nil {
				acls[user] = map[string]map[string]bool{}
			}
			if acls[user][r] == nil {
				acls[user][r] = map[string]bool{}
			}
			for _, op := range ops {
				acls[user][r][op] = true
			}
		}
	}
	return acls
}

// checkServicepulseSecured checks every servicepulse service connects
// secured: the files it names are secrets it mounts; ClickHouse over TLS as
// a user of users.d without a password in the DSN, with that user's
// password file; Kafka over TLS with SASL; and the GRANTs its command
// needs.
func checkServicepulseSecured(t *testing.T, c composeFile, u securedUsers, made string) {
	t.Helper()
	for name, svc := range c.Services {
		if svc.Build == nil {
			continue
		}
		for _, arg := range svc.Command {
			if strings.HasPrefix(arg, secretsMount) {
				if _, ok := svc.secretAt(arg); !ok {
					t.Errorf("service %s names %s, which it does not mount", name, arg)
				}
			}
		}
		help, _ := runHelp(t, svc.Command)
		if strings.Contains(help, "--kafka-tls ") {
			for _, f := range []string{"--kafka-tls", "--kafka-tls-ca", "--kafka-sasl-mechanism", "--kafka-user"} {
				if !slices.Contains(svc.Command, f) {
					t.Errorf("service %s talks to Kafka without %s", name, f)
				}
			}
		}
		if !strings.Contains(help, "--clickhouse-tls-ca ") {
			continue
		}
		dsn := svc.Environment["SERVICEPULSE_CLICKHOUSE"]
		parsed, err := url.Parse(dsn)
		if err != nil || parsed.User == nil || parsed.Query().Get("secure") != "true" {
			t.Errorf("service %s: DSN %q, want a user and secure=true", name, dsn)
			continue
		}
		user := parsed.User.Username()
		if _, ok := u.users[user]; !ok {
			t.Errorf("service %s connects as %s, which %s does not define", name, user, securedUsersFile)
		}
		if s, ok := svc.secretAt(flagValue(svc.Command, "--clickhouse-tls-ca")); !ok || s != "ca" {
			t.Errorf("service %s: --clickhouse-tls-ca is not the ca secret", name)
		}
		pw, ok := svc.secretAt(flagValue(svc.Command, "--clickhouse-password-file"))
		if !ok || madeFile(c, made, pw) != filepath.Join(made, "clickhouse-"+user+".password") {
			t.Errorf("service %s connects as %s without that user's password file as --clickhouse-password-file", name, user)
		}
		for _, need := range commandGrants[svc.Command[0]] {
			if !u.users[user].allows(need[0], "servicepulse", need[1]) {
				t.Errorf("service %s runs %s as %s, which has no GRANT %s ON servicepulse.%s", name, svc.Command[0], user, need[0], need[1])
			}
		}
	}
}

// commandGrants are what each command of the stack runs on ClickHouse
// (docs/security.md, "Who writes what"): privilege and table.
var commandGrants = map[string][][2]string{
	"migrate": {{"CREATE TABLE", "request_state"}, {"ALTER ADD COLUMN", "request_state"}, {"INSERT", "schema_migrations"}, {"SELECT", "schema_migrations"}},
	"ingest": {
		{"INSERT", transform.ServiceEventsTable.Name()}, {"INSERT", transform.FeedbackTable.Name()}, {"INSERT", transform.RejectsTable.Name()},
		{"INSERT", sla.RequestStateTable.Name()}, {"INSERT", "state_refreshes"}, {"ALTER DELETE", sla.RequestStateTable.Name()},
		{"SELECT", transform.ServiceEventsTable.Name()}, {"SELECT", "contract_terms"},
	},
}

// checkGrafanaSecured checks Grafana's datasource: the exported one (same
// uid, so the mounted dashboards and alert rules use it) for the read-only
// user over TLS, its password from $SERVICEPULSE_CLICKHOUSE_PASSWORD set
// from a secret, the CA from a secret; and that the exported dashboards and
// rules are the same for this datasource as for the plaintext one.
func checkGrafanaSecured(t *testing.T, c composeFile, u securedUsers) {
	t.Helper()
	g := c.Services["grafana"]
	for _, mount := range []string{
		"./deploy/secured/grafana/datasources:/etc/grafana/provisioning/datasources:ro",
		"./dashboards/provisioning/dashboards:/etc/grafana/provisioning/dashboards:ro",
		"./dashboards/provisioning/alerting:/etc/grafana/provisioning/alerting:ro",
	} {
		if !slices.Contains(g.Volumes, mount) {
			t.Errorf("grafana does not mount %s", mount)
		}
	}
	if p := g.Environment["GF_SECURITY_ADMIN_PASSWORD__FILE"]; p == "" {
		t.Error("grafana's admin password is not from a file (GF_SECURITY_ADMIN_PASSWORD__FILE)")
	} else if _, ok := g.secretAt(p); !ok {
		t.Errorf("grafana's admin password file %s is no secret it mounts", p)
	}

	var ours struct {
		Datasources []map[string]any `yaml:"datasources"`
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot, securedDatasource))
	if err == nil {
		err = yaml.Unmarshal(raw, &ours)
	}
	if err != nil || len(ours.Datasources) != 1 {
		t.Fatalf("read %s: %v (want one datasource)", securedDatasource, err)
	}
	ds := ours.Datasources[0]
	jsonData, _ := ds["jsonData"].(map[string]any)
	secure, _ := ds["secureJsonData"].(map[string]any)
	user, _ := jsonData["username"].(string)
	reader := u.users[user]
	if u.readonly[reader.profile] != "2" || len(reader.grants) == 0 {
		t.Errorf("Grafana's user %q is not read-only: profile %q (readonly %q), grants %v", user, reader.profile, u.readonly[reader.profile], reader.grants)
	}
	for _, gr := range reader.grants {
		if m := grantOn.FindStringSubmatch(gr); m == nil || m[1] != "SELECT" {
			t.Errorf("Grafana's user %s may do more than SELECT: %q", user, gr)
		}
	}
	if secure["password"] != "$"+dashboards.PasswordEnv {
		t.Errorf("%s: secureJsonData.password %q, want $%s (no secret in the file)", securedDatasource, secure["password"], dashboards.PasswordEnv)
	}
	entry := strings.Join(g.Entrypoint, " ")
	pwPath := secretsMount + "clickhouse_" + user + "_password"
	if _, ok := g.secretAt(pwPath); !ok || !strings.Contains(entry, "export "+dashboards.PasswordEnv+"=") || !strings.Contains(entry, "cat "+pwPath) ||
		!strings.HasSuffix(entry, "exec /run.sh") {
		t.Errorf("grafana's entrypoint %q does not set $%s from the mounted %s and then run the image's /run.sh", entry, dashboards.PasswordEnv, pwPath)
	}
	var conf xmlNode
	readXML(t, securedTLSConfig, &conf)
	if fmt.Sprint(jsonData["port"]) != conf.text("tcp_port_secure") || jsonData["secure"] != true {
		t.Errorf("%s: port %v secure %v, want ClickHouse's TLS port %s, secure", securedDatasource, jsonData["port"], jsonData["secure"], conf.text("tcp_port_secure"))
	}
	ca, _ := secure["tlsCACert"].(string)
	if s, ok := g.secretAt(strings.TrimSuffix(strings.TrimPrefix(ca, "$__file{"), "}")); !ok || s != "ca" || jsonData["tlsAuthWithCACert"] != true {
		t.Errorf("%s: tlsCACert %q is not $__file{} of the ca secret grafana mounts, with tlsAuthWithCACert", securedDatasource, ca)
	}

	// What `dashboards export` writes for this datasource: our file is that
	// plus the CA, and the dashboards and rules are those mounted.
	dsn := fmt.Sprintf("clickhouse://%s:unused@%s:%v/%s?secure=true", user, jsonData["host"], jsonData["port"], jsonData["defaultDatabase"])
	exported, err := dashboards.DatasourceFromDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	set, err := dashboards.Build(exported)
	if err != nil {
		t.Fatal(err)
	}
	files, err := dashboards.Files(set)
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Datasources []map[string]any `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(files["datasources/servicepulse.yaml"], &want); err != nil {
		t.Fatal(err)
	}
	delete(jsonData, "tlsAuthWithCACert")
	delete(secure, "tlsCACert")
	if !reflect.DeepEqual(ds, want.Datasources[0]) {
		t.Errorf("%s, without its CA, is not what `dashboards export` writes for %s:\n got %v\nwant %v", securedDatasource, secrets.Mask(dsn), ds, want.Datasources[0])
	}
	if _, ok := c.Services[fmt.Sprint(want.Datasources[0]["jsonData"].(map[string]any)["host"])]; !ok {
		t.Errorf("Grafana's datasource names host %v, which is no service", jsonData["host"])
	}
	for rel, b := range files {
		if strings.HasPrefix(rel, "datasources/") {
			continue
		}
		kept, err := os.ReadFile(filepath.Join(repoRoot, "dashboards/provisioning", rel))
		if err != nil || !bytes.Equal(b, kept) {
			t.Errorf("dashboards/provisioning/%s differs for the secured datasource: the mounted dashboards would not fit it", rel)
		}
	}
}
