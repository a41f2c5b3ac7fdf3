package devenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A pid file is only obeyed for a process whose command line is ours; a
// stale one is removed.
func TestTermPIDFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.pid")
	os.WriteFile(p, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644) // this test, not a server of dir
	pid, err := termPIDFile(p, "--config-file="+filepath.Join(dir, "config.xml"))
	if pid != 0 || err == nil || !strings.Contains(err.Error(), "is not ours") {
		t.Fatalf("termPIDFile on a foreign process: pid %d, error %v; want a refusal", pid, err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("refused pid file removed: %v", err)
	}

	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, []byte(strconv.Itoa(gone.Process.Pid)+"\n"), 0o644)
	if pid, err := termPIDFile(p, "true"); pid != 0 || err != nil {
		t.Fatalf("termPIDFile on an exited process: pid %d, error %v", pid, err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("stale pid file kept: %v", err)
	}
	if err := StopDir(dir); err != nil {
		t.Fatalf("StopDir of a folder without pid files: %v", err)
	}
}
