package kafkaconn_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"servicepulse/broker"
	"servicepulse/internal/kafkaconn"
	"servicepulse/internal/testenv"
)

// failWithin is the bound on a failed check: it must end within
// seconds, never retry forever.
const failWithin = 10 * time.Second

// secureBroker is an embedded broker with a SASL user (alice, password
// Password) and, with tls, TLS from a new CA (Certs).
type secureBroker struct {
	*broker.Broker
	Password string
	Certs    broker.DevCertificates
}

func randomSecret(t *testing.T, prefix string) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

// startBroker starts an embedded broker; sasl adds the user alice, tls a
// certificate for 127.0.0.1 signed by a CA of its own.
func startBroker(t *testing.T, sasl, tls bool) *secureBroker {
	t.Helper()
	dir := t.TempDir()
	sb := &secureBroker{Password: randomSecret(t, "pw-")}
	cfg := broker.Config{Addr: "127.0.0.1:0"}
	if sasl {
		cfg.SASLUsersFile = filepath.Join(dir, "users")
		if err := os.WriteFile(cfg.SASLUsersFile, []byte("# test users\nalice:"+sb.Password+"\nbob:other-"+sb.Password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if tls {
		certs, err := broker.WriteDevCertificates(dir)
		if err != nil {
			t.Fatal(err)
		}
		sb.Certs = certs
		cfg.TLSCertFile, cfg.TLSKeyFile = certs.CertFile, certs.KeyFile
	}
	b, err := broker.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	sb.Broker = b
	return sb
}

// otherCA is the CA file of a CA that signed nothing the brokers serve.
func otherCA(t *testing.T) string {
	c, err := broker.WriteDevCertificates(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c.CAFile
}

func TestCheckPasses(t *testing.T) {
	secured := startBroker(t, true, true)
	plainSASL := startBroker(t, true, false)
	tlsOnly := startBroker(t, false, true)
	plaintext := startBroker(t, false, false)
	tlsWith := func(b *secureBroker, mech string) kafkaconn.Security {
		return kafkaconn.Security{Mechanism: mech, User: "alice", Password: b.Password, TLS: true, CAFile: b.Certs.CAFile}
	}
	cases := []struct {
		name    string
		brokers []string
		sec     kafkaconn.Security
	}{
		{"SCRAM-SHA-512 over TLS", []string{secured.Addr()}, tlsWith(secured, kafkaconn.ScramSHA512)},
		{"SCRAM-SHA-256 over TLS", []string{secured.Addr()}, tlsWith(secured, kafkaconn.ScramSHA256)},
		{"PLAIN over TLS", []string{secured.Addr()}, tlsWith(secured, kafkaconn.Plain)},
		{"TLS with a client certificate", []string{secured.Addr()}, func() kafkaconn.Security {
			s := tlsWith(secured, kafkaconn.ScramSHA512)
			s.CertFile, s.KeyFile = secured.Certs.ClientCertFile, secured.Certs.ClientKeyFile
			return s
		}()},
		{"TLS by the name localhost", []string{strings.Replace(secured.Addr(), "127.0.0.1", "localhost", 1)}, tlsWith(secured, kafkaconn.ScramSHA512)},
		{"SCRAM-SHA-512 in plaintext", []string{plainSASL.Addr()}, kafkaconn.Security{Mechanism: kafkaconn.ScramSHA512, User: "alice", Password: plainSASL.Password}},
		{"TLS without SASL", []string{tlsOnly.Addr()}, kafkaconn.Security{TLS: true, CAFile: tlsOnly.Certs.CAFile}},
		{"plaintext", []string{plaintext.Addr()}, kafkaconn.Security{}},
		{"first address refused, second passes", []string{testenv.FreeAddr(t), secured.Addr()}, tlsWith(secured, kafkaconn.ScramSHA512)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := kafkaconn.Check(context.Background(), c.brokers, c.sec); err != nil {
				t.Fatalf("Check(%v, %s): %v", c.brokers, c.sec, err)
			}
		})
	}
}

// TestCheckFails: each misconfiguration fails within seconds as its
// sentinel, with a message naming the broker's address and the cause, and
// no password in it.
func TestCheckFails(t *testing.T) {
	secured := startBroker(t, true, true)
	plainSASL := startBroker(t, true, false)
	plaintext := startBroker(t, false, false)
	wrong := randomSecret(t, "wrong-")
	good := func(mech string) kafkaconn.Security {
		return kafkaconn.Security{Mechanism: mech, User: "alice", Password: secured.Password, TLS: true, CAFile: secured.Certs.CAFile}
	}
	with := func(s kafkaconn.Security, f func(*kafkaconn.Security)) kafkaconn.Security { f(&s); return s }
	refused := testenv.FreeAddr(t)
	cases := []struct {
		name   string
		addr   string
		sec    kafkaconn.Security
		kind   error
		saying string
	}{
		{"wrong password PLAIN", secured.Addr(), with(good(kafkaconn.Plain), func(s *kafkaconn.Security) { s.Password = wrong }),
			kafkaconn.ErrAuth, `refused user "alice" (PLAIN): wrong user or password`},
		{"wrong password SCRAM-SHA-256", secured.Addr(), with(good(kafkaconn.ScramSHA256), func(s *kafkaconn.Security) { s.Password = wrong }),
			kafkaconn.ErrAuth, `refused user "alice" (SCRAM-SHA-256): wrong user or password`},
		{"wrong password SCRAM-SHA-512", secured.Addr(), with(good(kafkaconn.ScramSHA512), func(s *kafkaconn.Security) { s.Password = wrong }),
			kafkaconn.ErrAuth, `refused user "alice" (SCRAM-SHA-512): wrong user or password`},
		{"another user's password", secured.Addr(), with(good(kafkaconn.ScramSHA512), func(s *kafkaconn.Security) { s.User = "bob" }),
			kafkaconn.ErrAuth, `refused user "bob"`},
		{"unknown user SCRAM", secured.Addr(), with(good(kafkaconn.ScramSHA512), func(s *kafkaconn.Security) { s.User = "mallory" }),
			kafkaconn.ErrAuth, `refused user "mallory"`},
		{"unknown user PLAIN", plainSASL.Addr(), kafkaconn.Security{Mechanism: kafkaconn.Plain, User: "mallory", Password: plainSASL.Password},
			kafkaconn.ErrAuth, `refused user "mallory"`},
		{"CA that did not sign", secured.Addr(), with(good(kafkaconn.ScramSHA512), func(s *kafkaconn.Security) { s.CAFile = otherCA(t) }),
			kafkaconn.ErrUnknownCA, "not signed by a CA of CAFile"},
		{"system CAs only", secured.Addr(), with(good(kafkaconn.ScramSHA512), func(s *kafkaconn.Security) { s.CAFile = "" }),
			kafkaconn.ErrUnknownCA, "not signed by a CA this system trusts"},
		{"server name not in the certificate", secured.Addr(), with(good(kafkaconn.ScramSHA512), func(s *kafkaconn.Security) { s.ServerName = "kafka.example" }),
			kafkaconn.ErrServerName, `not for "kafka.example"`},
		{"plaintext SASL to the TLS listener", secured.Addr(), with(good(kafkaconn.ScramSHA512), func(s *kafkaconn.Security) { s.TLS, s.CAFile = false, "" }),
			kafkaconn.ErrNoAnswer, "it may expect TLS"},
		{"plaintext without SASL to the TLS listener", secured.Addr(), kafkaconn.Security{},
			kafkaconn.ErrNoAnswer, "it may expect TLS or SASL"},
		{"no SASL to a SASL listener", plainSASL.Addr(), kafkaconn.Security{},
			kafkaconn.ErrNoAnswer, "it may expect TLS or SASL"},
		{"TLS to a plaintext listener", plaintext.Addr(), kafkaconn.Security{TLS: true, CAFile: secured.Certs.CAFile},
			kafkaconn.ErrNotTLS, "does not speak TLS"},
		{"TLS and SASL to a plaintext listener", plaintext.Addr(), good(kafkaconn.ScramSHA512),
			kafkaconn.ErrNotTLS, "does not speak TLS"},
		{"nothing listening", refused, good(kafkaconn.ScramSHA512),
			kafkaconn.ErrUnreachable, "connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// Bounded by a deadline, not timed: a check that needs longer
			// ends with the context's error instead of its own.
			ctx, cancel := context.WithTimeout(context.Background(), failWithin)
			defer cancel()
			start := time.Now()
			err := kafkaconn.Check(ctx, []string{c.addr}, c.sec)
			took := time.Since(start)
			if err == nil {
				t.Fatalf("Check(%s, %s) passed", c.addr, c.sec)
			}
			msg := err.Error()
			t.Logf("%s after %s", msg, took.Round(time.Millisecond))
			if !errors.Is(err, c.kind) {
				t.Errorf("error %q is not %v", msg, c.kind)
			}
			if !strings.Contains(msg, "kafka at "+c.addr) || !strings.Contains(msg, c.saying) {
				t.Errorf("error %q: want it to name kafka at %s and say %q", msg, c.addr, c.saying)
			}
			var e *kafkaconn.Error
			if !errors.As(err, &e) || e.Addr != c.addr {
				t.Errorf("error %q: want a *kafkaconn.Error for %s", msg, c.addr)
			}
			for _, secret := range []string{secured.Password, plainSASL.Password, wrong} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q holds a password", msg)
				}
			}
			if ctx.Err() != nil {
				t.Errorf("Check ran into the %s deadline: %v", failWithin, err)
			}
		})
	}
}

// TestCheckStopsAtRefusedCredentials: a refused password is the same on
// every broker, so the next address is not tried; every address down is
// an error naming each.
func TestCheckStopsAtRefusedCredentials(t *testing.T) {
	b := startBroker(t, true, false)
	sec := kafkaconn.Security{Mechanism: kafkaconn.ScramSHA256, User: "alice", Password: "not-" + b.Password}
	err := kafkaconn.Check(context.Background(), []string{b.Addr(), b.Addr()}, sec)
	if !errors.Is(err, kafkaconn.ErrAuth) || strings.Count(err.Error(), "kafka at") != 1 {
		t.Errorf("Check with a wrong password on two addresses: %v, want one ErrAuth", err)
	}
	down := []string{testenv.FreeAddr(t), testenv.FreeAddr(t)}
	err = kafkaconn.Check(context.Background(), down, kafkaconn.Security{})
	if !errors.Is(err, kafkaconn.ErrUnreachable) {
		t.Errorf("Check with every address down: %v, want ErrUnreachable", err)
	}
	for _, a := range down {
		if err == nil || !strings.Contains(err.Error(), a) {
			t.Errorf("error %v does not name %s", err, a)
		}
	}
}
