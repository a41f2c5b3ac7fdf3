package cli

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"os"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/ingest"
	"servicepulse/warehouse"
)

// KafkaFlags locate the Kafka cluster and say how to connect: --brokers,
// and the SASL and TLS flags (kafka_security.go) of KafkaFlags.Security.
type KafkaFlags struct {
	Brokers  string // comma-separated host:port
	security kafkaSecurityFlags
}

// Register adds --brokers ($SERVICEPULSE_BROKERS), which needs one address,
// and the --kafka-sasl-*, --kafka-user, --kafka-password-file and
// --kafka-tls* flags.
func (k *KafkaFlags) Register(fs *FlagSet) {
	fs.StringVar(&k.Brokers, "brokers", "127.0.0.1:9092", "Kafka bootstrap addresses, comma-separated")
	fs.Env("brokers", "SERVICEPULSE_BROKERS")
	fs.Check("brokers", func(v string) error {
		if len(splitList(v)) == 0 {
			return errors.New("give at least one Kafka address host:port")
		}
		return nil
	})
	k.security.register(fs)
}

// BrokerList is --brokers as a list.
func (k *KafkaFlags) BrokerList() []string { return splitList(k.Brokers) }

// ClickHouseFlags locate the ClickHouse server: --clickhouse, and --cluster
// on a replicated, sharded ClickHouse.
type ClickHouseFlags struct {
	// DSN is --clickhouse. A value set before Register is the flag's default
	// (demo's own database); else warehouse's default.
	DSN string
	// Cluster is --cluster: the cluster's name in remote_servers, or empty
	// for one node (warehouse.Config.Cluster).
	Cluster string
	// Access is --clickhouse-password-file and the --clickhouse-tls-* files.
	Access warehouse.Access
}

// NoPassword is a CheckLine check refusing a URL with a password: on the
// command line every user of the machine reads it (ps). instead says where
// the password goes.
func NoPassword(instead string) func(string) error {
	return func(v string) error {
		if u, err := url.Parse(v); err == nil && u.User != nil {
			if _, ok := u.User.Password(); ok {
				return errors.New("a password on the command line is readable by every user of this machine (ps); put it in " + instead)
			}
		}
		return nil
	}
}

// Config is the warehouse configuration of the flags.
func (c *ClickHouseFlags) Config() warehouse.Config {
	cfg := warehouse.ConfigFor(c.DSN)
	cfg.Cluster, cfg.Access = c.Cluster, c.Access
	return cfg
}

// Register adds --clickhouse ($SERVICEPULSE_CLICKHOUSE), checked as a DSN,
// and --cluster ($SERVICEPULSE_CLICKHOUSE_CLUSTER).
func (c *ClickHouseFlags) Register(fs *FlagSet) {
	def := c.DSN
	if def == "" {
		def = warehouse.DefaultConfig().DSN
	}
	fs.StringVar(&c.DSN, "clickhouse", def, "ClickHouse DSN, native protocol: clickhouse://[user[:password]@]host:port[/database]")
	fs.Env("clickhouse", "SERVICEPULSE_CLICKHOUSE")
	fs.Field("ClickHouse", "clickhouse")
	fs.Check("clickhouse", func(v string) error { return warehouse.ConfigFor(v).Validate() })
	fs.CheckLine("clickhouse", NoPassword("--clickhouse-password-file, or the whole DSN in $SERVICEPULSE_CLICKHOUSE"))
	fs.StringVar(&c.Access.PasswordFile, "clickhouse-password-file", "", "file holding the ClickHouse password (the DSN names the user)")
	fs.Env("clickhouse-password-file", "SERVICEPULSE_CLICKHOUSE_PASSWORD_FILE")
	fs.StringVar(&c.Access.TLSCAFile, "clickhouse-tls-ca", "", "PEM file of the CA that signed the ClickHouse server's certificate (with secure=true in the DSN; default: the system's roots)")
	fs.StringVar(&c.Access.TLSCertFile, "clickhouse-tls-cert", "", "PEM client certificate for ClickHouse, if the server asks for one")
	fs.StringVar(&c.Access.TLSKeyFile, "clickhouse-tls-key", "", "PEM key of --clickhouse-tls-cert")
	for field, flag := range map[string]string{"PasswordFile": "clickhouse-password-file", "TLSCAFile": "clickhouse-tls-ca",
		"TLSCertFile": "clickhouse-tls-cert", "TLSKeyFile": "clickhouse-tls-key"} {
		fs.Field(field, flag)
	}
	fs.StringVar(&c.Cluster, "cluster", "", "ClickHouse cluster (remote_servers name) holding the tables, replicated and sharded; empty: one server")
	fs.Env("cluster", "SERVICEPULSE_CLICKHOUSE_CLUSTER")
	fs.Check("cluster", func(v string) error {
		cfg := warehouse.DefaultConfig()
		cfg.Cluster = v
		return cfg.Validate()
	})
}

// Open connects to the ClickHouse of --clickhouse and --cluster.
func (c *ClickHouseFlags) Open(ctx context.Context, log *slog.Logger) (driver.Conn, error) {
	return warehouse.Open(ctx, c.Config(), log)
}

// LogFlags shape the process's log: --log-level and --log-format.
type LogFlags struct {
	Level  string // debug, info, warn or error
	Format string // text or json
}

// Register adds --log-level and --log-format ($SERVICEPULSE_LOG_LEVEL,
// $SERVICEPULSE_LOG_FORMAT), checked.
func (l *LogFlags) Register(fs *FlagSet) {
	fs.StringVar(&l.Level, "log-level", "info", "debug, info, warn or error")
	fs.Env("log-level", "SERVICEPULSE_LOG_LEVEL")
	fs.Check("log-level", func(v string) error {
		var level slog.Level
		if level.UnmarshalText([]byte(v)) != nil {
			return errors.New("want debug, info, warn or error")
		}
		return nil
	})
	fs.StringVar(&l.Format, "log-format", "text", "text or json")
	fs.Env("log-format", "SERVICEPULSE_LOG_FORMAT")
	fs.Check("log-format", OneOf("text", "json"))
}

// Logger builds the process's structured logger; logs go to stderr so that
// stdout carries only the command's result.
func (l *LogFlags) Logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(l.Level)); err != nil {
		return nil, Usagef("--log-level %q: want debug, info, warn or error", l.Level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch l.Format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, Usagef("--log-format %q: want text or json", l.Format)
}

// WarehouseFlags are the flags of a command that works on ClickHouse: where
// it is, and how to log.
type WarehouseFlags struct {
	ClickHouseFlags
	LogFlags
}

// Register adds the ClickHouse and the log flags.
func (w *WarehouseFlags) Register(fs *FlagSet) {
	w.ClickHouseFlags.Register(fs)
	w.LogFlags.Register(fs)
}

// Connect returns the logger and a connection to the ClickHouse of --clickhouse.
func (w *WarehouseFlags) Connect(ctx context.Context) (driver.Conn, *slog.Logger, error) {
	log, err := w.Logger()
	if err != nil {
		return nil, nil, err
	}
	conn, err := w.Open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	return conn, log, nil
}

// TopicFlags are the Kafka topic names, shared by gen, ingest and lag.
type TopicFlags struct {
	Records, Feedback, DLQ string
	Partitions             int // of the topics servicepulse creates
	ReplicationFactor      int // of the topics servicepulse creates; 0: ingest.TopicSpec's default
}

// Spec is how servicepulse creates the topics that do not exist.
func (t *TopicFlags) Spec() ingest.TopicSpec {
	return ingest.TopicSpec{Partitions: t.Partitions, ReplicationFactor: t.ReplicationFactor}
}

// Register registers every topic flag: the topics' names and the partitions
// of those servicepulse creates.
func (t *TopicFlags) Register(fs *FlagSet) {
	t.RegisterSources(fs)
	fs.StringVar(&t.DLQ, "dlq-topic", ingest.DefaultConfig().DLQTopic, "dead-letter topic for rejected messages")
	fs.IntVar(&t.Partitions, "partitions", 4, "partitions of topics servicepulse creates (existing topics are left alone)")
	fs.IntVar(&t.ReplicationFactor, "replication-factor", 0, "copies of each partition of topics servicepulse creates; 0: 1 on a one-broker Kafka, none created on a cluster (create them with 3 copies, min.insync.replicas 2)")
}

// RegisterSources registers only the topics ingest reads: records and
// feedback (for a command that neither creates topics nor writes the DLQ).
func (t *TopicFlags) RegisterSources(fs *FlagSet) {
	d := ingest.DefaultConfig()
	fs.StringVar(&t.Records, "records-topic", d.RecordsTopic, "topic of service records")
	fs.StringVar(&t.Feedback, "feedback-topic", d.FeedbackTopic, "topic of customer feedback")
}

// Validate rejects a number of partitions Kafka would refuse.
func (t *TopicFlags) Validate() error {
	if t.Partitions < 1 || t.Partitions > 1024 {
		return Usagef("--partitions %d: must be between 1 and 1024", t.Partitions)
	}
	if t.ReplicationFactor < 0 || t.ReplicationFactor > 32 {
		return Usagef("--replication-factor %d: must be between 0 (default) and 32", t.ReplicationFactor)
	}
	return nil
}

// CheckListen accepts "" (off) or a host:port: a check for a listen address.
func CheckListen(v string) error {
	if v == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(v); err != nil {
		return errors.New(`want host:port, or "" for off`)
	}
	return nil
}
