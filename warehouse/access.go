package warehouse

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/ClickHouse/clickhouse-go/v2"

	"servicepulse/internal/fields"
)

// Access is how a client proves who it is to ClickHouse and checks that the
// server is the one it meant. The user, and TLS itself, are the DSN's
// (user@host, ?secure=true); the password is the DSN's or PasswordFile's.
type Access struct {
	// PasswordFile holds the password (one line; a trailing newline is
	// dropped), for a DSN without one: a password in a command line is
	// readable by every user of the machine.
	PasswordFile string
	// TLSCAFile is the PEM file of the certificate authority that signed the
	// server's certificate. Empty: the system's roots. Needs secure=true.
	TLSCAFile string
	// TLSCertFile and TLSKeyFile are a client certificate and its key, for a
	// server that asks for one. Both or neither. Need secure=true.
	TLSCertFile, TLSKeyFile string
}

func (a Access) validate(secure bool) error {
	switch {
	case !secure && (a.TLSCAFile != "" || a.TLSCertFile != "" || a.TLSKeyFile != ""):
		return fields.Errorf("TLSCAFile", nil, "and the other TLS files need TLS: add secure=true to the DSN (and use the server's secure native port, usually 9440)")
	case (a.TLSCertFile == "") != (a.TLSKeyFile == ""):
		return fields.Errorf("TLSCertFile", nil, "and {TLSKeyFile} go together: give both or neither")
	}
	for _, f := range []struct{ field, path string }{{"PasswordFile", a.PasswordFile}, {"TLSCAFile", a.TLSCAFile}, {"TLSCertFile", a.TLSCertFile}, {"TLSKeyFile", a.TLSKeyFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return fields.Errorf(f.field, f.path, "cannot be read: %v", errors.Unwrap(err))
		}
	}
	return nil
}

// apply sets the password and TLS of opts, parsed from a DSN.
func (a Access) apply(opts *clickhouse.Options, log *slog.Logger) error {
	if a.PasswordFile != "" {
		if opts.Auth.Password != "" {
			return fields.Errorf("PasswordFile", a.PasswordFile, "is given, and the DSN has a password too: keep one")
		}
		b, err := os.ReadFile(a.PasswordFile)
		if err != nil {
			return fields.Errorf("PasswordFile", a.PasswordFile, "cannot be read: %v", errors.Unwrap(err))
		}
		opts.Auth.Password = strings.TrimRight(string(b), "\r\n")
		if opts.Auth.Password == "" {
			return fields.Errorf("PasswordFile", a.PasswordFile, "is empty")
		}
	}
	if opts.TLS == nil {
		return nil
	}
	if opts.TLS.InsecureSkipVerify {
		log.Warn("!!! TLS WITHOUT VERIFICATION: skip_verify=true in the ClickHouse DSN accepts any certificate, so anyone between here and the server can read and change the data and the password; give the server's CA instead !!!")
	}
	opts.TLS.MinVersion = tls.VersionTLS12
	if a.TLSCAFile != "" {
		pem, err := os.ReadFile(a.TLSCAFile)
		if err != nil {
			return fields.Errorf("TLSCAFile", a.TLSCAFile, "cannot be read: %v", errors.Unwrap(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fields.Errorf("TLSCAFile", a.TLSCAFile, "holds no PEM certificate")
		}
		opts.TLS.RootCAs = pool
	}
	if a.TLSCertFile != "" {
		pair, err := tls.LoadX509KeyPair(a.TLSCertFile, a.TLSKeyFile)
		if err != nil {
			return fields.Errorf("TLSCertFile", a.TLSCertFile, "and {TLSKeyFile} are not a certificate and its key: %v", err)
		}
		opts.TLS.Certificates = []tls.Certificate{pair}
	}
	return nil
}

// ErrTLS marks a connection that failed in its TLS handshake or because one
// side spoke TLS and the other did not.
var ErrTLS = errors.New("TLS failed")

// ErrAuth marks a server that refused the user or its password.
var ErrAuth = errors.New("refused the user or its password")

// explain says, for an error of the first connection to addr, what went
// wrong in terms of what to fix. It returns nil when it knows nothing more.
func explain(addr string, secure bool, err error) error {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		header    tls.RecordHeaderError
		ex        *clickhouse.Exception
	)
	switch {
	case errors.As(err, &ex) && (ex.Code == 192 || ex.Code == 193 || ex.Code == 194 || ex.Code == 516): // unknown user, wrong password, password required, authentication failed
		return fmt.Errorf("clickhouse at %s %w (code %d: %s): check the DSN's user and the password", addr, ErrAuth, ex.Code, ex.Message)
	case errors.As(err, &unknownCA):
		return fmt.Errorf("clickhouse at %s: %w: its certificate is not signed by the CA given (or by a system root); give the CA that signed it", addr, ErrTLS)
	case errors.As(err, &hostname):
		return fmt.Errorf("clickhouse at %s: %w: its certificate is for %v, not for this host", addr, ErrTLS, hostname.Certificate.DNSNames)
	case errors.As(err, &header):
		return fmt.Errorf("clickhouse at %s: %w: the server does not speak TLS on this port; drop secure=true, or use its secure native port (tcp_port_secure, usually 9440)", addr, ErrTLS)
	}
	var ne net.Error
	// A TLS port that gets a plaintext hello resets the connection, closes
	// it, answers with a TLS alert (an "unexpected packet" to the client) or
	// waits for a ClientHello until the read timeout.
	eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		strings.Contains(err.Error(), "unexpected packet")
	if !secure && (errors.As(err, &ne) && ne.Timeout() || eof) {
		return fmt.Errorf("clickhouse at %s: %w: the server closed the connection or did not answer the handshake; a TLS port (usually 9440) needs secure=true in the DSN", addr, ErrTLS)
	}
	return nil
}
