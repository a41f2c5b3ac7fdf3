package broker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"servicepulse/internal/fields"
)

func TestParseUsers(t *testing.T) {
	const pw = "Secr3t-pw"
	cases := []struct {
		name string
		text string
		want []User
		err  string // "" for valid
	}{
		{"one", "alice:" + pw + "\n", []User{{"alice", pw}}, ""},
		{"comments, blank lines, CRLF", "# users\n\n  alice:" + pw + "\r\n   \n\t# more\nbob:x\n", []User{{"alice", pw}, {"bob", "x"}}, ""},
		{"password with colons and spaces", "alice: a:b c \n", []User{{"alice", " a:b c "}}, ""},
		{"no trailing newline", "alice:" + pw, []User{{"alice", pw}}, ""},
		{"user trimmed", "  alice :" + pw + "\n", []User{{"alice", pw}}, ""},
		{"no colon", "# users\nalice" + pw + "\n", nil, "users.txt:2: want USER:PASSWORD"},
		{"no user", "\n:" + pw + "\n", nil, "users.txt:2: no user before the colon"},
		{"empty password", "alice:\n", nil, `users.txt:1: user "alice" has an empty password`},
		{"comma in user", "al,ice:" + pw + "\n", nil, `users.txt:1: user "al,ice": a user has no space, comma or equals sign`},
		{"user twice", "alice:" + pw + "\nbob:x\nalice:y\n", nil, `users.txt:3: user "alice" again (first on line 1)`},
		{"no user at all", "# nobody\n\n", nil, "users.txt: no user (want lines USER:PASSWORD)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseUsers(strings.NewReader(c.text), "users.txt")
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				if strings.Contains(err.Error(), pw) {
					t.Errorf("error %q echoes the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d users, want %v", len(got), c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("user %d: %q:%q, want %q:%q", i, got[i].Name, got[i].Password, c.want[i].Name, c.want[i].Password)
				}
			}
		})
	}
}

func TestConfigValidateSecurity(t *testing.T) {
	dir := t.TempDir()
	certs, err := WriteDevCertificates(dir)
	if err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(dir, "users")
	bad := filepath.Join(dir, "bad-users")
	for path, text := range map[string]string{users: "alice:pw\n", bad: "alice:pw\nbob\n"} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		cfg   Config
		field string // "" for valid
		says  string
	}{
		{"SASL and TLS", Config{SASLUsersFile: users, TLSCertFile: certs.CertFile, TLSKeyFile: certs.KeyFile}, "", ""},
		{"bad users line", Config{SASLUsersFile: bad}, "SASLUsersFile", bad + ":2: want USER:PASSWORD"},
		{"missing users file", Config{SASLUsersFile: filepath.Join(dir, "none")}, "SASLUsersFile", filepath.Join(dir, "none") + ": no such file or directory"},
		{"certificate without key", Config{TLSCertFile: certs.CertFile}, "TLSKeyFile", "is empty"},
		{"key without certificate", Config{TLSKeyFile: certs.KeyFile}, "TLSCertFile", "is empty"},
		{"key of another certificate", Config{TLSCertFile: certs.CertFile, TLSKeyFile: certs.ClientKeyFile}, "TLSCertFile", "private key does not match public key"},
		{"missing key", Config{TLSCertFile: certs.CertFile, TLSKeyFile: filepath.Join(dir, "none.pem")}, "TLSCertFile", "none.pem: no such file or directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *fields.Error
			if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(err.Error(), c.says) {
				t.Errorf("Validate: %v, want an error of %s saying %q", err, c.field, c.says)
			}
		})
	}
}

// TestSecuredBroker: with SASL users and TLS, a client without them is
// refused, the users' every mechanism is accepted, and the broker's own
// session reaper gets in.
func TestSecuredBroker(t *testing.T) {
	dir := t.TempDir()
	certs, err := WriteDevCertificates(dir)
	if err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte("alice:pw-a\nbob:pw-b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := Start(Config{Addr: "127.0.0.1:0", SASLUsersFile: users, TLSCertFile: certs.CertFile, TLSKeyFile: certs.KeyFile})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	req := &kafka.DescribeGroupsRequest{GroupIDs: []string{"any"}}
	if _, err := b.reaper.client.DescribeGroups(ctx, req); err != nil {
		t.Errorf("the session reaper cannot reach its secured broker: %v", err)
	}
	plain := &kafka.Client{Addr: kafka.TCP(b.Addr()), Timeout: 3 * time.Second, Transport: &kafka.Transport{DialTimeout: time.Second}}
	if _, err := plain.DescribeGroups(ctx, req); err == nil {
		t.Error("a plaintext client without SASL was served by a SASL and TLS broker")
	}
}
