package main

import (
	"flag"

	"servicepulse/ingest"
)

// topicFlags are the Kafka topic names, shared by gen, ingest, demo and bench.
type topicFlags struct {
	records, feedback, dlq string
	partitions             int
}

func (t *topicFlags) register(fs *flag.FlagSet) {
	d := ingest.DefaultConfig()
	fs.StringVar(&t.records, "records-topic", d.RecordsTopic, "topic of service records")
	fs.StringVar(&t.feedback, "feedback-topic", d.FeedbackTopic, "topic of customer feedback")
	fs.StringVar(&t.dlq, "dlq-topic", d.DLQTopic, "dead-letter topic for rejected messages")
	fs.IntVar(&t.partitions, "partitions", 4, "partitions of topics servicepulse creates (existing topics are left alone)")
}

func (t *topicFlags) validate() error {
	if t.partitions < 1 || t.partitions > 1024 {
		return usagef("--partitions %d: must be between 1 and 1024", t.partitions)
	}
	return nil
}
