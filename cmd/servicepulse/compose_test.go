package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
	"gopkg.in/yaml.v3"

	"servicepulse/ingest"
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
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Hostname    string            `yaml:"hostname"`
	Command     []string          `yaml:"command"`
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
	for _, name := range []string{"kafka", "clickhouse", "grafana", "migrate", "ingest"} {
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
	Text     string    `xml:",chardata"`
	Children []xmlNode `xml:",any"`
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

// checkCommon checks what both compose files share: Grafana with its plugin
// and a datasource host that is a service, bind mounts whose sources
// exist, named volumes declared.
func checkCommon(t *testing.T, file string, c composeFile) {
	t.Helper()
	if !strings.Contains(c.Services["grafana"].Environment["GF_INSTALL_PLUGINS"], "grafana-clickhouse-datasource") {
		t.Errorf("%s: grafana does not install the ClickHouse datasource plugin", file)
	}
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
