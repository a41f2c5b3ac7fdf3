package broker

import (
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// TestStartCluster starts three brokers on free ports: every address
// answers with the whole cluster, and the partitions of a topic are spread
// over the nodes.
func TestStartCluster(t *testing.T) {
	b, err := Start(Config{Addr: "127.0.0.1:0", Brokers: 3, Partitions: 6})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	addrs := b.Addrs()
	if len(addrs) != 3 || len(slices.Compact(slices.Sorted(slices.Values(addrs)))) != 3 {
		t.Fatalf("addresses %v, want 3 distinct", addrs)
	}
	if b.Addr() != addrs[0] {
		t.Errorf("Addr() = %s, want the first of %v", b.Addr(), addrs)
	}
	for i, a := range addrs {
		conn, err := kafka.Dial("tcp", a)
		if err != nil {
			t.Fatal(err)
		}
		brokers, err := conn.Brokers()
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		var ids []int
		for _, br := range brokers {
			ids = append(ids, br.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []int{0, 1, 2}) {
			t.Errorf("broker %d (%s) lists nodes %v, want [0 1 2]", i, a, ids)
		}
	}
	leaders := map[int32]bool{}
	c := b.Cluster()
	for p := int32(0); p < 6; p++ {
		// Auto-created by the first metadata request naming it.
		for c.LeaderFor("spread", p) < 0 {
			conn, err := kafka.Dial("tcp", addrs[1])
			if err != nil {
				t.Fatal(err)
			}
			_, _ = conn.ReadPartitions("spread")
			conn.Close()
			time.Sleep(20 * time.Millisecond)
		}
		leaders[c.LeaderFor("spread", p)] = true
	}
	t.Logf("6 partitions led by %d of 3 nodes", len(leaders))
}

// TestRemoveNodeClosesConnections removes node 0 as a crash would: its
// listener refuses new connections and an open connection to it fails,
// while the other nodes answer with the two left.
func TestRemoveNodeClosesConnections(t *testing.T) {
	b, err := Start(Config{Addr: "127.0.0.1:0", Brokers: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	open, err := kafka.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if _, err := open.Brokers(); err != nil {
		t.Fatal(err)
	}
	if err := b.RemoveNode(0); err != nil {
		t.Fatal(err)
	}
	open.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := open.Brokers(); err == nil {
		t.Error("a connection opened to node 0 before its removal still answers")
	} else if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("open connection to the removed node hangs instead of closing: %v", err)
	}
	if c, err := net.DialTimeout("tcp", b.Addr(), 5*time.Second); err == nil {
		// A connect that slipped into the listener's backlog is closed at once.
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Errorf("read from removed node: %v, want the connection closed", err)
		}
		c.Close()
	}
	conn, err := kafka.Dial("tcp", b.Addrs()[1])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	brokers, err := conn.Brokers()
	if err != nil {
		t.Fatal(err)
	}
	if len(brokers) != 2 {
		t.Errorf("after removing node 0 the cluster lists %v, want 2 brokers", brokers)
	}
	if err := b.RemoveNode(0); err == nil {
		t.Error("removing node 0 twice succeeded")
	}

	node, addr, err := b.AddNode()
	if err != nil {
		t.Fatal(err)
	}
	added, err := kafka.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial added node %d at %s: %v", node, addr, err)
	}
	added.Close()
	if err := b.RemoveNode(node); err != nil {
		t.Fatal(err)
	}
	if _, err := kafka.Dial("tcp", addr); err == nil {
		t.Errorf("added node %d at %s still accepts connections after its removal", node, addr)
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// TestValidateBrokers checks the broker count and the ports it needs.
func TestValidateBrokers(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // "" for valid
	}{
		{name: "default one broker", cfg: Config{Addr: "127.0.0.1:9092"}},
		{name: "three on free ports", cfg: Config{Addr: "127.0.0.1:0", Brokers: 3}},
		{name: "three from a port", cfg: Config{Addr: "127.0.0.1:9092", Brokers: 3}},
		{name: "negative", cfg: Config{Addr: "127.0.0.1:0", Brokers: -1}, want: "broker count -1"},
		{name: "too many", cfg: Config{Addr: "127.0.0.1:0", Brokers: 17}, want: "broker count 17"},
		{name: "ports past 65535", cfg: Config{Addr: "127.0.0.1:65534", Brokers: 3}, want: "past 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
			if tt.want == "" && tt.cfg.Brokers == 0 {
				t.Error("Validate left Brokers at 0, want the default 1")
			}
		})
	}
}
