package kafkaconn_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"servicepulse/broker"
	"servicepulse/internal/fields"
	"servicepulse/internal/kafkaconn"
)

const secret = "s3cret-Passw0rd"

func TestSecurityValidate(t *testing.T) {
	certs, err := broker.WriteDevCertificates(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	scram := kafkaconn.Security{Mechanism: kafkaconn.ScramSHA512, User: "alice", Password: secret}
	tlsOn := kafkaconn.Security{TLS: true, CAFile: certs.CAFile}
	with := func(s kafkaconn.Security, f func(*kafkaconn.Security)) kafkaconn.Security { f(&s); return s }
	cases := []struct {
		name  string
		sec   kafkaconn.Security
		field string // "" for valid
		says  string
	}{
		{"plaintext", kafkaconn.Security{}, "", ""},
		{"PLAIN", with(scram, func(s *kafkaconn.Security) { s.Mechanism = kafkaconn.Plain }), "", ""},
		{"SCRAM-SHA-256", with(scram, func(s *kafkaconn.Security) { s.Mechanism = kafkaconn.ScramSHA256 }), "", ""},
		{"SCRAM-SHA-512 over TLS with a client certificate", with(scram, func(s *kafkaconn.Security) {
			s.TLS, s.CAFile, s.CertFile, s.KeyFile, s.ServerName = true, certs.CAFile, certs.ClientCertFile, certs.ClientKeyFile, "kafka.local"
		}), "", ""},
		{"TLS with the system's CAs", kafkaconn.Security{TLS: true}, "", ""},
		{"unknown mechanism", with(scram, func(s *kafkaconn.Security) { s.Mechanism = "GSSAPI" }), "Security.Mechanism", "is not a SASL mechanism: want PLAIN, SCRAM-SHA-256, SCRAM-SHA-512"},
		{"lower-case mechanism", with(scram, func(s *kafkaconn.Security) { s.Mechanism = "plain" }), "Security.Mechanism", "is not a SASL mechanism"},
		{"mechanism without a user", with(scram, func(s *kafkaconn.Security) { s.User = "" }), "Security.User", "is empty: SASL Security.Mechanism SCRAM-SHA-512 needs a user"},
		{"user without a mechanism", with(scram, func(s *kafkaconn.Security) { s.Mechanism = "" }), "Security.User", "is set but Security.Mechanism is empty"},
		{"password without a user", kafkaconn.Security{Password: secret}, "Security.Password", "is set but Security.User is empty"},
		{"mechanism without a password", with(scram, func(s *kafkaconn.Security) { s.Password = "" }), "Security.Password", `is empty: SASL needs the password of Security.User "alice"`},
		{"CA without TLS", kafkaconn.Security{CAFile: certs.CAFile}, "Security.CAFile", "is set but Security.TLS is off"},
		{"server name without TLS", kafkaconn.Security{ServerName: "kafka.local"}, "Security.ServerName", "is set but Security.TLS is off"},
		{"certificate without a key", with(tlsOn, func(s *kafkaconn.Security) { s.CertFile = certs.ClientCertFile }), "Security.KeyFile", "is empty: the client certificate Security.CertFile needs its key"},
		{"key without a certificate", with(tlsOn, func(s *kafkaconn.Security) { s.KeyFile = certs.ClientKeyFile }), "Security.CertFile", "is empty: the key Security.KeyFile needs its client certificate"},
		{"unreadable CA", with(tlsOn, func(s *kafkaconn.Security) { s.CAFile = missing }), "Security.CAFile", "cannot be read: no such file or directory"},
		{"CA file without a certificate", with(tlsOn, func(s *kafkaconn.Security) { s.CAFile = garbage }), "Security.CAFile", "holds no PEM certificate"},
		{"certificate and a key of another", with(tlsOn, func(s *kafkaconn.Security) { s.CertFile, s.KeyFile = certs.ClientCertFile, certs.KeyFile }), "Security.CertFile", "are not a PEM certificate and its key: tls: private key does not match public key"},
		{"unreadable key", with(tlsOn, func(s *kafkaconn.Security) { s.CertFile, s.KeyFile = certs.ClientCertFile, missing }), "Security.CertFile", "are not a PEM certificate and its key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.sec.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var fe *fields.Error
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("Validate: %v, want an error of field %s", err, c.field)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("Validate: %q, want it to say %q", err, c.says)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Validate: %q holds the password", err)
			}
			// The builders refuse what Validate refuses.
			if _, derr := c.sec.Dialer(time.Second); derr == nil || derr.Error() != err.Error() {
				t.Errorf("Dialer: %v, want %v", derr, err)
			}
			if _, terr := kafkaconn.Transport(c.sec); terr == nil || terr.Error() != err.Error() {
				t.Errorf("Transport: %v, want %v", terr, err)
			}
		})
	}
}

// TestSecurityNeverPrintsThePassword: every format, the log and JSON.
func TestSecurityNeverPrintsThePassword(t *testing.T) {
	sec := kafkaconn.Security{Mechanism: kafkaconn.ScramSHA512, User: "alice", Password: secret, TLS: true, CAFile: "ca.pem"}
	type holder struct {
		Brokers  []string
		Security kafkaconn.Security
	}
	h := holder{[]string{"k:9093"}, sec}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		out = append(out, fmt.Sprintf(verb, sec), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h))
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "security", sec, "cfg", h)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "security", sec, "cfg", h)
	out = append(out, buf.String())
	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(j))
	for _, o := range out {
		if strings.Contains(o, secret) {
			t.Errorf("printed the password: %s", o)
		}
	}
	if got, want := sec.String(), `SASL SCRAM-SHA-512 as "alice" (password set), TLS (CA ca.pem)`; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got := (kafkaconn.Security{}).String(); got != "plaintext" {
		t.Errorf("String of the zero Security = %q, want plaintext", got)
	}
	if !strings.Contains(buf.String(), "security.user=alice") || !strings.Contains(buf.String(), "security.password_set=true") {
		t.Errorf("log %q lacks the user and that a password is set", buf.String())
	}
}

// PLAIN without TLS is allowed, and loudly warned about.
func TestPlainWithoutTLSWarns(t *testing.T) {
	plain := kafkaconn.Security{Mechanism: kafkaconn.Plain, User: "u", Password: "p"}
	if w := plain.Warning(); !strings.Contains(w, "clear text") {
		t.Errorf("PLAIN without TLS: warning %q", w)
	}
	plain.TLS = true
	scram := kafkaconn.Security{Mechanism: kafkaconn.ScramSHA512, User: "u", Password: "p"}
	for _, s := range []kafkaconn.Security{plain, scram, {}} {
		if w := s.Warning(); w != "" {
			t.Errorf("%v: warning %q, want none", s, w)
		}
	}
}
