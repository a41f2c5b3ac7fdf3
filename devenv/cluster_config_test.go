package devenv

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestClusterConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*ClusterConfig)
		wantErr string // empty: valid
	}{
		{"default", func(*ClusterConfig) {}, ""},
		{"one node", func(c *ClusterConfig) { c.Shards, c.Replicas = 1, 1 }, ""},
		{"no dir", func(c *ClusterConfig) { c.Dir = "" }, "Dir: is required"},
		{"no shards", func(c *ClusterConfig) { c.Shards = 0 }, "Shards 0: must be between 1 and 16"},
		{"no replicas", func(c *ClusterConfig) { c.Replicas = -1 }, "Replicas -1: must be between 1 and 16"},
		{"too many", func(c *ClusterConfig) { c.Shards, c.Replicas = 5, 4 }, "Shards 5: times Replicas (4) is 20 servers"},
		{"bad name", func(c *ClusterConfig) { c.Name = "a<b" }, `Name "a<b": must be letters`},
		{"digit first", func(c *ClusterConfig) { c.Name = "1c" }, `Name "1c"`},
		{"no start timeout", func(c *ClusterConfig) { c.StartTimeout = 0 }, "StartTimeout 0s: must be positive"},
		{"no stop timeout", func(c *ClusterConfig) { c.StopTimeout = 0 }, "StopTimeout 0s: must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultClusterConfig()
			tt.change(&cfg)
			err := cfg.Validate()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate: error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// Nodes are laid out shard by shard, on distinct ports; the DSN names
// every node, the first replica of each shard first.
func TestClusterLayoutAndDSN(t *testing.T) {
	cfg := DefaultClusterConfig()
	cfg.Dir, cfg.Shards, cfg.Replicas = "/srv/c", 2, 3
	ports, err := freePorts(3 * 6)
	if err != nil {
		t.Fatal(err)
	}
	nodes := layout(cfg, ports)
	seen := map[int]bool{}
	for i, n := range nodes {
		if want := [2]int{i/3 + 1, i%3 + 1}; [2]int{n.Shard, n.Replica} != want {
			t.Errorf("node %d is shard %d replica %d; want %v", i, n.Shard, n.Replica, want)
		}
		for _, p := range []int{n.TCPPort, n.HTTPPort, n.InterserverPort} {
			if seen[p] {
				t.Errorf("port %d given twice", p)
			}
			seen[p] = true
		}
	}
	if nodes[4].Dir != "/srv/c/shard2-replica2" {
		t.Errorf("node dir %q", nodes[4].Dir)
	}
	dsn := clusterDSN(nodes)
	var want []string
	for _, i := range []int{0, 3, 1, 4, 2, 5} {
		want = append(want, "127.0.0.1:"+strconv.Itoa(nodes[i].TCPPort))
	}
	if dsn != "clickhouse://"+strings.Join(want, ",") {
		t.Errorf("DSN %s; want the nodes %v", dsn, want)
	}
}

// A node's config: its own ports and paths, ZooKeeper, its macros, the DDL
// queue, and one cluster in remote_servers with the package's test
// clusters gone.
func TestClusterNodeConfig(t *testing.T) {
	src, err := os.ReadFile("testdata/config.xml") // the file of the Debian package 18.16.1
	if err != nil {
		t.Fatal(err)
	}
	nodes := []ClusterNode{
		{Shard: 1, Replica: 1, TCPPort: 101, HTTPPort: 102, InterserverPort: 103, Dir: "/c/shard1-replica1"},
		{Shard: 1, Replica: 2, TCPPort: 201, HTTPPort: 202, InterserverPort: 203, Dir: "/c/shard1-replica2"},
		{Shard: 2, Replica: 1, TCPPort: 301, HTTPPort: 302, InterserverPort: 303, Dir: "/c/shard2-replica1"},
	}
	self := nodes[1]
	cfg := DefaultClickHouseConfig()
	cfg.Dir, cfg.TCPPort, cfg.HTTPPort = self.Dir, self.TCPPort, self.HTTPPort
	conf, err := serverConfig(string(src), cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := clusterNodeConfig(conf, "sp", nodes, self, 999, "")
	for _, want := range []string{
		"<tcp_port>201</tcp_port>", "<http_port>202</http_port>", "<path>/c/shard1-replica2/data/</path>",
		"<interserver_http_port>203</interserver_http_port>", "<interserver_http_host>127.0.0.1</interserver_http_host>",
		"<node><host>127.0.0.1</host><port>999</port></node>",
		"<cluster>sp</cluster>", "<shard>1</shard>", "<replica>2</replica>",
		"<path>/clickhouse/task_queue/ddl</path>",
		"<remote_servers>\n        <sp>\n            <shard>\n                <internal_replication>true</internal_replication>\n" +
			"                <replica><host>127.0.0.1</host><port>101</port></replica>\n" +
			"                <replica><host>127.0.0.1</host><port>201</port></replica>\n            </shard>\n" +
			"            <shard>\n                <internal_replication>true</internal_replication>\n" +
			"                <replica><host>127.0.0.1</host><port>301</port></replica>\n            </shard>\n        </sp>\n    </remote_servers>\n</yandex>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %s", want)
		}
	}
	for _, gone := range []string{"test_shard_localhost", "<port>9000</port>", `incl="zookeeper-servers"`, `incl="macros"`, "include_from>"} {
		if strings.Contains(got, gone) {
			t.Errorf("config still has %s", gone)
		}
	}
	for _, tag := range []string{"<remote_servers", "<zookeeper>", "<macros>", "<distributed_ddl>"} {
		if n := strings.Count(got, tag); n != 1 {
			t.Errorf("config has %d %s; want 1", n, tag)
		}
	}
}

func TestZooConfig(t *testing.T) {
	got := zooConfig("/c/zookeeper/data", 2181)
	for _, want := range []string{"dataDir=/c/zookeeper/data\n", "clientPort=2181\n", "clientPortAddress=127.0.0.1\n", "admin.enableServer=false\n", "forceSync=no\n", "4lw.commands.whitelist=ruok,srvr\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("zoo.cfg lacks %q:\n%s", want, got)
		}
	}
}

// A ZooKeeper that cannot start fails fast, and the error quotes its log.
func TestIntegrationZooKeeperStartFailure(t *testing.T) {
	java, err := findZooKeeper()
	if err != nil {
		// Required, as in internal/testenv, which this package cannot import.
		if os.Getenv("SERVICEPULSE_REQUIRE_INTEGRATION") == "1" || os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	z, err := startZooKeeper(t.Context(), java, t.TempDir(), port, false, time.Minute, newTextLogger(t.Output()))
	if err == nil {
		z.stop(time.Second)
		t.Fatal("startZooKeeper succeeded on a taken port")
	}
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), "exited while starting") || !strings.Contains(err.Error(), "Address already in use") {
		t.Fatalf("error does not say zookeeper exited and why: %v", err)
	}
}

// The default profile of a node creates LowCardinality columns, which the
// ON CLUSTER statements of migrations need on 18.x.
func TestClusterNodeUsers(t *testing.T) {
	users := "<yandex>\n    <profiles>\n        <!-- Default settings. -->\n        <default>\n            <max_memory_usage>1</max_memory_usage>\n            <load_balancing>random</load_balancing>\n        </default>\n        <readonly><readonly>1</readonly></readonly>\n    </profiles>\n    <users><default></default></users>\n</yandex>"
	got := clusterNodeUsers(users, "")
	want := "<default>\n            <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>\n            <load_balancing>in_order</load_balancing>\n            <max_memory_usage>"
	if !strings.Contains(got, want) || strings.Count(got, "<allow_experimental") != 1 || strings.Count(got, "<load_balancing>") != 1 {
		t.Errorf("users = %s\nwant the setting once, in the default profile", got)
	}
}

// With a password, the nodes log in to each other with it and the default
// user needs it; the users file holds only its hash.
func TestClusterNodePassword(t *testing.T) {
	conf := "<yandex>\n    <tcp_port>9000</tcp_port>\n</yandex>\n"
	nodes := []ClusterNode{{Shard: 1, Replica: 1, TCPPort: 101, InterserverPort: 102}}
	got := clusterNodeConfig(conf, "sp", nodes, nodes[0], 999, "p<w&")
	for _, want := range []string{
		"<interserver_http_credentials><user>interserver</user><password>p&lt;w&amp;</password></interserver_http_credentials>",
		"<replica><host>127.0.0.1</host><port>101</port><user>default</user><password>p&lt;w&amp;</password></replica>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %s:\n%s", want, got)
		}
	}
	users := "<yandex>\n    <profiles><default></default></profiles>\n    <users>\n        <default>\n            <password></password>\n            <networks/>\n        </default>\n    </users>\n</yandex>"
	u := clusterNodeUsers(users, "abc123")
	if !strings.Contains(u, "<password_sha256_hex>abc123</password_sha256_hex>") || strings.Contains(u, "<password>") {
		t.Errorf("users = %s\nwant the default user's password as its hash only", u)
	}
}
