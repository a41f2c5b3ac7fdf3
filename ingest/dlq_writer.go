package ingest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"servicepulse/internal/kafkaconn"
	"servicepulse/transform"
)

// Headers of a dead letter. The value is the original message sealed with a
// key derived from the PII key (transform.SealDLQ): the bytes are kept whole
// for whoever holds the key, and no personal data is readable without it.
const (
	HeaderReason    = "servicepulse-reason"
	HeaderDetail    = "servicepulse-detail"
	HeaderTopic     = "servicepulse-source-topic"
	HeaderPartition = "servicepulse-source-partition"
	HeaderOffset    = "servicepulse-source-offset"
	HeaderSHA256    = "servicepulse-payload-sha256"
	HeaderRedacted  = "servicepulse-redacted"
	HeaderSealed    = "servicepulse-sealed"
	HeaderKey       = "servicepulse-key-sealed"
)

// KafkaDeadLetters publishes rejects to the DLQ topic.
type KafkaDeadLetters struct {
	writer *kafka.Writer
	key    []byte
}

// NewKafkaDeadLetters returns a DLQ publisher to a plaintext Kafka without
// SASL; see NewSecureKafkaDeadLetters.
func NewKafkaDeadLetters(brokers []string, topic string, piiKey []byte) *KafkaDeadLetters {
	tr, _ := kafkaconn.WriterTransport(brokers, kafkaconn.Security{}) // plaintext: no file to read, no error
	return newDeadLetters(brokers, tr, topic, piiKey)
}

// NewSecureKafkaDeadLetters returns a DLQ publisher connecting as sec says
// (SASL, TLS); piiKey seals the payloads. brokers are every bootstrap
// address: the writer bootstraps through any that answers and follows
// partition leaders as they move.
func NewSecureKafkaDeadLetters(brokers []string, sec kafkaconn.Security, topic string, piiKey []byte) (*KafkaDeadLetters, error) {
	tr, err := kafkaconn.WriterTransport(brokers, sec)
	if err != nil {
		return nil, fmt.Errorf("dead-letter writer: %w", err)
	}
	return newDeadLetters(brokers, tr, topic, piiKey), nil
}

func newDeadLetters(brokers []string, tr *kafka.Transport, topic string, piiKey []byte) *KafkaDeadLetters {
	return &KafkaDeadLetters{
		key: piiKey,
		writer: &kafka.Writer{
			Addr:         kafka.TCP(brokers...),
			Transport:    tr,
			Topic:        topic,
			Balancer:     &kafka.Hash{},
			RequiredAcks: kafka.RequireAll,
			BatchSize:    1000,
			BatchTimeout: 5 * time.Millisecond,
			MaxAttempts:  3,
		},
	}
}

// Write publishes the dead letters; see DeadLetters.
func (d *KafkaDeadLetters) Write(ctx context.Context, rejects []transform.Reject, dead []DeadLetter) error {
	msgs := make([]kafka.Message, len(rejects))
	for i, r := range rejects {
		value, err := transform.SealDLQ(d.key, dead[i].Value)
		if err != nil {
			return fmt.Errorf("seal dead letter: %w", err)
		}
		var sealedKey []byte
		if len(dead[i].Key) > 0 {
			if sealedKey, err = transform.SealDLQ(d.key, dead[i].Key); err != nil {
				return fmt.Errorf("seal dead letter key: %w", err)
			}
		}
		msgs[i] = kafka.Message{
			// The source position identifies the message and spreads load;
			// the original key may hold anything, so it is sealed too.
			Key:   []byte(r.Source.Topic + "/" + strconv.Itoa(int(r.Source.Partition)) + "/" + strconv.FormatInt(r.Source.Offset, 10)),
			Value: value,
			Headers: []kafka.Header{
				{Key: HeaderReason, Value: []byte(r.Reason)},
				{Key: HeaderDetail, Value: []byte(r.Detail)},
				{Key: HeaderTopic, Value: []byte(r.Source.Topic)},
				{Key: HeaderPartition, Value: []byte(strconv.Itoa(int(r.Source.Partition)))},
				{Key: HeaderOffset, Value: []byte(strconv.FormatInt(r.Source.Offset, 10))},
				{Key: HeaderSHA256, Value: []byte(r.PayloadSHA256)},
				{Key: HeaderRedacted, Value: []byte(r.Payload)},
				{Key: HeaderSealed, Value: []byte("aes-256-gcm")},
				{Key: HeaderKey, Value: sealedKey},
			},
		}
	}
	if err := d.writer.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("write %d dead letters: %w", len(msgs), err)
	}
	return nil
}

// Close flushes and closes the writer.
func (d *KafkaDeadLetters) Close() error { return d.writer.Close() }
