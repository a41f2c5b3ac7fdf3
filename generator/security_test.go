package generator

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"servicepulse/internal/fields"
	"servicepulse/internal/kafkaconn"
)

// TestKafkaConfigSecurity: KafkaConfig validates its Security, naming the
// field as the config holds it, and Produce refuses one it cannot load
// before any message is generated.
func TestKafkaConfigSecurity(t *testing.T) {
	kc := KafkaConfig{Brokers: []string{"127.0.0.1:9092"},
		Security: kafkaconn.Security{Mechanism: kafkaconn.ScramSHA512, User: "gen", Password: "gen-s3cret", TLS: true, CAFile: filepath.Join(t.TempDir(), "none.pem")}}
	err := kc.Validate()
	var fe *fields.Error
	if !errors.As(err, &fe) || fe.Field != "Security.CAFile" || strings.Contains(err.Error(), "gen-s3cret") {
		t.Fatalf("Validate: %v, want a Security.CAFile error without the password", err)
	}
	if _, perr := Produce(context.Background(), kc, Config{Tickets: 1}, nil); perr == nil || perr.Error() != err.Error() {
		t.Errorf("Produce: %v, want %v", perr, err)
	}
	kc.Security.CAFile = ""
	if err := kc.Validate(); err != nil {
		t.Errorf("Validate with the system's CAs: %v", err)
	}
}
