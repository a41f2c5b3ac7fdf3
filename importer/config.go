package importer

import (
	"io"
	"os"
	"strconv"
	"time"

	"servicepulse/internal/fields"
	"servicepulse/internal/kafkaconn"
)

// Kind says which topic an event goes to, and so which decode checks it.
type Kind string

const (
	// Auto takes each event's kind from its event_type: a service-record
	// type goes to the records topic, a feedback type to the feedback topic.
	// A line whose type cannot be told (bad JSON, an unknown or missing
	// event_type) is judged as a service record.
	Auto     Kind = "auto"
	Records  Kind = "records"  // every event is a service record
	Feedback Kind = "feedback" // every event is feedback
)

// Kinds lists the valid Config.Kind values.
var Kinds = []string{string(Auto), string(Records), string(Feedback)}

// Format is how a file is read.
type Format string

const (
	// FormatAuto reads a file named *.csv (any case) as CSV and every other
	// file, stdin included, as JSON Lines.
	FormatAuto  Format = "auto"
	FormatJSONL Format = "jsonl" // one JSON event per line
	FormatCSV   Format = "csv"   // a header of dotted field paths, one event per row
)

// Formats lists the valid Config.Format values.
var Formats = []string{string(FormatAuto), string(FormatJSONL), string(FormatCSV)}

// Stdin is the file name that stands for standard input.
const Stdin = "-"

// Default topic names of docs/events.md (those of ingest and the generator).
const (
	DefaultRecordsTopic  = "servicepulse.service-records"
	DefaultFeedbackTopic = "servicepulse.feedback"
)

// Config says what to import and where to send it. The zero value of each
// optional field is its default; Validate fills them in.
type Config struct {
	// Files are the export files, read in order; Stdin ("-") reads standard
	// input, at most once. Required.
	Files []string
	// Kind is the kind of every event, or Auto (default) for each event's own.
	Kind Kind
	// Format is the format of every file, or FormatAuto (default): by name.
	Format Format
	// SendInvalid sends the invalid lines too, as they are (a CSV row as the
	// JSON object it became), for ingest to reject to the DLQ. A line longer
	// than MaxLineBytes or one that is not CSV is never sent: there is no
	// event to send.
	SendInvalid bool

	// Brokers are the Kafka bootstrap addresses, host:port. Required.
	Brokers []string
	// RecordsTopic and FeedbackTopic receive the events. They must exist.
	// Default: DefaultRecordsTopic, DefaultFeedbackTopic.
	RecordsTopic, FeedbackTopic string
	// BatchSize is the number of messages per Kafka write. Default: 10000.
	BatchSize int
	// Security is how the writer connects: SASL, TLS. Default: plaintext.
	Security kafkaconn.Security

	// ProgressEvery is how often progress is logged. Default: 2s.
	ProgressEvery time.Duration
	// Stdin is read for the file Stdin. Default: os.Stdin.
	Stdin io.Reader
	// Problems receives one line per bad line, `file:line: reason (detail)`.
	// Default: os.Stderr.
	Problems io.Writer
	// Now is the clock of transform's future_timestamp rule. Default: time.Now.
	Now func() time.Time
}

// Validate fills in defaults and reports the first invalid field.
func (c *Config) Validate() error {
	if c.Kind == "" {
		c.Kind = Auto
	}
	if c.Format == "" {
		c.Format = FormatAuto
	}
	if c.RecordsTopic == "" {
		c.RecordsTopic = DefaultRecordsTopic
	}
	if c.FeedbackTopic == "" {
		c.FeedbackTopic = DefaultFeedbackTopic
	}
	if c.BatchSize == 0 {
		c.BatchSize = 10000
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = 2 * time.Second
	}
	if c.Stdin == nil {
		c.Stdin = os.Stdin
	}
	if c.Problems == nil {
		c.Problems = os.Stderr
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if len(c.Files) == 0 {
		return fields.Errorf("Files", nil, "is empty: give at least one export file, or - for standard input")
	}
	stdin := 0
	for _, f := range c.Files {
		if f == Stdin {
			stdin++
		}
	}
	if stdin > 1 {
		return fields.Errorf("Files", nil, "name standard input (-) %d times; it can be read only once", stdin)
	}
	switch c.Kind {
	case Auto, Records, Feedback:
	default:
		return fields.Errorf("Kind", strconv.Quote(string(c.Kind)), "must be auto, records or feedback")
	}
	switch c.Format {
	case FormatAuto, FormatJSONL, FormatCSV:
	default:
		return fields.Errorf("Format", strconv.Quote(string(c.Format)), "must be auto, jsonl or csv")
	}
	if len(c.Brokers) == 0 {
		return fields.Errorf("Brokers", nil, "is empty: give at least one Kafka address host:port")
	}
	if c.RecordsTopic == c.FeedbackTopic {
		return fields.Errorf("FeedbackTopic", strconv.Quote(c.FeedbackTopic), "must differ from {RecordsTopic}")
	}
	if c.BatchSize < 1 || c.BatchSize > 1_000_000 {
		return fields.Errorf("BatchSize", c.BatchSize, "must be between 1 and 1000000")
	}
	if c.ProgressEvery < 0 {
		return fields.Errorf("ProgressEvery", c.ProgressEvery, "must not be negative")
	}
	return c.Security.Validate()
}
