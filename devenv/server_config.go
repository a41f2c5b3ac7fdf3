package devenv

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// etcDir is where the Debian package puts the server's configuration.
var etcDir = "/etc/clickhouse-server"

// writeServerConfig writes config.xml and users.xml into cfg.Dir, made from
// the package's own files so that they fit the installed version. edit, if
// not nil, rewrites the config further (a cluster node's settings), and
// editUsers the users file.
func writeServerConfig(cfg ClickHouseConfig, edit, editUsers func(string) string) error {
	src, err := os.ReadFile(filepath.Join(etcDir, "config.xml"))
	if err != nil {
		return fmt.Errorf("read clickhouse config: %w", err)
	}
	users, err := os.ReadFile(filepath.Join(etcDir, "users.xml"))
	if err != nil {
		return fmt.Errorf("read clickhouse users: %w", err)
	}
	conf, err := serverConfig(string(src), cfg)
	if err != nil {
		return err
	}
	if edit != nil {
		conf = edit(conf)
	}
	if editUsers != nil {
		users = []byte(editUsers(string(users)))
	}
	for _, d := range []string{"data", "log"} {
		if err := os.MkdirAll(filepath.Join(cfg.Dir, d), 0o755); err != nil {
			return fmt.Errorf("create clickhouse dir: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(cfg.Dir, "config.xml"), []byte(conf), 0o644); err != nil {
		return fmt.Errorf("write clickhouse config: %w", err)
	}
	// users.xml is found relative to config.xml.
	if err := os.WriteFile(filepath.Join(cfg.Dir, "users.xml"), users, 0o644); err != nil {
		return fmt.Errorf("write clickhouse users: %w", err)
	}
	return writeUsersFile(cfg)
}

// writeUsersFile copies cfg.UsersFile into users.d, which the server merges
// into users.xml; without one, it removes a copy an earlier start left.
func writeUsersFile(cfg ClickHouseConfig) error {
	dst := filepath.Join(cfg.Dir, "users.d", "servicepulse.xml")
	if cfg.UsersFile == "" {
		if err := os.Remove(dst); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove old clickhouse users file: %w", err)
		}
		return nil
	}
	b, err := os.ReadFile(cfg.UsersFile)
	if err != nil {
		return fmt.Errorf("read clickhouse users file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("create clickhouse users.d: %w", err)
	}
	// 0600: it holds password hashes.
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		return fmt.Errorf("write clickhouse users file: %w", err)
	}
	return nil
}

// Ports that a second server on the same machine would also try to bind.
// The interserver port (9009) serves replication, which a local server does
// not do; the TLS ones need certificates we do not have.
var unusedPorts = []string{"interserver_http_port", "interserver_https_port", "https_port", "tcp_port_secure", "mysql_port", "postgresql_port", "grpc_port"}

var rootEnd = regexp.MustCompile(`</(yandex|clickhouse)>\s*$`)

// serverConfig rewrites the package's config.xml for a server of its own:
// every path into cfg.Dir (data, tmp, user_files, format_schemas under data/,
// logs under log/), the two ports of cfg, no other listening port, and one
// listen address, 127.0.0.1.
//
// The address matters: with none configured ClickHouse tries ::1 and
// 127.0.0.1 and keeps running if one of them is taken, so a server whose
// port is in use on 127.0.0.1 would come up on ::1 only while DSN pointed at
// whatever holds the port. With an address configured, a taken port is fatal.
func serverConfig(src string, cfg ClickHouseConfig) (string, error) {
	s := strings.ReplaceAll(src, "/var/lib/clickhouse/", filepath.Join(cfg.Dir, "data")+"/")
	s = strings.ReplaceAll(s, "/var/log/clickhouse-server/", filepath.Join(cfg.Dir, "log")+"/")
	for tag, port := range map[string]int{"tcp_port": cfg.TCPPort, "http_port": cfg.HTTPPort} {
		re := regexp.MustCompile(`<` + tag + `>\s*\d+\s*</` + tag + `>`)
		if !re.MatchString(s) {
			return "", fmt.Errorf("clickhouse config %s has no <%s>; cannot set the port", filepath.Join(etcDir, "config.xml"), tag)
		}
		s = re.ReplaceAllString(s, "<"+tag+">"+strconv.Itoa(port)+"</"+tag+">")
	}
	for _, tag := range append(unusedPorts, "listen_host") {
		s = regexp.MustCompile(`<`+tag+`>[^<]*</`+tag+`>`).ReplaceAllString(s, "")
	}
	end := rootEnd.FindStringIndex(s)
	if end == nil {
		return "", fmt.Errorf("clickhouse config %s does not end with </yandex> or </clickhouse>", filepath.Join(etcDir, "config.xml"))
	}
	extra := "    <listen_host>127.0.0.1</listen_host>\n"
	if cfg.TLSPort != 0 {
		tlsConf, err := secureServer(s, cfg)
		if err != nil {
			return "", err
		}
		s = tlsConf
		end = rootEnd.FindStringIndex(s)
		extra += fmt.Sprintf("    <tcp_port_secure>%d</tcp_port_secure>\n", cfg.TLSPort)
	}
	return s[:end[0]] + extra + s[end[0]:], nil
}

var (
	opensslServer = regexp.MustCompile(`(?s)<openSSL>\s*<server>.*?</server>`)
	dhParams      = regexp.MustCompile(`\s*<dhParamsFile>[^<]*</dhParamsFile>`)
	certFile      = regexp.MustCompile(`<certificateFile>[^<]*</certificateFile>`)
	keyFile       = regexp.MustCompile(`<privateKeyFile>[^<]*</privateKeyFile>`)
)

// secureServer points the config's <openSSL><server> at cfg's certificate
// and key, absolute, and drops the Diffie-Hellman parameters file, which the
// package's config names but does not ship (ECDHE needs none).
func secureServer(s string, cfg ClickHouseConfig) (string, error) {
	loc := opensslServer.FindStringIndex(s)
	if loc == nil {
		return "", fmt.Errorf("clickhouse config %s has no <openSSL><server>; cannot serve TLS", filepath.Join(etcDir, "config.xml"))
	}
	cert, err := filepath.Abs(cfg.TLSCertFile)
	if err != nil {
		return "", err
	}
	key, err := filepath.Abs(cfg.TLSKeyFile)
	if err != nil {
		return "", err
	}
	sec := dhParams.ReplaceAllString(s[loc[0]:loc[1]], "")
	sec = certFile.ReplaceAllLiteralString(sec, "<certificateFile>"+cert+"</certificateFile>")
	sec = keyFile.ReplaceAllLiteralString(sec, "<privateKeyFile>"+key+"</privateKeyFile>")
	return s[:loc[0]] + sec + s[loc[1]:], nil
}
