package testenv

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"servicepulse/broker"
	"servicepulse/internal/kafkaconn"
)

// KafkaCluster starts a cluster of n in-process kfake brokers on free ports,
// with the embedded broker's session reaper, stopped when the test ends.
// Its addresses are b.Addrs(); b.RemoveNode, b.AddNode and b.Cluster()
// break and move it. kfake keeps one copy of the data: such tests exercise
// clients' routing, retries and rebalances, not replication. Unlike Brokers,
// it ignores SERVICEPULSE_BROKERS: a test that removes brokers needs its own.
func KafkaCluster(t testing.TB, n int) *broker.Broker {
	t.Helper()
	b, err := broker.Start(broker.Config{
		Addr: "127.0.0.1:0", Brokers: n,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start %d-broker kafka cluster: %v", n, err)
	}
	t.Cleanup(b.Close)
	return b
}

// SecuredKafka starts an embedded broker of this test's own that takes
// SCRAM-SHA-512 logins over TLS only (development certificates in a
// temporary directory), stopped when the test ends. It returns its address
// and the Security of its one user, named user, with a random password.
func SecuredKafka(t testing.TB, user string) (addr string, sec kafkaconn.Security) {
	t.Helper()
	dir := t.TempDir()
	certs, err := broker.WriteDevCertificates(dir)
	if err != nil {
		t.Fatal(err)
	}
	sec = kafkaconn.Security{Mechanism: kafkaconn.ScramSHA512, User: user, Password: "pw-" + randomHex(12),
		TLS: true, CAFile: certs.CAFile}
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte(user+":"+sec.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := broker.Start(broker.Config{Addr: "127.0.0.1:0", SASLUsersFile: users, TLSCertFile: certs.CertFile, TLSKeyFile: certs.KeyFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr(), sec
}
