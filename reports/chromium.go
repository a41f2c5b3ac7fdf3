package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ChromiumPackage is the Debian package that provides headless Chromium.
const ChromiumPackage = "chromium"

// ErrNoChromium says no Chromium is installed: `report --pdf` needs one.
var ErrNoChromium = errors.New("chromium is not installed; install Debian's " + ChromiumPackage +
	" package (apt-get install -y " + ChromiumPackage + ")")

// chromiumNames are the programs tried, in order: Debian's, Ubuntu's, Google's.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"}

// FindChromium returns the path of a Chromium (or Chrome) on PATH, or
// ErrNoChromium.
func FindChromium() (string, error) {
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// ChromiumTimeout bounds one Chromium run: a report page loads in about a
// second; a hung browser must not hang the command.
const ChromiumTimeout = 60 * time.Second

// Chromium runs headless Chromium on local pages.
type Chromium struct {
	// Bin is the browser, as FindChromium returns it.
	Bin string
	// Env, when not nil, is the browser's whole environment (tests point
	// fontconfig elsewhere with it); nil inherits this process's.
	Env []string
}

// Run opens the local file page in a fresh profile with the extra flags
// (--screenshot=…, --dump-dom, --print-to-pdf=…) and returns what the
// browser wrote on stdout and stderr.
func (c Chromium) Run(ctx context.Context, page string, extra ...string) (stdout, stderr []byte, err error) {
	profile, err := os.MkdirTemp("", "servicepulse-chromium-")
	if err != nil {
		return nil, nil, fmt.Errorf("chromium profile: %w", err)
	}
	defer os.RemoveAll(profile)
	abs, err := filepath.Abs(page)
	if err != nil {
		return nil, nil, fmt.Errorf("chromium: %w", err)
	}
	args := []string{"--headless",
		// Chromium refuses to start as root with its sandbox on, and this
		// machine (like most containers and CI runners) runs as root; the
		// pages are our own local files, so running them unsandboxed is safe.
		"--no-sandbox",
		"--disable-gpu",
		// Nothing but the local file: no network of its own, no updates, no
		// sign-in, no first-run dialogs; a fresh profile each run.
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + profile}
	args = append(append(args, extra...), "file://"+abs)
	ctx, cancel := context.WithTimeout(ctx, ChromiumTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	cmd.Env = c.Env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (no answer within %s)", err, ChromiumTimeout)
		}
		return o.Bytes(), e.Bytes(), fmt.Errorf("chromium %s: %w\n%s", filepath.Base(page), err, lastLines(e.Bytes(), 5))
	}
	return o.Bytes(), e.Bytes(), nil
}

// PrintPDF prints the local HTML page into the file pdf (A4, the page's
// own print rules, without the browser's header and footer).
func (c Chromium) PrintPDF(ctx context.Context, page, pdf string) error {
	abs, err := filepath.Abs(pdf)
	if err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	if _, _, err := c.Run(ctx, page, "--no-pdf-header-footer", "--print-to-pdf="+abs); err != nil {
		return fmt.Errorf("pdf %s: %w", pdf, err)
	}
	// Chromium exits 0 even when it could not write the file.
	if st, err := os.Stat(abs); err != nil || st.Size() == 0 {
		return fmt.Errorf("pdf %s: chromium wrote no file", pdf)
	}
	return nil
}

// lastLines is the last n lines of b, for an error message.
func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return bytes.Join(lines[max(len(lines)-n, 0):], []byte("\n"))
}
