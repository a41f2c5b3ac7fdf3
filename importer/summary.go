package importer

import "servicepulse/transform"

// Summary counts what Run read and sent: the JSON printed on stdout.
type Summary struct {
	Lines    int `json:"lines"`    // events read: lines or rows, blank lines and CSV headers not counted
	Sent     int `json:"sent"`     // valid events sent
	Records  int `json:"records"`  // of Sent, to the records topic
	Feedback int `json:"feedback"` // of Sent, to the feedback topic
	Invalid  int `json:"invalid"`  // events that ingest would reject
	// SentInvalid counts the invalid events sent anyway (Config.SendInvalid).
	SentInvalid int `json:"sent_invalid"`
	// ByReason counts the invalid events per reason: a transform.Reason, or
	// ReasonBadCSV; reasons with none are absent.
	ByReason map[string]int `json:"by_reason"`
	// Files has one entry per file, in the order read.
	Files []FileSummary `json:"files"`
}

// FileSummary is Summary for one file.
type FileSummary struct {
	File        string         `json:"file"` // as given; "-" is standard input
	Format      Format         `json:"format"`
	Lines       int            `json:"lines"`
	Sent        int            `json:"sent"`
	Invalid     int            `json:"invalid"`
	SentInvalid int            `json:"sent_invalid"`
	ByReason    map[string]int `json:"by_reason"`
	// Error is why the file could not be read past its header (a CSV header
	// that is not one of field paths); its rows are not counted.
	Error string `json:"error,omitempty"`
}

// ReasonBadCSV is the reason of a CSV row that encoding/csv cannot split
// (a stray quote, a wrong number of cells): there is no event to judge.
const ReasonBadCSV transform.Reason = "bad_csv"

// ReasonBadHeader is the reason of a CSV file whose header gives no event
// layout (FileSummary.Error).
const ReasonBadHeader = "bad_header"

func (s *Summary) add(f FileSummary) {
	s.Lines += f.Lines
	s.Sent += f.Sent
	s.Invalid += f.Invalid
	s.SentInvalid += f.SentInvalid
	for r, n := range f.ByReason {
		s.ByReason[r] += n
	}
	s.Files = append(s.Files, f)
}
