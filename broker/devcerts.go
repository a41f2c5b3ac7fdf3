package broker

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// DevCertificates are the PEM files WriteDevCertificates wrote.
type DevCertificates struct {
	CAFile string // the CA's certificate: what clients trust
	// CertFile and KeyFile are the broker's certificate, signed by the CA,
	// and its key (TLSCertFile, TLSKeyFile).
	CertFile, KeyFile string
	// ClientCertFile and ClientKeyFile are a client certificate signed by
	// the CA, and its key.
	ClientCertFile, ClientKeyFile string
}

// WriteDevCertificates makes a new CA in dir, and a server certificate
// signed by it for hosts (names or IP addresses; default 127.0.0.1 and
// localhost), and a client certificate: for development and tests of TLS,
// never for production. Each call makes another CA, so two calls give two
// CAs that do not trust each other's certificates.
func WriteDevCertificates(dir string, hosts ...string) (DevCertificates, error) {
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1", "localhost"}
	}
	d := DevCertificates{
		CAFile:   filepath.Join(dir, "ca.pem"),
		CertFile: filepath.Join(dir, "server.pem"), KeyFile: filepath.Join(dir, "server-key.pem"),
		ClientCertFile: filepath.Join(dir, "client.pem"), ClientKeyFile: filepath.Join(dir, "client-key.pem"),
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return d, err
	}
	ca := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "servicepulse development CA " + now.Format(time.RFC3339Nano)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return d, fmt.Errorf("make CA: %w", err)
	}
	if err := writePEM(d.CAFile, "CERTIFICATE", caDER); err != nil {
		return d, err
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		return d, err
	}
	server := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			server.IPAddresses = append(server.IPAddresses, ip)
		} else {
			server.DNSNames = append(server.DNSNames, h)
		}
	}
	if err := writeSigned(server, ca, caKey, d.CertFile, d.KeyFile); err != nil {
		return d, fmt.Errorf("make server certificate: %w", err)
	}
	client := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "servicepulse development client"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if err := writeSigned(client, ca, caKey, d.ClientCertFile, d.ClientKeyFile); err != nil {
		return d, fmt.Errorf("make client certificate: %w", err)
	}
	return d, nil
}

// writeSigned makes a key for tmpl, signs tmpl with the CA and writes both.
func writeSigned(tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey, certFile, keyFile string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
		return err
	}
	return writePEM(keyFile, "PRIVATE KEY", keyDER)
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}
