package cli

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"

	"servicepulse/internal/kafkaconn"
)

// PasswordEnv holds the Kafka SASL password when --kafka-password-file is
// not given: a secret comes from a file or the environment, never from the
// command line, where any user of the machine can read it.
const PasswordEnv = "SERVICEPULSE_KAFKA_PASSWORD"

// kafkaSecurityFlags are how every Kafka client of a command connects:
// SASL and TLS, part of KafkaFlags.
type kafkaSecurityFlags struct {
	fs                                 *FlagSet // to name the flags in Validate's errors
	mechanism, user, passwordFile      string
	tls                                bool
	caFile, certFile, keyFile, sniName string
}

// register adds the SASL and TLS flags, each with its variable, and tells
// fs which field of kafkaconn.Security each sets.
func (s *kafkaSecurityFlags) register(fs *FlagSet) {
	s.fs = fs
	str := func(p *string, name, env, field, usage string) {
		fs.StringVar(p, name, "", usage)
		fs.Env(name, env)
		fs.Field(field, name)
	}
	str(&s.mechanism, "kafka-sasl-mechanism", "SERVICEPULSE_KAFKA_SASL_MECHANISM", "Security.Mechanism",
		"Kafka SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (empty: no SASL)")
	fs.Check("kafka-sasl-mechanism", func(v string) error {
		if v == "" || slices.Contains(kafkaconn.Mechanisms, strings.ToUpper(v)) {
			return nil
		}
		return errors.New("want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	})
	str(&s.user, "kafka-user", "SERVICEPULSE_KAFKA_USER", "Security.User", "Kafka SASL user")
	str(&s.passwordFile, "kafka-password-file", "SERVICEPULSE_KAFKA_PASSWORD_FILE", "Security.Password",
		"file holding the Kafka SASL password (its first line); else $"+PasswordEnv)
	fs.ReadsEnv(PasswordEnv, "the Kafka SASL password, unless --kafka-password-file is set", true)
	fs.BoolVar(&s.tls, "kafka-tls", false, "connect to Kafka over TLS")
	fs.Env("kafka-tls", "SERVICEPULSE_KAFKA_TLS")
	fs.Field("Security.TLS", "kafka-tls")
	str(&s.caFile, "kafka-tls-ca", "SERVICEPULSE_KAFKA_TLS_CA", "Security.CAFile",
		"PEM file of the CAs that sign the Kafka brokers' certificates (empty: the system's); needs --kafka-tls")
	str(&s.certFile, "kafka-tls-cert", "SERVICEPULSE_KAFKA_TLS_CERT", "Security.CertFile",
		"PEM client certificate, for brokers that authenticate clients by certificate; needs --kafka-tls-key")
	str(&s.keyFile, "kafka-tls-key", "SERVICEPULSE_KAFKA_TLS_KEY", "Security.KeyFile", "PEM key of --kafka-tls-cert")
	str(&s.sniName, "kafka-tls-server-name", "SERVICEPULSE_KAFKA_TLS_SERVER_NAME", "Security.ServerName",
		"name the brokers' certificates must carry (empty: the host of each address)")
}

// Security is how the command's Kafka clients connect, as the flags say,
// with the password read from --kafka-password-file or $SERVICEPULSE_KAFKA_PASSWORD,
// and validated (files read): a usage error names the flag to fix.
func (k *KafkaFlags) Security() (kafkaconn.Security, error) {
	return k.security.read(os.Getenv)
}

// Checked is Security, then checked against the brokers (kafkaconn.Check):
// for a command that has nothing else to validate first.
func (k *KafkaFlags) Checked(ctx context.Context) (kafkaconn.Security, error) {
	sec, err := k.Security()
	if err != nil {
		return sec, err
	}
	return sec, kafkaconn.Check(ctx, k.BrokerList(), sec)
}

func (s *kafkaSecurityFlags) read(getenv func(string) string) (kafkaconn.Security, error) {
	sec := kafkaconn.Security{
		Mechanism: strings.ToUpper(s.mechanism), User: s.user,
		TLS: s.tls, CAFile: s.caFile, CertFile: s.certFile, KeyFile: s.keyFile, ServerName: s.sniName,
	}
	if s.passwordFile != "" {
		b, err := os.ReadFile(s.passwordFile)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return sec, Usagef("--kafka-password-file %q: cannot be read: %v", s.passwordFile, err)
		}
		// The first line: a file written by `echo` ends in a newline that
		// is no part of the password.
		sec.Password, _, _ = strings.Cut(string(b), "\n")
		sec.Password = strings.TrimSuffix(sec.Password, "\r")
		if sec.Password == "" {
			return sec, Usagef("--kafka-password-file %q: the first line is empty; it holds the password", s.passwordFile)
		}
	} else {
		sec.Password = getenv(PasswordEnv)
	}
	if sec.Mechanism != "" && sec.User != "" && sec.Password == "" {
		return sec, Usagef("--kafka-sasl-mechanism %s needs the password of --kafka-user %q: put it in a file named by --kafka-password-file, or in $%s",
			sec.Mechanism, sec.User, PasswordEnv)
	}
	if sec.Mechanism == "" && sec.User == "" && sec.Password != "" && s.passwordFile == "" {
		// An exported variable meant for another command: not an error,
		// but not used either (kafkaconn would refuse a lone password).
		sec.Password = ""
	}
	if err := sec.Validate(); err != nil {
		if s.fs != nil {
			return sec, s.fs.Invalid(err)
		}
		return sec, UsageError{err.Error()}
	}
	return sec, nil
}

// ExitWith is err ending the process with status code, its chain (and so
// the App's hints) kept, unlike an ExitStatus, which holds a message only.
func ExitWith(code int, err error) error {
	if err == nil {
		return nil
	}
	return exitWith{code, err}
}

type exitWith struct {
	code int
	err  error
}

func (e exitWith) Error() string { return e.err.Error() }
func (e exitWith) Unwrap() error { return e.err }

// As makes ExitCode find the status.
func (e exitWith) As(target any) bool {
	if t, ok := target.(*ExitStatus); ok {
		*t = ExitStatus{Code: e.code, Msg: e.err.Error()}
		return true
	}
	return false
}
