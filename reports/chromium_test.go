package reports

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// Without Chromium on PATH, --pdf fails saying which package to install
// and that the other files were written; without PDF nothing is looked for.
func TestPDFWithoutChromium(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	log := slog.New(slog.DiscardHandler)
	files := []string{"out/report-2026-Q3.html", "out/report-2026-Q3.json"}
	got, err := Config{PDF: true}.pdf(t.Context(), files, log)
	if !errors.Is(err, ErrNoChromium) || !strings.Contains(err.Error(), "apt-get install -y chromium") ||
		!strings.Contains(err.Error(), "out/report-2026-Q3.html") || len(got) != 2 {
		t.Errorf("pdf without chromium: %v, %v; want ErrNoChromium naming the package and the page written", got, err)
	}
	if got, err := (Config{}).pdf(t.Context(), files, log); err != nil || len(got) != 2 {
		t.Errorf("no PDF asked: %v, %v", got, err)
	}
}
