package ingest_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"servicepulse/broker"
	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/kafkaconn"
	"servicepulse/internal/pipelinetest"
	"servicepulse/warehouse"
)

// TestIntegrationSecuredKafkaPipeline runs gen and the ingest pipeline
// through SCRAM-SHA-512 over TLS to the embedded broker: ClickHouse holds
// exactly the generated messages, the rejects as dead letters in the DLQ
// (written through the same security), and the group is caught up.
func TestIntegrationSecuredKafkaPipeline(t *testing.T) {
	dir := t.TempDir()
	certs, err := broker.WriteDevCertificates(dir)
	if err != nil {
		t.Fatal(err)
	}
	pw := make([]byte, 12)
	if _, err := rand.Read(pw); err != nil {
		t.Fatal(err)
	}
	sec := kafkaconn.Security{Mechanism: kafkaconn.ScramSHA512, User: "sp_ingest", Password: "pw-" + hex.EncodeToString(pw),
		TLS: true, CAFile: certs.CAFile}
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte("sp_ingest:"+sec.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := broker.Start(broker.Config{Addr: "127.0.0.1:0", SASLUsersFile: users, TLSCertFile: certs.CertFile, TLSKeyFile: certs.KeyFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)

	s := pipelinetest.NewWith(t, pipelinetest.Options{Brokers: []string{b.Addr()}, KafkaSecurity: sec, Partitions: 4})
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
