package broker

import (
	"fmt"
	"net"
	"sync"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Cluster returns the kfake cluster behind the broker, for tests that move
// partition leaders (MoveTopicPartition, ShufflePartitionLeaders), read them
// (LeaderFor) or inject errors (ControlKey). Remove a node with
// Broker.RemoveNode, not the cluster's own, which leaves its connections open.
func (b *Broker) Cluster() *kfake.Cluster { return b.cluster }

// RemoveNode stops broker node as a crash would: it stops listening, its
// open connections are closed, and its partitions get other leaders. The
// other nodes go on. Removing the last node is an error.
func (b *Broker) RemoveNode(node int32) error {
	if err := b.cluster.RemoveNode(node); err != nil {
		return fmt.Errorf("remove broker node %d: %w", node, err)
	}
	// kfake closes the listener only: a client holding a connection would
	// still be served by the removed node.
	b.nodes.closeConns(node)
	return nil
}

// AddNode starts a new broker node on a free port and returns its id and
// address; kfake gives every partition a new leader among all nodes.
func (b *Broker) AddNode() (node int32, addr string, err error) {
	b.nodes.addMu.Lock()
	defer b.nodes.addMu.Unlock()
	b.nodes.mu.Lock()
	b.nodes.adding = true
	b.nodes.mu.Unlock()
	node, _, err = b.cluster.AddNode(-1, 0)
	b.nodes.mu.Lock()
	defer b.nodes.mu.Unlock()
	b.nodes.adding = false
	if err != nil {
		return 0, "", fmt.Errorf("add broker node: %w", err)
	}
	ln := b.nodes.last
	b.nodes.byNode[node] = ln
	return node, ln.Addr().String(), nil
}

// nodeListeners keeps each node's listener, so that a removed node's open
// connections can be closed. Nodes created by kfake.NewCluster are numbered
// in listening order; AddNode records its own.
type nodeListeners struct {
	addMu  sync.Mutex // one AddNode at a time, so last is its listener
	mu     sync.Mutex
	byNode map[int32]*trackingListener
	last   *trackingListener // the latest listener, for AddNode
	adding bool
}

func (n *nodeListeners) add(ln net.Listener) net.Listener {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.byNode == nil {
		n.byNode = map[int32]*trackingListener{}
	}
	t := &trackingListener{Listener: ln, conns: map[net.Conn]struct{}{}}
	if !n.adding {
		n.byNode[int32(len(n.byNode))] = t
	}
	n.last = t
	return t
}

func (n *nodeListeners) closeConns(node int32) {
	n.mu.Lock()
	t := n.byNode[node]
	n.mu.Unlock()
	if t != nil {
		t.closeConns()
	}
}

// trackingListener remembers the connections it accepted until they close.
type trackingListener struct {
	net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// Accept accepts a connection and tracks it; once the node was removed,
// none is accepted.
func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	return tc, nil
}

func (l *trackingListener) closeConns() {
	l.mu.Lock()
	l.closed = true
	conns := l.conns
	l.conns = map[net.Conn]struct{}{}
	l.mu.Unlock()
	for c := range conns {
		c.Close()
	}
}

// trackedConn leaves its listener's set when closed.
type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
