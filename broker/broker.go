// Package broker runs an embedded Kafka broker (kfake, a real implementation of
// the Kafka wire protocol) for development, the demo, tests and benchmarks, or
// a local cluster of several (Config.Brokers) whose nodes tests can remove,
// add and move partition leaders between. It can take SASL logins (PLAIN,
// SCRAM-SHA-256/512, users from a file) and speak TLS only, as a production
// Kafka's SASL_SSL listener does, for tests of secured clients.
// Production uses a real Kafka cluster: no other package of servicepulse may
// depend on this one, except tests and the commands that start a local stack.
package broker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Config configures the embedded broker.
type Config struct {
	// Addr is the host:port to listen on. Port 0 picks a free port.
	// Default: 127.0.0.1:9092.
	Addr string
	// DataDir persists topics, offsets and groups across restarts when set.
	// Default: "" (in memory).
	DataDir string
	// Partitions is the number of partitions of auto-created topics.
	// Default: 4.
	Partitions int
	// Brokers is the number of brokers, node ids 0 to Brokers-1, each
	// leading some of the partitions. With a port in Addr they listen on
	// that port and the ones after it; with port 0, each on a free port.
	// kfake keeps one copy of the data: several brokers exercise clients'
	// routing, retries and rebalances, not replication. Default: 1.
	Brokers int
	// Log receives the broker's own notes (members removed by the session
	// reaper). Default: discarded.
	Log *slog.Logger
	// SASLUsersFile lists the SASL users, one USER:PASSWORD a line
	// (ReadUsers). Each may log in with PLAIN, SCRAM-SHA-256 and
	// SCRAM-SHA-512 and do anything; a client without SASL is refused.
	// Default: "" (no SASL).
	SASLUsersFile string
	// TLSCertFile and TLSKeyFile are the listeners' PEM certificate (its
	// chain may follow) and key: every listener then speaks TLS only.
	// Both or neither. Default: "" (plaintext).
	TLSCertFile, TLSKeyFile string
}

// Validate reports the first invalid field.
func (c *Config) Validate() error {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:9092"
	}
	if c.Partitions == 0 {
		c.Partitions = 4
	}
	if c.Brokers == 0 {
		c.Brokers = 1
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" {
		return fmt.Errorf("broker address %q: want host:port", c.Addr)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("broker address %q: port must be 0..65535", c.Addr)
	}
	if c.Brokers < 1 || c.Brokers > maxBrokers {
		return fmt.Errorf("broker count %d: must be 1..%d", c.Brokers, maxBrokers)
	}
	if p > 0 && p+c.Brokers-1 > 65535 {
		return fmt.Errorf("broker address %q: %d brokers need ports up to %d, past 65535", c.Addr, c.Brokers, p+c.Brokers-1)
	}
	if c.Partitions < 1 || c.Partitions > 1024 {
		return fmt.Errorf("broker partitions %d: must be 1..1024", c.Partitions)
	}
	_, err = c.loadSecurity()
	return err
}

// maxBrokers bounds Config.Brokers: a local cluster for tests and
// development, where every broker shares one process.
const maxBrokers = 16

// Broker is a running embedded broker, or cluster of brokers.
type Broker struct {
	cluster    *kfake.Cluster
	addrs      []string
	nodes      *nodeListeners
	reaper     *sessionReaper
	stopReaper context.CancelFunc
	reaperDone chan struct{}
}

// Start starts the broker (cfg.Brokers of them) listening on cfg.Addr.
func Start(cfg Config) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sec, err := cfg.loadSecurity()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(cfg.Addr)
	first, _ := strconv.Atoi(port)
	ports := make([]int, cfg.Brokers)
	for i := range ports {
		if first > 0 {
			ports[i] = first + i
		}
	}
	nodes := &nodeListeners{}
	// kfake listens on 127.0.0.1 and the port it is given (0: a free one);
	// listen ourselves on the configured host, and keep each listener so
	// that RemoveNode can drop its open connections.
	opts := []kfake.Opt{
		kfake.Ports(ports...),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(cfg.Partitions),
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			_, p, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			ln, err := net.Listen(network, net.JoinHostPort(host, p))
			if err != nil {
				return nil, err
			}
			return nodes.add(ln), nil
		}),
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	opts = append(opts, sec.opts()...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start broker on %s: %w", cfg.Addr, err)
	}
	listened := c.ListenAddrs()
	if len(listened) != cfg.Brokers {
		c.Close()
		return nil, fmt.Errorf("start broker on %s: %d listeners for %d brokers", cfg.Addr, len(listened), cfg.Brokers)
	}
	b := &Broker{cluster: c, nodes: nodes, reaperDone: make(chan struct{})}
	// Node i is the i-th listener: kfake creates them in node order.
	for _, a := range listened {
		_, p, _ := net.SplitHostPort(a)
		b.addrs = append(b.addrs, net.JoinHostPort(host, p))
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := newSessionReaper(c, b.addrs, sec, log)
	ctx, stop := context.WithCancel(context.Background())
	b.reaper, b.stopReaper = r, stop
	go func() { defer close(b.reaperDone); r.run(ctx) }()
	return b, nil
}

// Addr is the bootstrap address of the first broker, node 0.
func (b *Broker) Addr() string { return b.addrs[0] }

// Addrs are the bootstrap addresses of every broker started, node i at
// index i, whether or not the node was removed since.
func (b *Broker) Addrs() []string { return slices.Clone(b.addrs) }

// Close stops the broker, flushing its data directory if it has one.
func (b *Broker) Close() {
	b.stopReaper()
	<-b.reaperDone
	b.cluster.Close()
}
