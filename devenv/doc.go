// Package devenv brings up the servers the demo and the test script need on
// a fresh Debian machine, as plain local processes: there is no Docker and
// no systemd here, and we run as root.
//
// EnsureClickHouse reuses a ClickHouse server that already answers on the
// configured HTTP port, or installs clickhouse-server with apt-get if needed
// and starts a private one whose config, data, logs and pid file all live in
// one directory. Several private servers can run side by side on different
// ports.
//
// StartCluster starts a local cluster for development and tests: Debian's
// ZooKeeper and Shards × Replicas ClickHouse servers on free ports, each in
// a folder of one directory, with a cluster named in every node's
// remote_servers. StopDir stops what a detached start left in a directory,
// by its pid files, and only processes whose command lines name their own
// config there.
package devenv
