package kafkaconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
)

// What Check found wrong. Each error of Check is (errors.Is) exactly one of
// them, so that a program can add what to do in its own terms (a flag).
var (
	// ErrUnreachable: no connection to the address (refused, no route, no
	// answer to the TCP handshake).
	ErrUnreachable = errors.New("kafka unreachable")
	// ErrAuth: the broker refused the user or its password. Never retried.
	ErrAuth = errors.New("kafka refused the SASL credentials")
	// ErrMechanism: the broker does not take the SASL mechanism (or no
	// SASL) on this listener.
	ErrMechanism = errors.New("kafka refused the SASL mechanism")
	// ErrUnknownCA: the broker's certificate is not signed by a trusted CA.
	ErrUnknownCA = errors.New("kafka's certificate is signed by an unknown CA")
	// ErrServerName: the broker's certificate is for other names.
	ErrServerName = errors.New("kafka's certificate is for another name")
	// ErrTLS: another TLS failure (an expired certificate, a client
	// certificate refused, …).
	ErrTLS = errors.New("TLS with kafka failed")
	// ErrNotTLS: TLS was sent to a listener that does not speak it.
	ErrNotTLS = errors.New("kafka does not speak TLS there")
	// ErrNoAnswer: the broker closed the connection or did not answer a
	// plain request: typically a TLS or SASL listener spoken to without.
	ErrNoAnswer = errors.New("kafka closed the connection or did not answer")
)

// CheckTimeout bounds the check of one address: TCP, TLS and SASL
// handshakes and a metadata request together.
const CheckTimeout = 5 * time.Second

// Error is a failed check of one broker address.
type Error struct {
	Addr string // host:port checked
	Kind error  // one of the Err* sentinels
	Err  error  // the cause, if any
	msg  string
}

func (e *Error) Error() string { return e.msg }

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func failf(addr string, kind, cause error, format string, args ...any) *Error {
	return &Error{Addr: addr, Kind: kind, Err: cause, msg: "kafka at " + addr + " " + fmt.Sprintf(format, args...)}
}

// Check connects to the brokers as sec says, before any consuming or
// producing, so that a wrong password, an unknown CA or TLS spoken to the
// wrong listener fails at once with a sentence naming the broker and the
// cause (an *Error), instead of kafka-go's retries, which are endless for a
// reader. It tries the addresses in turn, each within CheckTimeout: a TCP
// connection, the TLS handshake, the SASL authentication and a metadata
// request, over the TLS configuration and SASL mechanism that every client
// of sec uses. The first address that passes ends the check. An address
// that refuses connections or does not answer leaves the next one to try
// (a broker of a cluster may be down); a refused credential, certificate or
// protocol ends the check, since every broker shares them.
func Check(ctx context.Context, brokers []string, sec Security) error {
	if len(brokers) == 0 {
		return errors.New("check kafka: no address")
	}
	t, m, err := sec.load()
	if err != nil {
		return err
	}
	var errs []error
	for _, addr := range brokers {
		err := checkAddr(ctx, addr, sec, t, m)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		var e *Error
		if ctx.Err() != nil || !errors.As(err, &e) || (e.Kind != ErrUnreachable && e.Kind != ErrNoAnswer) {
			break
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return fmt.Errorf("no kafka address of %d passed the check: %w", len(brokers), errors.Join(errs...))
}

// checkAddr checks one address, each step classified on its own: an EOF
// means one thing in the TLS handshake and another one after it.
func checkAddr(ctx context.Context, addr string, sec Security, tc *tls.Config, m sasl.Mechanism) error {
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return failf(addr, ErrUnreachable, err, "is not a host:port address")
	}
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return failf(addr, ErrUnreachable, err, "cannot be reached: %v", reason(err))
	}
	conn := raw
	defer func() { conn.Close() }()
	raw.SetDeadline(deadline)
	if tc != nil {
		c := tc.Clone()
		if c.ServerName == "" {
			c.ServerName = host // as kafka-go does
		}
		t := tls.Client(raw, c)
		if err := t.HandshakeContext(ctx); err != nil {
			return tlsFailure(addr, c, sec, err)
		}
		conn = t
	}
	// kafka-go authenticates over the connection made above, and speaks
	// the SASL handshake exactly as for its readers and writers.
	d := &kafka.Dialer{SASLMechanism: m, DialFunc: func(context.Context, string, string) (net.Conn, error) { return conn, nil }}
	kc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return saslFailure(addr, sec, err)
	}
	kc.SetDeadline(deadline)
	if _, err := kc.Brokers(); err != nil {
		return requestFailure(addr, sec, err)
	}
	return nil
}

// tlsFailure classifies a failed TLS handshake.
func tlsFailure(addr string, c *tls.Config, sec Security, err error) error {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		header    tls.RecordHeaderError
		op        *net.OpError
	)
	trust := "a CA this system trusts"
	if sec.CAFile != "" {
		trust = "a CA of CAFile " + sec.CAFile
	}
	switch {
	case errors.As(err, &unknownCA):
		issuer := ""
		if unknownCA.Cert != nil {
			issuer = " (issuer " + strconv.Quote(unknownCA.Cert.Issuer.String()) + ")"
		}
		return failf(addr, ErrUnknownCA, err, "sent a certificate%s that is not signed by %s", issuer, trust)
	case errors.As(err, &hostname):
		names := "no DNS or IP name"
		if hostname.Certificate != nil {
			if all := append(hostname.Certificate.DNSNames, ipStrings(hostname.Certificate.IPAddresses)...); len(all) > 0 {
				names = strings.Join(all, ", ")
			}
		}
		return failf(addr, ErrServerName, err, "sent a certificate for %s, not for %q: connect by one of those names, or set ServerName", names, c.ServerName)
	case errors.As(err, &invalid):
		return failf(addr, ErrTLS, err, "sent a certificate that is not valid: %v", err)
	case errors.As(err, &header):
		return failf(addr, ErrNotTLS, err, "does not speak TLS: it answered the TLS handshake with something else")
	case errors.As(err, &op) && op.Op == "remote error": // the broker's TLS alert
		hint := ""
		if sec.CertFile == "" {
			hint = " (does it want a client certificate?)"
		}
		return failf(addr, ErrTLS, err, "refused the TLS handshake: %v%s", err, hint)
	case closedOrSilent(err):
		return failf(addr, ErrNotTLS, err, "did not complete the TLS handshake (%s): it does not speak TLS on this port", reason(err))
	}
	return failf(addr, ErrTLS, err, "TLS handshake failed: %v", err)
}

// saslFailure classifies a failed SASL authentication.
func saslFailure(addr string, sec Security, err error) error {
	switch {
	case errors.Is(err, kafka.SASLAuthenticationFailed):
		// kafka-go reports the broker closing the connection during the
		// exchange as SASLAuthenticationFailed too: some brokers (kfake)
		// answer a wrong password so.
		return failf(addr, ErrAuth, err, "refused user %q (%s): wrong user or password", sec.User, sec.Mechanism)
	case errors.Is(err, kafka.UnsupportedSASLMechanism):
		return failf(addr, ErrMechanism, err, "does not offer SASL mechanism %s", sec.Mechanism)
	case errors.Is(err, kafka.IllegalSASLState):
		return failf(addr, ErrMechanism, err, "does not expect SASL (%s) on this listener", sec.Mechanism)
	case closedOrSilent(err):
		return failf(addr, ErrNoAnswer, err, "closed the connection or did not answer the SASL handshake (%s): it may expect TLS", reason(err))
	}
	return failf(addr, ErrAuth, err, "SASL authentication of user %q (%s) failed: %v", sec.User, sec.Mechanism, err)
}

// requestFailure classifies a failed metadata request.
func requestFailure(addr string, sec Security, err error) error {
	if closedOrSilent(err) {
		var expect []string
		if !sec.TLS {
			expect = append(expect, "TLS")
		}
		if sec.Mechanism == "" {
			expect = append(expect, "SASL")
		}
		why := ""
		if len(expect) > 0 {
			why = ": it may expect " + strings.Join(expect, " or ")
		}
		return failf(addr, ErrNoAnswer, err, "closed the connection or did not answer (%s)%s", reason(err), why)
	}
	return failf(addr, ErrNoAnswer, err, "failed a metadata request: %v", err)
}

// closedOrSilent reports a connection closed, reset or timed out by the
// other side: what a listener does with bytes of a protocol it does not speak.
func closedOrSilent(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// reason says shortly why a connection ended.
func reason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "no answer within " + CheckTimeout.String()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return "connection closed"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	}
	return err.Error()
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}
