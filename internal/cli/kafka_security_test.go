package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"servicepulse/broker"
	"servicepulse/internal/kafkaconn"
)

const testPassword = "Kafka-s3cret-pw"

// parseKafka parses args and env (a map standing for the environment)
// into KafkaFlags and reads their Security.
func parseKafka(t *testing.T, args []string, env map[string]string) (kafkaconn.Security, error) {
	t.Helper()
	var k KafkaFlags
	fs := (&App{Name: "test"}).NewFlagSet("test", "", &k)
	getenv := func(v string) string { return env[v] }
	if _, err := fs.ParseEnv(args, getenv); err != nil {
		return kafkaconn.Security{}, err
	}
	return k.security.read(getenv)
}

func TestKafkaSecurityFlags(t *testing.T) {
	certs, err := broker.WriteDevCertificates(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	emptyFile := filepath.Join(dir, "empty")
	for path, text := range map[string]string{pwFile: testPassword + "\n", emptyFile: "\n"} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	scram := []string{"--kafka-sasl-mechanism", "SCRAM-SHA-512", "--kafka-user", "alice"}
	pwEnv := map[string]string{PasswordEnv: testPassword}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want kafkaconn.Security
		err  string // "" for valid; else in the usage error
	}{
		{"none", nil, nil, kafkaconn.Security{}, ""},
		{"password from the file, first line only", append(scram, "--kafka-password-file", pwFile), nil,
			kafkaconn.Security{Mechanism: "SCRAM-SHA-512", User: "alice", Password: testPassword}, ""},
		{"password from the environment", scram, pwEnv,
			kafkaconn.Security{Mechanism: "SCRAM-SHA-512", User: "alice", Password: testPassword}, ""},
		{"the file wins over the environment", append(scram, "--kafka-password-file", pwFile), map[string]string{PasswordEnv: "other"},
			kafkaconn.Security{Mechanism: "SCRAM-SHA-512", User: "alice", Password: testPassword}, ""},
		{"everything from the environment", nil, map[string]string{
			"SERVICEPULSE_KAFKA_SASL_MECHANISM": "plain", "SERVICEPULSE_KAFKA_USER": "bob", PasswordEnv: testPassword,
			"SERVICEPULSE_KAFKA_TLS": "true", "SERVICEPULSE_KAFKA_TLS_CA": certs.CAFile, "SERVICEPULSE_KAFKA_TLS_SERVER_NAME": "kafka.local",
			"SERVICEPULSE_KAFKA_TLS_CERT": certs.ClientCertFile, "SERVICEPULSE_KAFKA_TLS_KEY": certs.ClientKeyFile},
			kafkaconn.Security{Mechanism: "PLAIN", User: "bob", Password: testPassword, TLS: true, CAFile: certs.CAFile,
				CertFile: certs.ClientCertFile, KeyFile: certs.ClientKeyFile, ServerName: "kafka.local"}, ""},
		{"TLS flags", []string{"--kafka-tls", "--kafka-tls-ca", certs.CAFile}, nil, kafkaconn.Security{TLS: true, CAFile: certs.CAFile}, ""},
		{"a password in the environment alone is not used", nil, pwEnv, kafkaconn.Security{}, ""},
		{"unknown mechanism", []string{"--kafka-sasl-mechanism", "GSSAPI"}, nil, kafkaconn.Security{},
			`--kafka-sasl-mechanism "GSSAPI": want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`},
		{"no password", scram, nil, kafkaconn.Security{},
			`--kafka-sasl-mechanism SCRAM-SHA-512 needs the password of --kafka-user "alice": put it in a file named by --kafka-password-file, or in $SERVICEPULSE_KAFKA_PASSWORD`},
		{"unreadable password file", append(scram, "--kafka-password-file", filepath.Join(dir, "none")), nil, kafkaconn.Security{},
			"cannot be read: no such file or directory"},
		{"empty password file", append(scram, "--kafka-password-file", emptyFile), nil, kafkaconn.Security{}, "the first line is empty"},
		{"mechanism without user", []string{"--kafka-sasl-mechanism", "PLAIN"}, pwEnv, kafkaconn.Security{},
			"--kafka-user: is empty: SASL --kafka-sasl-mechanism PLAIN needs a user"},
		{"user without mechanism", []string{"--kafka-user", "alice"}, pwEnv, kafkaconn.Security{},
			`--kafka-user "alice": is set but --kafka-sasl-mechanism is empty`},
		{"password file without user", []string{"--kafka-password-file", pwFile}, nil, kafkaconn.Security{},
			"--kafka-password-file: is set but --kafka-user is empty"},
		{"CA without TLS", []string{"--kafka-tls-ca", certs.CAFile}, nil, kafkaconn.Security{},
			"--kafka-tls-ca " + `"` + certs.CAFile + `": is set but --kafka-tls is off`},
		{"cert without key", []string{"--kafka-tls", "--kafka-tls-cert", certs.ClientCertFile}, nil, kafkaconn.Security{},
			"--kafka-tls-key: is empty: the client certificate --kafka-tls-cert needs its key"},
		{"unreadable CA", []string{"--kafka-tls", "--kafka-tls-ca", filepath.Join(dir, "none.pem")}, nil, kafkaconn.Security{},
			"--kafka-tls-ca " + `"` + filepath.Join(dir, "none.pem") + `": cannot be read`},
		{"bad TLS variable", nil, map[string]string{"SERVICEPULSE_KAFKA_TLS": "maybe"}, kafkaconn.Security{},
			"$SERVICEPULSE_KAFKA_TLS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseKafka(t, c.args, c.env)
			if c.err != "" {
				var u UsageError
				if err == nil || !errors.As(err, &u) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want a usage error saying %q", err, c.err)
				}
				if strings.Contains(err.Error(), testPassword) {
					t.Errorf("error %q holds the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("security %s (password %t), want %s (password %t)", got, got.Password == testPassword, c.want, c.want.Password == testPassword)
			}
		})
	}
}

// TestKafkaSecurityHelp: every flag of the contract is in the help,
// with its variable; the password's variable is listed and its value never
// shown.
func TestKafkaSecurityHelp(t *testing.T) {
	var k KafkaFlags
	fs := (&App{Name: "test"}).NewFlagSet("test", "", &k)
	var b bytes.Buffer
	fs.PrintHelp(&b, func(v string) string {
		if v == PasswordEnv {
			return testPassword
		}
		return ""
	})
	help := b.String()
	for _, want := range []string{"--kafka-sasl-mechanism string", "--kafka-user string", "(env $SERVICEPULSE_KAFKA_USER)",
		"--kafka-password-file string", "--kafka-tls\n", "--kafka-tls-ca string", "--kafka-tls-cert string", "--kafka-tls-key string",
		"--kafka-tls-server-name string", "$SERVICEPULSE_KAFKA_PASSWORD\n", "set; never shown"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, testPassword) {
		t.Error("help shows the password")
	}
	if fs.Lookup("kafka-password") != nil {
		t.Error("a --kafka-password flag would put the password on the command line")
	}
}

func TestExitWith(t *testing.T) {
	cause := errors.New("kafka at h:1 refused")
	a := &App{Hints: []Hint{{Err: cause, Text: "check it"}}}
	err := a.hint(ExitWith(2, fmt.Errorf("lag: %w", cause)))
	if ExitCode(err) != 2 || !errors.Is(err, cause) || err.Error() != "lag: kafka at h:1 refused; check it" {
		t.Errorf("ExitWith: code %d, message %q, is cause %t", ExitCode(err), err, errors.Is(err, cause))
	}
	if ExitWith(2, nil) != nil {
		t.Error("ExitWith(2, nil) is not nil")
	}
}
