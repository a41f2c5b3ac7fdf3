package ingest

import (
	"fmt"
	"time"

	"servicepulse/internal/fields"
	"servicepulse/internal/kafkaconn"
)

// Config configures the ingest workers of one process.
type Config struct {
	// Brokers are the Kafka bootstrap addresses. Required.
	Brokers []string
	// Security is how every Kafka client of the pipeline connects (the
	// reader, the DLQ writer, the lag reader): SASL, TLS. Default: plaintext.
	Security kafkaconn.Security
	// RecordsTopic carries service records. Default: servicepulse.service-records.
	RecordsTopic string
	// FeedbackTopic carries customer feedback. Default: servicepulse.feedback.
	FeedbackTopic string
	// DLQTopic receives rejected messages, sealed. Default: servicepulse.dlq.
	DLQTopic string
	// Group is the consumer group; workers of one group share the partitions.
	// Default: servicepulse-ingest.
	Group string
	// Workers is the number of partition-bound pipelines (decode, batch,
	// write, commit) this process runs. They share one consumer-group
	// member, so a process is one member whatever Workers is, and adding
	// workers causes no rebalance. Default: 1.
	Workers int
	// BatchRows flushes a batch once it holds this many messages. ClickHouse
	// prefers few large inserts (10k–100k rows) to many small ones, and two
	// batches are alive at once (one filling, one being written): this is
	// the worker's largest use of memory. Default: 25000. On two cores
	// (bench, 100,000 tickets, three interleaved pairs), 50,000 under a
	// 224 MiB limit ran 75k–94k events/s with the live refresh on, at
	// 252 MiB resident and a freshness p95 of 8.3–10.0 s; 25,000 under
	// 150 MiB, 60k–65k events/s at 179–180 MiB and 7.6–8.2 s, for the
	// same CPU (BENCHMARKS.md, 2026-12-04).
	BatchRows int
	// BatchInterval flushes a non-empty batch this long after its first
	// message, so a quiet topic is still written promptly. Default: 1s.
	BatchInterval time.Duration
	// RetryMin and RetryMax bound the exponential backoff of failed writes.
	// Default: 200ms and 10s.
	RetryMin, RetryMax time.Duration
	// ShutdownTimeout bounds the final writes and commits once fetching
	// stopped (a stop signal, or caught up); what cannot be written and
	// committed in time stays uncommitted and is re-delivered. Default: 10s.
	ShutdownTimeout time.Duration
	// CloseTimeout bounds leaving the consumer group at exit. Past it the
	// leave is abandoned, and the group's next member waits out this one's
	// session timeout (10s) before it gets these partitions. Default: 5s.
	CloseTimeout time.Duration
	// UntilIdle makes Run return once the group is caught up: every
	// partition of both topics has the group's committed offset at its
	// high-water mark, and no message arrived for this long. Default: 0
	// (run until stopped).
	UntilIdle time.Duration
	// UntilIdleMax bounds a run with UntilIdle: past it, Run stops and
	// returns ErrNotCaughtUp naming the messages left. Default: 0 (no bound).
	UntilIdleMax time.Duration
	// LagInterval is how often the group's lag is read for /metrics.
	// Default: 5s.
	LagInterval time.Duration
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		RecordsTopic:    "servicepulse.service-records",
		FeedbackTopic:   "servicepulse.feedback",
		DLQTopic:        "servicepulse.dlq",
		Group:           "servicepulse-ingest",
		Workers:         1,
		BatchRows:       25000,
		BatchInterval:   time.Second,
		RetryMin:        200 * time.Millisecond,
		RetryMax:        10 * time.Second,
		ShutdownTimeout: 10 * time.Second,
		CloseTimeout:    5 * time.Second,
		LagInterval:     5 * time.Second,
	}
}

// Validate reports the first invalid field, by its Go name (a
// fields.Error): commands translate it into the flag that sets it.
func (c Config) Validate() error {
	switch {
	case len(c.Brokers) == 0 || c.Brokers[0] == "":
		return fields.Errorf("Brokers", nil, "is empty: give at least one Kafka address host:port")
	case c.RecordsTopic == "" || c.FeedbackTopic == "" || c.DLQTopic == "":
		return fmt.Errorf("topic names must not be empty (records %q, feedback %q, dlq %q)", c.RecordsTopic, c.FeedbackTopic, c.DLQTopic)
	case c.RecordsTopic == c.FeedbackTopic || c.DLQTopic == c.RecordsTopic || c.DLQTopic == c.FeedbackTopic:
		return fmt.Errorf("topics must differ (records %q, feedback %q, dlq %q)", c.RecordsTopic, c.FeedbackTopic, c.DLQTopic)
	case c.Group == "":
		return fields.Errorf("Group", nil, "must not be empty")
	case c.Workers < 1 || c.Workers > 64:
		return fields.Errorf("Workers", c.Workers, "must be between 1 and 64")
	case c.BatchRows < 1 || c.BatchRows > 1_000_000:
		return fields.Errorf("BatchRows", c.BatchRows, "must be between 1 and 1000000")
	case c.BatchInterval < 10*time.Millisecond:
		return fields.Errorf("BatchInterval", c.BatchInterval, "must be at least 10ms")
	case c.RetryMin <= 0 || c.RetryMax < c.RetryMin:
		return fmt.Errorf("retry backoff %s..%s: need 0 < min <= max", c.RetryMin, c.RetryMax)
	case c.ShutdownTimeout <= 0:
		return fields.Errorf("ShutdownTimeout", c.ShutdownTimeout, "must be positive")
	case c.CloseTimeout <= 0:
		return fields.Errorf("CloseTimeout", c.CloseTimeout, "must be positive")
	case c.LagInterval < 100*time.Millisecond:
		return fields.Errorf("LagInterval", c.LagInterval, "must be at least 100ms")
	case c.UntilIdle < 0:
		return fields.Errorf("UntilIdle", c.UntilIdle, "must not be negative")
	case c.UntilIdleMax < 0:
		return fields.Errorf("UntilIdleMax", c.UntilIdleMax, "must not be negative")
	case c.UntilIdleMax > 0 && c.UntilIdle == 0:
		return fields.Errorf("UntilIdleMax", c.UntilIdleMax, "needs {UntilIdle}")
	case c.UntilIdleMax > 0 && c.UntilIdleMax <= c.UntilIdle:
		return fields.Errorf("UntilIdleMax", c.UntilIdleMax, "must be longer than {UntilIdle} %s", c.UntilIdle)
	}
	return c.Security.Validate()
}
