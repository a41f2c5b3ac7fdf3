// Package broker runs an embedded Kafka broker (kfake, a real implementation of
// the Kafka wire protocol) for development, the demo, tests and benchmarks.
// Production uses a real Kafka cluster: no other package of servicepulse may
// depend on this one, except tests and the commands that start a local stack.
package broker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
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
	// Log receives the broker's own notes (members removed by the session
	// reaper). Default: discarded.
	Log *slog.Logger
}

// Validate reports the first invalid field.
func (c *Config) Validate() error {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:9092"
	}
	if c.Partitions == 0 {
		c.Partitions = 4
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" {
		return fmt.Errorf("broker address %q: want host:port", c.Addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("broker address %q: port must be 0..65535", c.Addr)
	}
	if c.Partitions < 1 || c.Partitions > 1024 {
		return fmt.Errorf("broker partitions %d: must be 1..1024", c.Partitions)
	}
	return nil
}

// Broker is a running embedded broker.
type Broker struct {
	cluster    *kfake.Cluster
	addr       string
	reaper     *sessionReaper
	stopReaper context.CancelFunc
	reaperDone chan struct{}
}

// Start starts a single-node broker listening on cfg.Addr.
func Start(cfg Config) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	// kfake picks the port itself; listen ourselves so that any host and port 0 work.
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(cfg.Partitions),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, cfg.Addr)
		}),
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start broker on %s: %w", cfg.Addr, err)
	}
	addrs := c.ListenAddrs()
	if len(addrs) == 0 {
		c.Close()
		return nil, fmt.Errorf("start broker on %s: no listener", cfg.Addr)
	}
	_, port, _ := net.SplitHostPort(addrs[0])
	b := &Broker{cluster: c, addr: net.JoinHostPort(host, port), reaperDone: make(chan struct{})}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := newSessionReaper(c, b.addr, log)
	ctx, stop := context.WithCancel(context.Background())
	b.reaper, b.stopReaper = r, stop
	go func() { defer close(b.reaperDone); r.run(ctx) }()
	return b, nil
}

// Addr is the bootstrap address clients should use.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker, flushing its data directory if it has one.
func (b *Broker) Close() {
	b.stopReaper()
	<-b.reaperDone
	b.cluster.Close()
}
