package main

import "servicepulse/ingest"

// topicFlags are the Kafka topic names, shared by gen, ingest and lag.
type topicFlags struct {
	records, feedback, dlq string
	partitions             int
}

// register registers every topic flag: the topics' names and the partitions
// of those servicepulse creates.
func (t *topicFlags) register(fs *flagSet) {
	t.registerSources(fs)
	fs.StringVar(&t.dlq, "dlq-topic", ingest.DefaultConfig().DLQTopic, "dead-letter topic for rejected messages")
	fs.IntVar(&t.partitions, "partitions", 4, "partitions of topics servicepulse creates (existing topics are left alone)")
}

func (t *topicFlags) validate() error {
	if t.partitions < 1 || t.partitions > 1024 {
		return usagef("--partitions %d: must be between 1 and 1024", t.partitions)
	}
	return nil
}

// registerSources registers only the topics ingest reads: records and
// feedback (for a command that neither creates topics nor writes the DLQ).
func (t *topicFlags) registerSources(fs *flagSet) {
	d := ingest.DefaultConfig()
	fs.StringVar(&t.records, "records-topic", d.RecordsTopic, "topic of service records")
	fs.StringVar(&t.feedback, "feedback-topic", d.FeedbackTopic, "topic of customer feedback")
}
