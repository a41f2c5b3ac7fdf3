package ingest

import (
	"fmt"
	"time"
)

// Config configures the ingest workers of one process.
type Config struct {
	// Brokers are the Kafka bootstrap addresses. Required.
	Brokers []string
	// RecordsTopic carries service records. Default: servicepulse.service-records.
	RecordsTopic string
	// FeedbackTopic carries customer feedback. Default: servicepulse.feedback.
	FeedbackTopic string
	// DLQTopic receives rejected messages, sealed. Default: servicepulse.dlq.
	DLQTopic string
	// Group is the consumer group; workers of one group share the partitions.
	// Default: servicepulse-ingest.
	Group string
	// Workers is the number of group members this process runs. Default: 1.
	Workers int
	// BatchRows flushes a batch once it holds this many messages. ClickHouse
	// prefers few large inserts (10k–100k rows) to many small ones. Default: 50000.
	BatchRows int
	// BatchInterval flushes a non-empty batch this long after its first
	// message, so a quiet topic is still written promptly. Default: 1s.
	BatchInterval time.Duration
	// RetryMin and RetryMax bound the exponential backoff of failed writes.
	// Default: 200ms and 10s.
	RetryMin, RetryMax time.Duration
	// ShutdownTimeout bounds the final flush after a stop signal; what cannot
	// be flushed in time stays uncommitted and is re-delivered. Default: 30s.
	ShutdownTimeout time.Duration
	// UntilIdle stops the workers once no message arrived for this long.
	// Default: 0 (run until stopped).
	UntilIdle time.Duration
	// FromBeginning starts a new group at the earliest offset (the default);
	// false starts it at the latest. Committed offsets always win.
	FromBeginning bool

	// CrashAfterWrites, when > 0, kills the process with SIGKILL right after
	// its Nth successful ClickHouse write and before the offsets are committed.
	// A fault point for the crash-recovery tests (env SERVICEPULSE_FAULT_CRASH_AFTER_WRITES);
	// never set it in production.
	CrashAfterWrites int
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		RecordsTopic:    "servicepulse.service-records",
		FeedbackTopic:   "servicepulse.feedback",
		DLQTopic:        "servicepulse.dlq",
		Group:           "servicepulse-ingest",
		Workers:         1,
		BatchRows:       50000,
		BatchInterval:   time.Second,
		RetryMin:        200 * time.Millisecond,
		RetryMax:        10 * time.Second,
		ShutdownTimeout: 30 * time.Second,
		FromBeginning:   true,
	}
}

// Validate reports the first invalid field, naming the flag that sets it.
func (c Config) Validate() error {
	switch {
	case len(c.Brokers) == 0 || c.Brokers[0] == "":
		return fmt.Errorf("--brokers is empty: give at least one Kafka address host:port")
	case c.RecordsTopic == "" || c.FeedbackTopic == "" || c.DLQTopic == "":
		return fmt.Errorf("topic names must not be empty (records %q, feedback %q, dlq %q)", c.RecordsTopic, c.FeedbackTopic, c.DLQTopic)
	case c.RecordsTopic == c.FeedbackTopic || c.DLQTopic == c.RecordsTopic || c.DLQTopic == c.FeedbackTopic:
		return fmt.Errorf("topics must differ (records %q, feedback %q, dlq %q)", c.RecordsTopic, c.FeedbackTopic, c.DLQTopic)
	case c.Group == "":
		return fmt.Errorf("--group must not be empty")
	case c.Workers < 1 || c.Workers > 64:
		return fmt.Errorf("--workers %d: must be between 1 and 64", c.Workers)
	case c.BatchRows < 1 || c.BatchRows > 1_000_000:
		return fmt.Errorf("--batch-rows %d: must be between 1 and 1000000", c.BatchRows)
	case c.BatchInterval < 10*time.Millisecond:
		return fmt.Errorf("--batch-interval %s: must be at least 10ms", c.BatchInterval)
	case c.RetryMin <= 0 || c.RetryMax < c.RetryMin:
		return fmt.Errorf("retry backoff %s..%s: need 0 < min <= max", c.RetryMin, c.RetryMax)
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("shutdown timeout %s: must be positive", c.ShutdownTimeout)
	case c.UntilIdle < 0:
		return fmt.Errorf("--until-idle %s: must not be negative", c.UntilIdle)
	}
	return nil
}
