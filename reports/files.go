package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WriteFiles writes r into dir as report-<period>.html, the data as
// report-<period>.json, and its numbers as report-<period>.arrow and
// .parquet (ExtractSchema), and returns their paths.
func WriteFiles(dir string, r *Report) ([]string, error) {
	base := filepath.Join(dir, "report-"+r.Period.Label)
	paths, err := writePair(base, r, func(w io.Writer) error { return WriteHTML(w, r) })
	if err != nil {
		return nil, err
	}
	extracts, err := WriteExtracts(base, r)
	if err != nil {
		return nil, err
	}
	return append(paths, extracts...), nil
}

// WriteScorecardFiles writes s into dir as scorecard-<period>-<partner>.html
// and .json, and returns their paths.
func WriteScorecardFiles(dir string, s *Scorecard) ([]string, error) {
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, s.PartnerID)
	base := filepath.Join(dir, "scorecard-"+s.Period.Label+"-"+safe)
	return writePair(base, s, func(w io.Writer) error { return WriteScorecardHTML(w, s) })
}

func writePair(base string, data any, html func(io.Writer) error) ([]string, error) {
	js, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write %s.json: %w", base, err)
	}
	if err := os.WriteFile(base+".json", append(js, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write %s.json: %w", base, err)
	}
	f, err := os.Create(base + ".html")
	if err != nil {
		return nil, fmt.Errorf("write %s.html: %w", base, err)
	}
	if err := html(f); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write %s.html: %w", base, err)
	}
	return []string{base + ".html", base + ".json"}, nil
}
