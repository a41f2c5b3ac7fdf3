package reports

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/contracts"
	"servicepulse/internal/fields"
)

// Config is one run of `servicepulse report`: the periodic report of a
// period, or one partner's scorecard.
type Config struct {
	Period Period
	// AsOf is the instant deadlines are judged at.
	AsOf time.Time
	// Out is the directory the files are written into, created if needed.
	// Default (""): the working directory.
	Out string
	// Partner, when set, writes that partner's scorecard instead of the report.
	Partner string
	// Publish stores the report's values as published, so that later
	// reports show them as reported (and restated when they change).
	Publish bool
	// PDF also prints the page to P.pdf with headless Chromium (an error
	// naming the package when none is installed), installing a CJK font
	// first when one is missing (EnsureCJKFont).
	PDF bool
}

// Validate rejects a run that cannot be done.
func (c Config) Validate() error {
	switch {
	case c.Period.Label == "":
		return fields.Errorf("Period", nil, "is required")
	case c.AsOf.IsZero():
		return fields.Errorf("AsOf", nil, "is not set")
	case c.Partner != "" && c.Publish:
		return fields.Errorf("Publish", nil, "applies to the whole report, not to a {Partner} scorecard")
	}
	return nil
}

// Write builds the report (or scorecard) of c and writes its files — P.html
// (self-contained, prints on A4) and P.json (its data), and the report's
// extracts — then, with c.Publish, stores its values as published.
func Write(ctx context.Context, conn driver.Conn, c Config, log *slog.Logger) error {
	out := c.Out
	if out == "" {
		out = "."
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if c.Partner != "" {
		s, err := BuildScorecard(ctx, conn, c.Period, c.AsOf, c.Partner)
		if err != nil {
			return err
		}
		files, err := WriteScorecardFiles(out, s)
		if err != nil {
			return err
		}
		if files, err = c.pdf(ctx, files, log); err != nil {
			return err
		}
		log.Info("scorecard written", "period", c.Period.Label, "partner", c.Partner, "files", files)
		return nil
	}
	terms, err := contracts.Read(ctx, conn)
	if err != nil {
		return fmt.Errorf("report %s: %w", c.Period.Label, err)
	}
	r, err := Build(ctx, conn, c.Period, c.AsOf, terms)
	if err != nil {
		return err
	}
	files, err := WriteFiles(out, r)
	if err != nil {
		return err
	}
	if files, err = c.pdf(ctx, files, log); err != nil {
		return err
	}
	log.Info("report written", "period", c.Period.Label, "files", files)
	if c.Publish {
		id, err := Publish(ctx, conn, r, time.Now())
		if err != nil {
			return err
		}
		log.Info("report published", "id", id)
	}
	return nil
}

// pdf, with c.PDF, prints the page files[0] (P.html) to P.pdf and returns
// files with it; without c.PDF it returns files as they are. Without
// Chromium the error says which package to install, and that the other
// files were written.
func (c Config) pdf(ctx context.Context, files []string, log *slog.Logger) ([]string, error) {
	if !c.PDF {
		return files, nil
	}
	page := files[0]
	bin, err := FindChromium()
	if err != nil {
		return files, fmt.Errorf("report PDF: %w (the HTML and the data are written: %s)", err, page)
	}
	EnsureCJKFont(ctx, log)
	pdf := strings.TrimSuffix(page, ".html") + ".pdf"
	if err := (Chromium{Bin: bin}).PrintPDF(ctx, page, pdf); err != nil {
		return files, fmt.Errorf("report: %w", err)
	}
	return append(files, pdf), nil
}
