package devenv

import (
	"fmt"
	"time"
)

// ClickHouseConfig says where and how to run a local ClickHouse server.
type ClickHouseConfig struct {
	// Dir holds the server's config.xml, users.xml, data/, log/, stdout.log,
	// stderr.log and clickhouse-server.pid. A relative path is made absolute.
	// Default: ".servicepulse/clickhouse"
	Dir string
	// TCPPort is the native-protocol port, the one in DSN. Default: 9000
	TCPPort int
	// HTTPPort is the HTTP port, used to ping the server. Default: 8123
	HTTPPort int
	// TLSPort, when set, is a native-protocol port with TLS
	// (tcp_port_secure), serving TLSCertFile and TLSKeyFile (PEM). Default: 0
	TLSPort                 int
	TLSCertFile, TLSKeyFile string
	// UsersFile, when set, is a users.d file (XML, <yandex><users>… and
	// profiles) copied beside users.xml: users with passwords, read-only
	// profiles. Default: none
	UsersFile string
	// Detach leaves a started server running when this process exits, for a
	// demo that outlives its command; stop it with StopFromPIDFile. Without
	// it the server gets SIGTERM when this process dies. Default: false
	Detach bool
	// Install runs apt-get to install clickhouse-server when no binary is
	// found. Default: true
	Install bool
	// StartTimeout bounds the wait for a started server to answer its
	// ping. Default: 60s
	StartTimeout time.Duration
	// StopTimeout is how long Stop waits after SIGTERM before it sends
	// SIGKILL. Default: 30s
	StopTimeout time.Duration
}

// DefaultClickHouseConfig returns the configuration of the demo server: the
// standard ports, so a server that already runs there is reused.
func DefaultClickHouseConfig() ClickHouseConfig {
	return ClickHouseConfig{
		Dir:          ".servicepulse/clickhouse",
		TCPPort:      9000,
		HTTPPort:     8123,
		Install:      true,
		StartTimeout: 60 * time.Second,
		StopTimeout:  30 * time.Second,
	}
}

// Validate rejects a configuration EnsureClickHouse cannot use, quoting the
// bad value.
func (c ClickHouseConfig) Validate() error {
	if c.Dir == "" {
		return fmt.Errorf("clickhouse dir is empty; set a directory for its data, such as %q", DefaultClickHouseConfig().Dir)
	}
	for _, p := range []struct {
		name string
		port int
	}{{"tcp port", c.TCPPort}, {"http port", c.HTTPPort}} {
		if p.port < 1 || p.port > 65535 {
			return fmt.Errorf("clickhouse %s %d is out of range; want 1-65535", p.name, p.port)
		}
	}
	if c.TCPPort == c.HTTPPort {
		return fmt.Errorf("clickhouse tcp port and http port are both %d; give them different ports", c.TCPPort)
	}
	if c.TLSPort != 0 {
		if c.TLSPort < 1 || c.TLSPort > 65535 || c.TLSPort == c.TCPPort || c.TLSPort == c.HTTPPort {
			return fmt.Errorf("clickhouse tls port %d: want 1-65535, other than the tcp and http ports", c.TLSPort)
		}
		if c.TLSCertFile == "" || c.TLSKeyFile == "" {
			return fmt.Errorf("clickhouse tls port %d needs a certificate and its key", c.TLSPort)
		}
	} else if c.TLSCertFile != "" || c.TLSKeyFile != "" {
		return fmt.Errorf("clickhouse tls certificate given without a tls port")
	}
	if c.StartTimeout <= 0 {
		return fmt.Errorf("clickhouse start timeout is %s; want a positive duration such as 60s", c.StartTimeout)
	}
	if c.StopTimeout <= 0 {
		return fmt.Errorf("clickhouse stop timeout is %s; want a positive duration such as 30s", c.StopTimeout)
	}
	return nil
}
