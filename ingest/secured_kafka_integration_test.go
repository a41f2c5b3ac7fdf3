package ingest_test

import (
	"context"
	"testing"
	"time"

	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/pipelinetest"
	"servicepulse/internal/testenv"
	"servicepulse/warehouse"
)

// TestIntegrationSecuredKafkaPipeline runs gen and the ingest pipeline
// through SCRAM-SHA-512 over TLS to the embedded broker: ClickHouse holds
// exactly the generated messages, the rejects as dead letters in the DLQ
// (written through the same security), and the group is caught up.
func TestIntegrationSecuredKafkaPipeline(t *testing.T) {
	addr, sec := testenv.SecuredKafka(t, "sp_ingest")

	s := pipelinetest.NewWith(t, pipelinetest.Options{Brokers: []string{addr}, KafkaSecurity: sec, Partitions: 4})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := generator.Produce(ctx, generator.KafkaConfig{Brokers: s.Brokers, RecordsTopic: s.Config.RecordsTopic,
		FeedbackTopic: s.Config.FeedbackTopic, Security: sec}, generator.Config{Seed: 11, Tickets: 2000, BadRate: 0.02}, s.Log)
	if err != nil {
		t.Fatal(err)
	}
	total := int64(sum.Records + sum.Feedback + sum.Malformed)
	tot := s.Ingest(t)
	if tot.Consumed != total || tot.Rejected != int64(sum.Malformed) || tot.Lag != 0 {
		t.Errorf("ingest totals %+v: want %d consumed, %d rejected, lag 0", tot, total, sum.Malformed)
	}
	st, err := warehouse.ReadStats(ctx, s.Conn)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != uint64(sum.Records) || st.Feedback != uint64(sum.Feedback) || st.Rejected != uint64(sum.Malformed) {
		t.Errorf("stored events/feedback/rejects = %d/%d/%d, generated %d/%d/%d",
			st.Events, st.Feedback, st.Rejected, sum.Records, sum.Feedback, sum.Malformed)
	}
	dlq, err := ingest.NewSecureLagReader(s.Brokers, sec, s.Config.Group+"-dlq", 10*time.Second, s.Config.DLQTopic)
	if err != nil {
		t.Fatal(err)
	}
	defer dlq.Close()
	// A dead letter may be written twice across retries, never lost.
	if l, err := dlq.Lag(ctx); err != nil || l.Total < int64(sum.Malformed) {
		t.Errorf("dead letters: %+v, %v; want at least %d", l, err, sum.Malformed)
	}
}
