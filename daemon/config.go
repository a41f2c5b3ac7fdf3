package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"servicepulse/ingest"
	"servicepulse/transform"
	"servicepulse/warehouse"
)

// DevPIIKey pseudonymises generated data only (ingest --dev, demo, bench).
// It is public, so pseudonyms made with it protect nothing.
const DevPIIKey = "servicepulse-dev-key-NOT-SECRET-do-not-use-in-production"

// Config configures the ingest process.
type Config struct {
	// Ingest configures the pipeline: brokers, topics, group, workers and
	// batches. Its own Validate applies.
	Ingest ingest.Config
	// ClickHouse is the DSN of the warehouse the pipeline writes. Required.
	ClickHouse string
	// Cluster is the ClickHouse cluster of the tables (warehouse.Config.Cluster);
	// empty for one server.
	Cluster string
	// ClickHouseAccess is the password file and TLS files of ClickHouse
	// (warehouse.Access).
	ClickHouseAccess warehouse.Access
	// Partitions is the partition count of the topics Run creates when they
	// do not exist; existing topics are left alone. Required: 1 to 1024.
	Partitions int
	// ReplicationFactor is the number of copies of the topics Run creates
	// (ingest.TopicSpec: 0 is 1 on a one-broker Kafka, and no topic created
	// on a cluster).
	ReplicationFactor int
	// PIIKey is the HMAC key that pseudonymises personal data, at least
	// transform.MinPIIKeyBytes long. Required.
	PIIKey []byte
	// Listen is the host:port serving /metrics and /healthz. Default: ""
	// (no HTTP server).
	Listen string
	// RefreshInterval is how often the refresher rebuilds the request states
	// touched by new events; it also runs soon after each commit. Default: 0
	// (no refresher and no final refresh: `servicepulse refresh` does it).
	RefreshInterval time.Duration
	// Log receives the process's log. Required.
	Log *slog.Logger
}

// Validate reports the first invalid field. The errors of Ingest are
// returned as Ingest.Validate words them.
func (c Config) Validate() error {
	if err := c.Ingest.Validate(); err != nil {
		return err
	}
	if err := c.warehouse().Validate(); err != nil {
		return err // it names the DSN
	}
	switch {
	case c.Partitions < 1 || c.Partitions > 1024:
		return fmt.Errorf("partitions %d: must be between 1 and 1024", c.Partitions)
	case c.ReplicationFactor < 0:
		return fmt.Errorf("replication factor %d: must not be negative", c.ReplicationFactor)
	case len(c.PIIKey) < transform.MinPIIKeyBytes:
		return fmt.Errorf("PII key is %d bytes: want at least %d", len(c.PIIKey), transform.MinPIIKeyBytes)
	case c.RefreshInterval < 0:
		return fmt.Errorf("refresh interval %s: must not be negative", c.RefreshInterval)
	case c.Log == nil:
		return errors.New("no logger")
	}
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			return fmt.Errorf("listen address %q: want host:port, or \"\" for off", c.Listen)
		}
	}
	return nil
}

func (c Config) warehouse() warehouse.Config {
	w := warehouse.ConfigFor(c.ClickHouse)
	w.Cluster, w.Access = c.Cluster, c.ClickHouseAccess
	return w
}
