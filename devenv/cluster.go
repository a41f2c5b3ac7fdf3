package devenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Cluster is a local ClickHouse cluster that StartCluster started: its JSON
// form is what `servicepulse clickhouse start --shards S --replicas R`
// prints. The PIDs are those of the start; Node gives each server to stop
// and start it again.
type Cluster struct {
	// Name is the cluster's name in remote_servers (ON CLUSTER, Distributed).
	Name string `json:"cluster"`
	// DSN names every node, the first replica of each shard first, so a
	// client still connects when any one node is down.
	DSN       string        `json:"dsn"`
	Dir       string        `json:"dir"`
	Nodes     []ClusterNode `json:"nodes"`
	ZooKeeper ZooKeeperNode `json:"zookeeper"`

	servers  []*ClickHouseServer // as Nodes
	password string              // of the default user, or ""
	zk       *zooKeeper
	cfg      ClusterConfig
	log      *slog.Logger
}

// ClusterNode is one ClickHouse server of a Cluster.
type ClusterNode struct {
	Shard           int    `json:"shard"`
	Replica         int    `json:"replica"`
	TCPPort         int    `json:"tcp_port"`
	HTTPPort        int    `json:"http_port"`
	InterserverPort int    `json:"interserver_port"`
	PID             int    `json:"pid"`
	Dir             string `json:"dir"`
}

// ZooKeeperNode is the ZooKeeper server of a Cluster.
type ZooKeeperNode struct {
	Port int    `json:"port"`
	PID  int    `json:"pid"`
	Dir  string `json:"dir"`
}

// StartCluster starts a local cluster in cfg.Dir: ZooKeeper first, then the
// Shards × Replicas ClickHouse servers side by side, each on free ports,
// and returns when every one answers (or the first error, with the end of
// that server's log; whatever was started is stopped again). It installs
// clickhouse-server and zookeeper with apt-get if they are missing and
// cfg.Install allows. Data stays in cfg.Dir from one start to the next; a
// cluster that still runs there is an error.
func StartCluster(ctx context.Context, cfg ClusterConfig, log *slog.Logger) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("cluster dir %q: %w", cfg.Dir, err)
	}
	cfg.Dir = dir
	if pid, err := clusterRunning(dir); err != nil {
		return nil, err
	} else if pid != 0 {
		return nil, fmt.Errorf("a cluster already runs in %s (pid %d); stop it first", dir, pid)
	}
	bin, err := ensureServer(ctx, cfg.Install, log)
	if err != nil {
		return nil, err
	}
	java, err := ensureZooKeeper(ctx, cfg.Install, log)
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(1 + 3*cfg.Shards*cfg.Replicas)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	c := &Cluster{Name: cfg.Name, Dir: dir, Nodes: layout(cfg, ports[1:]), cfg: cfg, log: log}
	if cfg.PasswordFile != "" {
		b, err := os.ReadFile(cfg.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("cluster password: %w", err)
		}
		if c.password = strings.TrimRight(string(b), "\r\n"); c.password == "" {
			return nil, fmt.Errorf("cluster password file %s is empty", cfg.PasswordFile)
		}
	}
	if c.zk, err = startZooKeeper(ctx, java, filepath.Join(dir, "zookeeper"), ports[0], cfg.Detach, cfg.StartTimeout, log); err != nil {
		return nil, err
	}
	c.ZooKeeper = ZooKeeperNode{Port: ports[0], PID: c.zk.cmd.Process.Pid, Dir: c.zk.dir}
	if err := c.startNodes(ctx, bin); err != nil {
		c.Stop(context.Background())
		return nil, err
	}
	if err := c.waitZooKeeperSessions(ctx); err != nil {
		c.Stop(context.Background())
		return nil, err
	}
	c.DSN = clusterDSN(c.Nodes)
	log.Info("clickhouse cluster ready", "cluster", c.Name, "dsn", c.DSN, "took", time.Since(start).Round(time.Millisecond))
	return c, nil
}

// layout places Shards × Replicas nodes, shard by shard, each with three of
// ports.
func layout(cfg ClusterConfig, ports []int) []ClusterNode {
	var nodes []ClusterNode
	for s := 1; s <= cfg.Shards; s++ {
		for r := 1; r <= cfg.Replicas; r++ {
			p := ports[3*len(nodes):]
			nodes = append(nodes, ClusterNode{
				Shard: s, Replica: r, TCPPort: p[0], HTTPPort: p[1], InterserverPort: p[2],
				Dir: filepath.Join(cfg.Dir, fmt.Sprintf("shard%d-replica%d", s, r)),
			})
		}
	}
	return nodes
}

// startNodes writes each node's config, then starts the nodes side by side.
func (c *Cluster) startNodes(ctx context.Context, bin string) error {
	c.servers = make([]*ClickHouseServer, len(c.Nodes))
	for i, n := range c.Nodes {
		cfg := ClickHouseConfig{
			Dir: n.Dir, TCPPort: n.TCPPort, HTTPPort: n.HTTPPort, Detach: c.cfg.Detach,
			StartTimeout: c.cfg.StartTimeout, StopTimeout: c.cfg.StopTimeout,
		}
		edit := func(conf string) string {
			return clusterNodeConfig(conf, c.Name, c.Nodes, n, c.ZooKeeper.Port, c.password)
		}
		users := func(u string) string { return clusterNodeUsers(u, c.passwordHash()) }
		if err := writeServerConfig(cfg, edit, users); err != nil {
			return err
		}
		if c.password != "" {
			// The config holds the password in clear (remote_servers).
			if err := os.Chmod(filepath.Join(n.Dir, "config.xml"), 0o600); err != nil {
				return fmt.Errorf("restrict config of shard %d replica %d: %w", n.Shard, n.Replica, err)
			}
		}
		c.servers[i] = &ClickHouseServer{cfg: cfg, bin: bin, log: c.log.With("shard", n.Shard, "replica", n.Replica, "http_port", n.HTTPPort)}
	}
	g, gctx := errgroup.WithContext(ctx)
	for i, s := range c.servers {
		g.Go(func() error {
			if err := s.Start(gctx); err != nil {
				return fmt.Errorf("shard %d replica %d: %w", c.Nodes[i].Shard, c.Nodes[i].Replica, err)
			}
			return nil
		})
	}
	err := g.Wait()
	for i, s := range c.servers {
		c.Nodes[i].PID = s.PID()
	}
	return err
}

// clusterDSN names every node, first replicas first: a client connects to
// the first that answers, and any node serves the Distributed tables.
func clusterDSN(nodes []ClusterNode) string {
	var hosts []string
	for r := 1; len(hosts) < len(nodes); r++ {
		for _, n := range nodes {
			if n.Replica == r {
				hosts = append(hosts, fmt.Sprintf("127.0.0.1:%d", n.TCPPort))
			}
		}
	}
	return "clickhouse://" + strings.Join(hosts, ",")
}

// passwordHash is the SHA-256 of the default user's password, in hex, or "".
func (c *Cluster) passwordHash() string {
	if c.password == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(c.password))
	return hex.EncodeToString(sum[:])
}

// Node returns the server of shard and replica (both from 1), or nil.
func (c *Cluster) Node(shard, replica int) *ClickHouseServer {
	for i, n := range c.Nodes {
		if n.Shard == shard && n.Replica == replica {
			return c.servers[i]
		}
	}
	return nil
}

// Stop stops every ClickHouse server of the cluster side by side, then
// ZooKeeper, which they need to shut down cleanly. A stopped server is
// skipped; ctx's end turns the wait into SIGKILL.
func (c *Cluster) Stop(ctx context.Context) error {
	var g errgroup.Group
	for _, s := range c.servers {
		g.Go(func() error { return s.Stop(ctx) })
	}
	err := g.Wait()
	if c.zk != nil {
		c.zk.stop(c.cfg.StopTimeout)
	}
	return err
}

// freePorts returns n distinct ports of 127.0.0.1 that nothing listens on
// right now: the kernel picks them, all held open until each is known.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// waitZooKeeperSessions waits until every node reads ZooKeeper: a server
// answers its ping before its ZooKeeper session is up, and an ON CLUSTER
// statement sent in between failed (the connection closed) once in CI.
func (c *Cluster) waitZooKeeperSessions(ctx context.Context) error {
	deadline := time.Now().Add(c.cfg.StartTimeout)
	for _, n := range c.Nodes {
		for !zooKeeperReadable(ctx, n.HTTPPort, c.password) {
			if time.Now().After(deadline) {
				return fmt.Errorf("shard %d replica %d: no ZooKeeper session after %s", n.Shard, n.Replica, c.cfg.StartTimeout)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// zooKeeperReadable reports whether the server on the HTTP port lists
// ZooKeeper's root.
func zooKeeperReadable(ctx context.Context, port int, password string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	q := url.QueryEscape("SELECT count() FROM system.zookeeper WHERE path = '/'")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/?query=%s", port, q), nil)
	if err != nil {
		return false
	}
	req.Close = true
	if password != "" {
		req.SetBasicAuth("default", password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
	n, err := strconv.Atoi(strings.TrimSpace(string(body)))
	return resp.StatusCode == http.StatusOK && err == nil && n > 0
}
