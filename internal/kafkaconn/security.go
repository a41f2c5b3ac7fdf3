package kafkaconn

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"servicepulse/internal/fields"
)

// The SASL mechanisms servicepulse speaks.
const (
	Plain       = "PLAIN"
	ScramSHA256 = "SCRAM-SHA-256"
	ScramSHA512 = "SCRAM-SHA-512"
)

// Mechanisms lists the SASL mechanisms, for help and checks.
var Mechanisms = []string{Plain, ScramSHA256, ScramSHA512}

// Security is how a Kafka client authenticates and encrypts: SASL (a
// mechanism, a user and a password) and TLS (the CA that signed the
// brokers' certificates, an optional client certificate, the name to
// verify). The zero value is plaintext without SASL, as the embedded broker
// speaks by default.
//
// The password is never printed: String, Format and LogValue mask it, and
// JSON leaves it out.
type Security struct {
	// Mechanism is the SASL mechanism: PLAIN, SCRAM-SHA-256 or
	// SCRAM-SHA-512; empty for none.
	Mechanism string
	// User and Password are the SASL credentials, required with Mechanism.
	User     string
	Password string `json:"-"`
	// TLS encrypts the connections. Default: off.
	TLS bool
	// CAFile is a PEM file of the CA certificates that may sign the
	// brokers' certificates; empty: the system's.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and its key, for
	// brokers that authenticate clients by certificate. Both or neither.
	CertFile, KeyFile string
	// ServerName is the name the brokers' certificates must carry; empty:
	// the host of the address dialled.
	ServerName string
}

// field names a field of Security in errors as a config holding it names
// it (ingest.Config.Security, generator.KafkaConfig.Security); the other
// fields a message names are written out ({Security.User}) the same way.
func field(name string) string { return "Security." + name }

// Validate reports the first invalid field, by its Go name (a
// fields.Error, "Security.CAFile: …"). It reads the CA, certificate and
// key files, so that a missing or malformed one is reported before any
// connection. The password is never part of an error.
func (s Security) Validate() error {
	_, _, err := s.load()
	return err
}

// load checks s and builds its TLS configuration (nil without TLS) and its
// SASL mechanism (nil without SASL).
func (s Security) load() (*tls.Config, sasl.Mechanism, error) {
	if err := s.checkSASL(); err != nil {
		return nil, nil, err
	}
	if err := s.checkTLS(); err != nil {
		return nil, nil, err
	}
	t, err := s.tlsConfig()
	if err != nil {
		return nil, nil, err
	}
	m, err := s.mechanism()
	if err != nil {
		return nil, nil, err
	}
	return t, m, nil
}

func (s Security) checkSASL() error {
	switch {
	case s.Mechanism != "" && !slices.Contains(Mechanisms, s.Mechanism):
		return fields.Errorf(field("Mechanism"), strconv.Quote(s.Mechanism), "is not a SASL mechanism: want %s", strings.Join(Mechanisms, ", "))
	case s.Mechanism != "" && s.User == "":
		return fields.Errorf(field("User"), nil, "is empty: SASL {Security.Mechanism} %s needs a user", s.Mechanism)
	case s.Mechanism == "" && s.User != "":
		return fields.Errorf(field("User"), strconv.Quote(s.User), "is set but {Security.Mechanism} is empty: give the SASL mechanism")
	case s.Password != "" && s.User == "":
		return fields.Errorf(field("Password"), nil, "is set but {Security.User} is empty")
	case s.Mechanism != "" && s.Password == "":
		return fields.Errorf(field("Password"), nil, "is empty: SASL needs the password of {Security.User} %q", s.User)
	}
	return nil
}

func (s Security) checkTLS() error {
	if !s.TLS {
		for _, f := range []struct{ name, v string }{{"CAFile", s.CAFile}, {"CertFile", s.CertFile}, {"KeyFile", s.KeyFile}, {"ServerName", s.ServerName}} {
			if f.v != "" {
				return fields.Errorf(field(f.name), strconv.Quote(f.v), "is set but {Security.TLS} is off: turn TLS on, or leave it out")
			}
		}
		return nil
	}
	switch {
	case s.CertFile != "" && s.KeyFile == "":
		return fields.Errorf(field("KeyFile"), nil, "is empty: the client certificate {Security.CertFile} needs its key")
	case s.KeyFile != "" && s.CertFile == "":
		return fields.Errorf(field("CertFile"), nil, "is empty: the key {Security.KeyFile} needs its client certificate")
	}
	return nil
}

// tlsConfig reads the files of s into a TLS configuration: nil without TLS.
func (s Security) tlsConfig() (*tls.Config, error) {
	if !s.TLS {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.ServerName}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fields.Errorf(field("CAFile"), strconv.Quote(s.CAFile), "cannot be read: %v", unwrapPath(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fields.Errorf(field("CAFile"), strconv.Quote(s.CAFile), "holds no PEM certificate")
		}
		c.RootCAs = pool
	}
	if s.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
		if err != nil {
			return nil, fields.Errorf(field("CertFile"), strconv.Quote(s.CertFile), "and {Security.KeyFile} %q are not a PEM certificate and its key: %v",
				s.KeyFile, unwrapPath(err))
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

// unwrapPath drops the path of a *os.PathError: the error already names the file.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// mechanism is the SASL mechanism of s: nil without SASL.
func (s Security) mechanism() (sasl.Mechanism, error) {
	var algo scram.Algorithm
	switch s.Mechanism {
	case "":
		return nil, nil
	case Plain:
		return plain.Mechanism{Username: s.User, Password: s.Password}, nil
	case ScramSHA256:
		algo = scram.SHA256
	case ScramSHA512:
		algo = scram.SHA512
	}
	m, err := scram.Mechanism(algo, s.User, s.Password)
	if err != nil {
		// SASLprep refused the user or the password; its error quotes neither.
		return nil, fields.Errorf(field("User"), strconv.Quote(s.User), "or {Security.Password} cannot be used with %s: %v", s.Mechanism, err)
	}
	return m, nil
}

// Dialer returns a kafka-go dialer (for kafka.Reader and kafka.Conn) that
// connects as s says, each connection (TCP, TLS and SASL) bounded by timeout.
func (s Security) Dialer(timeout time.Duration) (*kafka.Dialer, error) {
	t, m, err := s.load()
	if err != nil {
		return nil, err
	}
	return &kafka.Dialer{Timeout: timeout, DualStack: true, TLS: t, SASLMechanism: m}, nil
}

// Transport returns a kafka-go transport of its own (for kafka.Client) that
// connects as sec says.
func Transport(sec Security) (*kafka.Transport, error) {
	t, m, err := sec.load()
	if err != nil {
		return nil, err
	}
	return &kafka.Transport{TLS: t, SASL: m}, nil
}

// IsZero reports whether s is plaintext without SASL.
func (s Security) IsZero() bool { return s == Security{} }

// String describes s without the password: "SASL SCRAM-SHA-512 as "alice"
// (password set), TLS (CA ca.pem)", or "plaintext".
func (s Security) String() string {
	var parts []string
	if s.Mechanism != "" || s.User != "" {
		p := "SASL " + s.Mechanism + " as " + strconv.Quote(s.User)
		if s.Password != "" {
			p += " (password set)"
		}
		parts = append(parts, p)
	}
	if s.TLS {
		var t []string
		for _, f := range []struct{ name, v string }{{"CA", s.CAFile}, {"client cert", s.CertFile}, {"key", s.KeyFile}, {"server name", s.ServerName}} {
			if f.v != "" {
				t = append(t, f.name+" "+f.v)
			}
		}
		p := "TLS"
		if len(t) > 0 {
			p += " (" + strings.Join(t, ", ") + ")"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "plaintext"
	}
	return strings.Join(parts, ", ")
}

// Format prints String whatever the verb (%v, %+v, %#v, %s, %d…), so that
// no format of a config holding s prints the password.
func (s Security) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue logs s without the password.
func (s Security) LogValue() slog.Value {
	attrs := []slog.Attr{slog.Bool("tls", s.TLS)}
	if s.Mechanism != "" || s.User != "" {
		attrs = append(attrs, slog.String("sasl", s.Mechanism), slog.String("user", s.User), slog.Bool("password_set", s.Password != ""))
	}
	for _, f := range []struct{ name, v string }{{"ca_file", s.CAFile}, {"cert_file", s.CertFile}, {"key_file", s.KeyFile}, {"server_name", s.ServerName}} {
		if f.v != "" {
			attrs = append(attrs, slog.String(f.name, f.v))
		}
	}
	return slog.GroupValue(attrs...)
}

// Warning is a sentence to log loudly when s is unsafe though valid, or "".
// SASL PLAIN sends the password as it is: without TLS anyone on the path
// reads it.
func (s Security) Warning() string {
	if s.Mechanism == Plain && !s.TLS {
		return "!!! SASL PLAIN WITHOUT TLS: the Kafka password crosses the network in clear text; add --kafka-tls, or use SCRAM-SHA-512 !!!"
	}
	return ""
}
