package devenv

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// The pid files of a cluster in dir, and what each process's command line
// must contain to be ours: its own config file, in that very folder.
func nodePIDFiles(dir string) ([]string, error) {
	return filepath.Glob(filepath.Join(dir, "shard*-replica*", pidFileName))
}

func nodeCmdline(pidFile string) string {
	return "--config-file=" + filepath.Join(filepath.Dir(pidFile), "config.xml")
}

func zkPIDFile(dir string) string { return filepath.Join(dir, "zookeeper", zkPIDFileName) }

func zkCmdline(dir string) string { return filepath.Join(dir, "zookeeper", "zoo.cfg") }

// StopDir stops what servicepulse started in dir and left running (Detach):
// a cluster's ClickHouse servers side by side, then its ZooKeeper, and a
// single server whose pid file is in dir (see StopFromPIDFile). Each gets
// SIGTERM, and SIGKILL after 30 s. Only processes named in dir's pid files
// whose command lines name their own config in dir are signalled; there is
// nothing to do when dir holds no pid file.
func StopDir(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("stop %q: %w", dir, err)
	}
	const grace = 30 * time.Second
	files, err := nodePIDFiles(dir)
	if err != nil {
		return fmt.Errorf("stop %s: %w", dir, err)
	}
	var errs []error
	pids := make([]int, len(files))
	for i, f := range files {
		pids[i], err = termPIDFile(f, nodeCmdline(f))
		errs = append(errs, err)
	}
	for i, f := range files {
		errs = append(errs, awaitExit(pids[i], f, grace))
	}
	errs = append(errs, StopFromPIDFile(dir))
	pid, err := termPIDFile(zkPIDFile(dir), zkCmdline(dir))
	errs = append(errs, err, awaitExit(pid, zkPIDFile(dir), grace))
	return errors.Join(errs...)
}

// clusterRunning returns the pid of a process of a cluster that still runs
// in dir, or 0.
func clusterRunning(dir string) (int, error) {
	files, err := nodePIDFiles(dir)
	if err != nil {
		return 0, err
	}
	for _, f := range files {
		if pid, err := ownPID(f, nodeCmdline(f)); pid != 0 || err != nil {
			return pid, err
		}
	}
	return ownPID(zkPIDFile(dir), zkCmdline(dir))
}
