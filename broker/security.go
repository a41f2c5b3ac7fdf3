package broker

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/twmb/franz-go/pkg/kfake"

	"servicepulse/internal/fields"
)

// User is a SASL user of the broker.
type User struct {
	Name     string
	Password string `json:"-"`
}

// String names the user, never the password.
func (u User) String() string { return u.Name }

// Format prints String whatever the verb, so that no format prints the password.
func (u User) Format(f fmt.State, _ rune) { io.WriteString(f, u.Name) }

// saslMechanisms are those every user gets.
var saslMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// ReadUsers reads a SASL users file: one USER:PASSWORD a line, the password
// everything after the first colon (but a line's ending CR); blank lines
// and lines starting with # are skipped. A bad line is an error naming
// path:line, never echoing the line, which may hold a password.
func ReadUsers(path string) ([]User, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseUsers(bytes.NewReader(b), path)
}

func parseUsers(r io.Reader, name string) ([]User, error) {
	var users []User
	first := map[string]int{} // user → the line it is on
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		user, pass, ok := strings.Cut(line, ":")
		user = strings.TrimSpace(user)
		switch {
		case !ok:
			return nil, fmt.Errorf("%s:%d: want USER:PASSWORD", name, n)
		case user == "":
			return nil, fmt.Errorf("%s:%d: no user before the colon", name, n)
		case strings.ContainsAny(user, " \t,="):
			// SCRAM writes the user as n=USER,…: a comma or an equals
			// sign would need escaping that not every client does.
			return nil, fmt.Errorf("%s:%d: user %q: a user has no space, comma or equals sign", name, n, user)
		case pass == "":
			return nil, fmt.Errorf("%s:%d: user %q has an empty password", name, n, user)
		}
		if at, dup := first[user]; dup {
			return nil, fmt.Errorf("%s:%d: user %q again (first on line %d)", name, n, user, at)
		}
		first[user] = n
		users = append(users, User{Name: user, Password: pass})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("%s: no user (want lines USER:PASSWORD)", name)
	}
	return users, nil
}

// security is the broker's SASL users and TLS certificate, as read from
// the files of a Config.
type security struct {
	users []User
	cert  *tls.Certificate
}

// loadSecurity reads the files of c; errors name c's fields.
func (c *Config) loadSecurity() (security, error) {
	var s security
	if c.SASLUsersFile != "" {
		users, err := ReadUsers(c.SASLUsersFile)
		if err != nil {
			return s, fields.Errorf("SASLUsersFile", nil, "%v", unwrapPath(err, c.SASLUsersFile))
		}
		s.users = users
	}
	switch {
	case c.TLSCertFile != "" && c.TLSKeyFile == "":
		return s, fields.Errorf("TLSKeyFile", nil, "is empty: the certificate {TLSCertFile} needs its key")
	case c.TLSKeyFile != "" && c.TLSCertFile == "":
		return s, fields.Errorf("TLSCertFile", nil, "is empty: the key {TLSKeyFile} needs its certificate")
	case c.TLSCertFile != "":
		pair, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = fmt.Errorf("%s: %w", pe.Path, pe.Err)
			}
			return s, fields.Errorf("TLSCertFile", strconv.Quote(c.TLSCertFile), "and {TLSKeyFile} %q are not a PEM certificate and its key: %v", c.TLSKeyFile, err)
		}
		s.cert = &pair
	}
	return s, nil
}

// unwrapPath writes an *os.PathError of path as "path: cause".
func unwrapPath(err error, path string) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", path, pe.Err)
	}
	return err
}

// tlsConfig is the listeners' TLS configuration; nil without a certificate.
func (s security) tlsConfig() *tls.Config {
	if s.cert == nil {
		return nil
	}
	return &tls.Config{Certificates: []tls.Certificate{*s.cert}, MinVersion: tls.VersionTLS12}
}

// opts are the kfake options of s: SASL with every user a superuser under
// each mechanism (no ACLs: a development broker), and TLS.
func (s security) opts() []kfake.Opt {
	var opts []kfake.Opt
	if len(s.users) > 0 {
		opts = append(opts, kfake.EnableSASL())
		for _, u := range s.users {
			for _, m := range saslMechanisms {
				opts = append(opts, kfake.Superuser(m, u.Name, u.Password))
			}
		}
	}
	if t := s.tlsConfig(); t != nil {
		opts = append(opts, kfake.TLS(t))
	}
	return opts
}

// clientTransport is how the broker's own client (the session reaper)
// reaches its listeners: as the first user, over TLS that trusts exactly
// the broker's own certificate, whatever name it carries.
func (s security) clientTransport(t *kafka.Transport) {
	if len(s.users) > 0 {
		t.SASL = plain.Mechanism{Username: s.users[0].Name, Password: s.users[0].Password}
	}
	if s.cert != nil {
		own := s.cert.Certificate[0]
		t.TLS = &tls.Config{
			MinVersion: tls.VersionTLS12,
			// Verified below: the listener must present this very
			// certificate, which a CA and host name could only
			// approximate for an address such as 0.0.0.0.
			InsecureSkipVerify: true,
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 || !bytes.Equal(raw[0], own) {
					return errors.New("the listener presented another certificate than the broker's own")
				}
				return nil
			},
		}
	}
}
