package devenv

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServerConfig(t *testing.T) {
	src, err := os.ReadFile("testdata/config.xml") // the file of the Debian package 18.16.1
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultClickHouseConfig()
	cfg.Dir, cfg.TCPPort, cfg.HTTPPort = "/srv/ch", 19000, 18123
	got, err := serverConfig(string(src), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<tcp_port>19000</tcp_port>",
		"<http_port>18123</http_port>",
		"<path>/srv/ch/data/</path>",
		"<tmp_path>/srv/ch/data/tmp/</tmp_path>",
		"<user_files_path>/srv/ch/data/user_files/</user_files_path>",
		"<format_schema_path>/srv/ch/data/format_schemas/</format_schema_path>",
		"<log>/srv/ch/log/clickhouse-server.log</log>",
		"<errorlog>/srv/ch/log/clickhouse-server.err.log</errorlog>",
		"<users_config>users.xml</users_config>",
		"<listen_host>127.0.0.1</listen_host>\n</yandex>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %s", want)
		}
	}
	for _, gone := range []string{"/var/lib/clickhouse", "/var/log/clickhouse-server", "<interserver_http_port>", "<tcp_port_secure>", "<https_port>", "<tcp_port>9000<", "<listen_host>::1"} {
		if strings.Contains(got, gone) {
			t.Errorf("config still has %s", gone)
		}
	}
	// The replica port of the cluster examples is not ours to change.
	if !strings.Contains(got, "<port>9000</port>") {
		t.Error("config lost the remote_servers examples")
	}
}

func TestServerConfigWithoutPort(t *testing.T) {
	cfg := DefaultClickHouseConfig()
	_, err := serverConfig("<clickhouse><http_port>8123</http_port></clickhouse>", cfg)
	if err == nil || !strings.Contains(err.Error(), "has no <tcp_port>") {
		t.Fatalf("serverConfig: error %v, want one about the missing <tcp_port>", err)
	}
}

// install runs apt-get update, then install with DEBIAN_FRONTEND set, and
// logs its output; a fake apt-get on PATH records what it was asked.
func TestInstall(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("install refuses to run without root")
	}
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho \"$DEBIAN_FRONTEND $*\" >> " + calls + "\necho \"fake apt-get: $1 done\"\n"
	if err := os.WriteFile(filepath.Join(dir, "apt-get"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	var logged strings.Builder
	if err := install(t.Context(), newTextLogger(&logged)); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(calls)
	if want := "noninteractive update\nnoninteractive install -y clickhouse-server clickhouse-client\n"; string(got) != want {
		t.Errorf("apt-get calls:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(logged.String(), `msg="fake apt-get: install done" cmd="apt-get install"`) {
		t.Errorf("apt-get output not logged line by line:\n%s", logged.String())
	}
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
