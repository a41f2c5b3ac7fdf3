package devenv

import (
	"fmt"
	"regexp"
	"time"

	"servicepulse/internal/fields"
)

// ClusterConfig says where and how to run a local ClickHouse cluster: one
// ZooKeeper and Shards × Replicas ClickHouse servers, all on free ports of
// 127.0.0.1.
type ClusterConfig struct {
	// Dir holds one folder per server: shard<S>-replica<R>/ for each
	// ClickHouse node (as ClickHouseConfig.Dir) and zookeeper/. A relative
	// path is made absolute. Default: ".servicepulse/cluster"
	Dir string
	// Shards is the number of shards. Default: 2
	Shards int
	// Replicas is the number of replicas of each shard. Default: 2
	Replicas int
	// Name is the cluster's name in remote_servers, for ON CLUSTER and
	// Distributed tables, and its {cluster} macro. Default: "servicepulse"
	Name string
	// PasswordFile, when set, holds the password of the default user on
	// every node (one line); the nodes then use it between themselves
	// (remote_servers, interserver credentials). Default: no password
	PasswordFile string
	// Detach leaves the servers running when this process exits; stop them
	// with StopDir. Without it they get SIGTERM when this process dies.
	// Default: false
	Detach bool
	// Install runs apt-get to install clickhouse-server or zookeeper when
	// missing. Default: true
	Install bool
	// StartTimeout bounds the wait for each server to answer. Default: 60s
	StartTimeout time.Duration
	// StopTimeout is how long a stop waits after SIGTERM before it sends
	// SIGKILL. Default: 30s
	StopTimeout time.Duration
}

// DefaultClusterConfig returns a 2 × 2 cluster named servicepulse.
func DefaultClusterConfig() ClusterConfig {
	return ClusterConfig{
		Dir:          ".servicepulse/cluster",
		Shards:       2,
		Replicas:     2,
		Name:         "servicepulse",
		Install:      true,
		StartTimeout: 60 * time.Second,
		StopTimeout:  30 * time.Second,
	}
}

// maxClusterNodes bounds Shards × Replicas: an idle node takes ~85 MB.
const maxClusterNodes = 16

var clusterName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate rejects a configuration StartCluster cannot use, naming the
// field and quoting the value.
func (c ClusterConfig) Validate() error {
	switch {
	case c.Dir == "":
		return fields.Errorf("Dir", nil, "is required")
	case c.Shards < 1 || c.Shards > maxClusterNodes:
		return fields.Errorf("Shards", c.Shards, "must be between 1 and %d", maxClusterNodes)
	case c.Replicas < 1 || c.Replicas > maxClusterNodes:
		return fields.Errorf("Replicas", c.Replicas, "must be between 1 and %d", maxClusterNodes)
	case c.Shards*c.Replicas > maxClusterNodes:
		return fields.Errorf("Shards", c.Shards, "times {Replicas} (%d) is %d servers; at most %d run here", c.Replicas, c.Shards*c.Replicas, maxClusterNodes)
	case !clusterName.MatchString(c.Name):
		return fields.Errorf("Name", fmt.Sprintf("%q", c.Name), "must be letters, digits and underscores, not starting with a digit")
	case c.StartTimeout <= 0:
		return fields.Errorf("StartTimeout", c.StartTimeout, "must be positive, such as 60s")
	case c.StopTimeout <= 0:
		return fields.Errorf("StopTimeout", c.StopTimeout, "must be positive, such as 30s")
	}
	return nil
}
