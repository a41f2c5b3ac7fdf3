package reports

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"servicepulse/internal/testenv"
)

// TestBrowserReport opens the page of the golden report data in headless
// Chromium (Debian package chromium): it must load without console errors,
// and its trend charts must be drawn (pixels of the chart colour).
// Without chromium it skips, except in CI and under `make test`
// (testenv.Required), where it fails: the test script installs chromium.
func TestBrowserReport(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if testenv.Required() || os.Getenv("SERVICEPULSE_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium not found (apt-get install -y chromium; make test installs it)")
		}
		t.Skip("chromium not installed (apt-get install -y chromium)")
	}
	b, err := os.ReadFile("testdata/september/report.json")
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := WriteFiles(dir, &r)
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	run := func(extra ...string) (stdout, stderr string) {
		t.Helper()
		args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir(),
			"--enable-logging=stderr", "--v=0", "--window-size=1200,2400"}, extra...)
		args = append(args, "file://"+files[0])
		cmd := exec.CommandContext(t.Context(), bin, args...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		done := make(chan error, 1)
		go func() { done <- cmd.Run() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("chromium: %v\n%s", err, e.String())
			}
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatal("chromium did not finish within 60 s")
		}
		return o.String(), e.String()
	}
	_, logs := run("--screenshot=" + shot)
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("console message: %s", line)
		}
	}
	dom, _ := run("--dump-dom")
	if n := len(regexp.MustCompile(`<circle`).FindAllString(dom, -1)); n == 0 {
		t.Error("rendered page has no chart points")
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// Count pixels close to the chart colour #1565c0.
	blue := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if near8(r>>8, 0x15) && near8(g>>8, 0x65) && near8(b>>8, 0xc0) {
				blue++
			}
		}
	}
	if blue < 20 {
		t.Errorf("screenshot has %d pixels of the chart colour, want charts drawn", blue)
	}
}

func near8(v, want uint32) bool { return v+24 >= want && v <= want+24 }
