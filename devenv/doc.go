// Package devenv brings up the servers the demo and the test script need on
// a fresh Debian machine, as plain local processes: there is no Docker and
// no systemd here, and we run as root.
//
// EnsureClickHouse reuses a ClickHouse server that already answers on the
// configured HTTP port, or installs clickhouse-server with apt-get if needed
// and starts a private one whose config, data, logs and pid file all live in
// one directory. Several private servers can run side by side on different
// ports.
package devenv
