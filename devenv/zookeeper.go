package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const (
	zkPIDFileName = "zookeeper.pid"
	zkMain        = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
)

// Where Debian's zookeeper package puts its jar (which names its
// dependencies in its manifest), and the slf4j binding that makes it log to
// stderr: without one it logs nothing, and a failed start would say nothing.
var (
	zkJar     = "/usr/share/java/zookeeper.jar"
	slf4jJars = []string{"/usr/share/java/slf4j-simple.jar"}
)

// zooKeeper is a standalone ZooKeeper server of a local cluster, started by
// this process.
type zooKeeper struct {
	dir  string
	port int
	log  *slog.Logger
	cmd  *exec.Cmd
	done chan struct{}
}

// findZooKeeper returns the java binary if Debian's ZooKeeper can run here.
func findZooKeeper() (java string, err error) {
	if _, err := os.Stat(zkJar); err != nil {
		return "", fmt.Errorf("zookeeper not found (%s): %w", zkJar, err)
	}
	if java, err = exec.LookPath("java"); err != nil {
		return "", fmt.Errorf("zookeeper needs java: %w", err)
	}
	return java, nil
}

// ensureZooKeeper returns the java binary that runs ZooKeeper, installing
// Debian's zookeeper package (which brings a JRE) if it is missing and
// allowed.
func ensureZooKeeper(ctx context.Context, allowInstall bool, log *slog.Logger) (string, error) {
	java, err := findZooKeeper()
	if err == nil {
		return java, nil
	}
	if !allowInstall {
		return "", fmt.Errorf("%w; install it with `apt-get install -y --no-install-recommends zookeeper`", err)
	}
	if err := aptInstall(ctx, log, "zookeeper", "--no-install-recommends", "zookeeper"); err != nil {
		return "", err
	}
	if java, err = findZooKeeper(); err != nil {
		return "", fmt.Errorf("after apt-get install: %w", err)
	}
	return java, nil
}

// zooConfig is the zoo.cfg of a standalone server on 127.0.0.1:port with its
// data in dataDir. The admin server would open :8080, and forceSync makes
// the first Replicated CREATE take seconds; srvr is the readiness check, ruok
// the usual liveness probe.
func zooConfig(dataDir string, port int) string {
	return strings.Join([]string{
		"tickTime=2000",
		"dataDir=" + dataDir,
		fmt.Sprintf("clientPort=%d", port),
		"clientPortAddress=127.0.0.1",
		"admin.enableServer=false",
		"forceSync=no",
		"4lw.commands.whitelist=ruok,srvr",
		"maxClientCnxns=0",
	}, "\n") + "\n"
}

// startZooKeeper writes dir/zoo.cfg and starts ZooKeeper with java, and
// waits until it serves clients or timeout passes; then it is killed and the
// error quotes the end of its output.
func startZooKeeper(ctx context.Context, java, dir string, port int, detach bool, timeout time.Duration, log *slog.Logger) (*zooKeeper, error) {
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, fmt.Errorf("create zookeeper dir: %w", err)
	}
	cfgFile := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgFile, []byte(zooConfig(filepath.Join(dir, "data"), port)), 0o644); err != nil {
		return nil, fmt.Errorf("write zoo.cfg: %w", err)
	}
	cp := strings.Join(append([]string{dir, zkJar}, existing(slf4jJars)...), ":")
	z := &zooKeeper{dir: dir, port: port, log: log.With("zookeeper_port", port)}
	var err error
	z.cmd, z.done, err = startChild(dir, z.pidFile(), detach, java, "-Xmx256m", "-cp", cp, zkMain, cfgFile)
	if err != nil {
		return nil, fmt.Errorf("start zookeeper: %w", err)
	}
	z.log.Info("started zookeeper", "pid", z.cmd.Process.Pid, "dir", dir)
	ready := func(ctx context.Context) bool { return serving(ctx, port) }
	if err := waitReady(ctx, fmt.Sprintf("zookeeper (srvr on 127.0.0.1:%d)", port), timeout, z.done, ready); err != nil {
		z.stop(0)
		return nil, fmt.Errorf("%w\n%s", err, logTail(dir, "stderr.log", "stdout.log"))
	}
	return z, nil
}

func (z *zooKeeper) pidFile() string { return filepath.Join(z.dir, zkPIDFileName) }

// stop stops ZooKeeper: SIGTERM, SIGKILL after grace.
func (z *zooKeeper) stop(grace time.Duration) {
	killed := stop(z.cmd, z.done, nil, grace)
	os.Remove(z.pidFile())
	z.log.Info("stopped zookeeper", "pid", z.cmd.Process.Pid, "killed", killed)
}

// serving reports whether ZooKeeper on 127.0.0.1:port serves clients: the
// four-letter word srvr answers with its mode. ruok is not enough: it
// answers imok while the server still refuses sessions ("ZooKeeperServer
// not running"), and a ClickHouse 18.16 whose first session was refused
// crashes on its next ON CLUSTER query.
func serving(ctx context.Context, port int) bool {
	return strings.Contains(fourLetterWord(ctx, port, "srvr"), "\nMode: ")
}

// fourLetterWord sends ZooKeeper on 127.0.0.1:port the command word and
// returns its answer, or "" on any error.
func fourLetterWord(ctx context.Context, port int, word string) string {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return ""
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if _, err := io.WriteString(c, word); err != nil {
		return ""
	}
	b, err := io.ReadAll(io.LimitReader(c, 4<<10))
	if err != nil && !errors.Is(err, io.EOF) {
		return ""
	}
	return string(b)
}

// existing returns the paths that exist.
func existing(paths []string) []string {
	var out []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// logTail returns the last lines of the first of dir's files that is not
// empty.
func logTail(dir string, names ...string) string {
	for _, name := range names {
		p := filepath.Join(dir, name)
		if t := tail(p, 15); t != "" {
			return "last lines of " + p + ":\n" + t
		}
	}
	return "nothing written to " + strings.Join(names, " or ") + " in " + dir
}
