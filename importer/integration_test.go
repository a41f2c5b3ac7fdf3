package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"servicepulse/importer"
	"servicepulse/internal/pipelinetest"
	"servicepulse/warehouse"
)

// imported is what one import run printed and returned.
type imported struct {
	sum      importer.Summary
	err      error
	problems string // the file:line reports
	log      string
}

// importInto imports files into the topics of s, as `servicepulse import`.
func importInto(t *testing.T, s *pipelinetest.Stack, sendInvalid bool, files ...string) imported {
	t.Helper()
	problems, logs := &pipelinetest.Buffer{}, &pipelinetest.Buffer{}
	cfg := importer.Config{
		Files: files, SendInvalid: sendInvalid,
		Brokers: s.Brokers, RecordsTopic: s.Config.RecordsTopic, FeedbackTopic: s.Config.FeedbackTopic,
		BatchSize: 7, // several writes, a partial last one
		Problems:  problems,
	}
	sum, err := importer.Run(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)))
	return imported{sum: sum, err: err, problems: problems.String(), log: logs.String()}
}

// ingested runs ingest until idle over what was imported, and reads `stats`.
func ingested(t *testing.T, s *pipelinetest.Stack) warehouse.Stats {
	t.Helper()
	s.Ingest(t)
	st, err := warehouse.ReadStats(context.Background(), s.Conn)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestIntegrationImportRoundTrip: JSON Lines and CSV files of service
// records and feedback, imported and ingested, give `stats` equal to the
// lines sent, kind by kind, with nothing rejected.
func TestIntegrationImportRoundTrip(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	files := []string{"testdata/records.jsonl", "testdata/feedback.jsonl", "testdata/records.csv", "testdata/feedback.csv"}
	got := importInto(t, s, false, files...)
	if got.err != nil {
		t.Fatalf("import: %v\n%s", got.err, got.problems)
	}
	// Counted by hand: 20 + 3 JSON lines, 10 + 4 CSV rows (the CSV header,
	// and a note over two lines, are no extra events).
	perFile := map[string]int{files[0]: 20, files[1]: 3, files[2]: 10, files[3]: 4}
	if got.sum.Sent != 37 || got.sum.Records != 30 || got.sum.Feedback != 7 || got.sum.Invalid != 0 || got.sum.Lines != 37 {
		t.Fatalf("summary %+v: want 37 lines, 37 sent (30 records, 7 feedback), none invalid", got.sum)
	}
	for _, f := range got.sum.Files {
		if f.Sent != perFile[f.File] || f.Lines != f.Sent {
			t.Errorf("file %s: %+v, want %d lines sent", f.File, f, perFile[f.File])
		}
	}
	if got.problems != "" {
		t.Errorf("problems reported for valid files:\n%s", got.problems)
	}
	if !strings.Contains(got.log, "legacy.ticket_no") {
		t.Errorf("the column no event field has (legacy.ticket_no) is not named in the log:\n%s", got.log)
	}
	st := ingested(t, s)
	want := warehouse.Stats{Events: 30, Feedback: 7, RejectedByReason: map[string]uint64{}}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("stats after ingest: %+v, want %+v (exactly the lines sent)", st, want)
	}

	// A second import of the same files changes nothing: event ids deduplicate.
	if again := importInto(t, s, false, files...); again.err != nil || again.sum.Sent != 37 {
		t.Fatalf("second import: %+v, %v", again.sum, again.err)
	}
	if st := ingested(t, s); !reflect.DeepEqual(st, want) {
		t.Fatalf("stats after importing twice: %+v, want %+v", st, want)
	}
}

// badProblems are the reports of testdata/bad.jsonl and bad.csv, by hand
// from the files: line numbers count the blank line and the CSV header.
const badProblems = `testdata/bad.jsonl:2: missing_field (product.serial)
testdata/bad.jsonl:3: bad_json (invalid JSON object)
testdata/bad.jsonl:5: unknown_event_type (event_type)
testdata/bad.jsonl:6: bad_money (resolution.parts_fee)
testdata/bad.jsonl:7: rating_out_of_range (survey.nps)
testdata/bad.jsonl:9: future_timestamp (occurred_at)
testdata/bad.csv:3: bad_field (channel)
testdata/bad.csv:4: bad_field (visit_no)
testdata/bad.csv:5: bad_field (technician.certified)
testdata/bad.csv:6: bad_csv (wrong number of fields)
testdata/bad.csv:8: unknown_schema_version (schema_version)
`

// TestIntegrationImportBadLines: each bad line is reported with file:line
// and reason, none is sent (ingest stores the valid lines and rejects
// nothing), and the error says the input was invalid.
func TestIntegrationImportBadLines(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	got := importInto(t, s, false, "testdata/bad.jsonl", "testdata/bad.csv")
	if !errors.Is(got.err, importer.ErrInvalid) || !strings.Contains(got.err.Error(), "11 of 16 lines invalid, none sent") {
		t.Fatalf("import error %v, want ErrInvalid saying 11 of 16 lines invalid, none sent", got.err)
	}
	if got.problems != badProblems {
		t.Errorf("problems:\n%s\nwant:\n%s", got.problems, badProblems)
	}
	wantReasons := map[string]int{"missing_field": 1, "bad_json": 1, "unknown_event_type": 1, "bad_money": 1,
		"rating_out_of_range": 1, "future_timestamp": 1, "bad_field": 3, "bad_csv": 1, "unknown_schema_version": 1}
	if got.sum.Sent != 5 || got.sum.Invalid != 11 || got.sum.SentInvalid != 0 || !maps.Equal(got.sum.ByReason, wantReasons) {
		t.Errorf("summary %+v: want 5 sent, 11 invalid (%v), none of them sent", got.sum, wantReasons)
	}
	st := ingested(t, s)
	if want := (warehouse.Stats{Events: 4, Feedback: 1, RejectedByReason: map[string]uint64{}}); !reflect.DeepEqual(st, want) {
		t.Fatalf("stats after ingest: %+v, want %+v: the valid lines only, no reject", st, want)
	}
}

// TestIntegrationImportSendInvalid: with SendInvalid the bad lines go to
// ingest, which rejects each for the reason import gave (all but the row
// that is not CSV, which is no event).
func TestIntegrationImportSendInvalid(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	got := importInto(t, s, true, "testdata/bad.jsonl", "testdata/bad.csv")
	if !errors.Is(got.err, importer.ErrInvalid) || got.sum.SentInvalid != 10 {
		t.Fatalf("import: %+v, %v; want ErrInvalid and 10 invalid lines sent", got.sum, got.err)
	}
	if got.problems != badProblems {
		t.Errorf("problems:\n%s\nwant:\n%s", got.problems, badProblems)
	}
	st := ingested(t, s)
	wantRejected := map[string]uint64{}
	for r, n := range got.sum.ByReason {
		if r != string(importer.ReasonBadCSV) {
			wantRejected[r] = uint64(n)
		}
	}
	want := warehouse.Stats{Events: 4, Feedback: 1, Rejected: 10, RejectedByReason: wantRejected}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("stats after ingest: %+v, want %+v", st, want)
	}
}

// TestIntegrationImportShowsNoPersonalData: no value of a bad line (names,
// phones, addresses, e-mails, notes and comments among them) appears in
// what import prints: the reports, the log, the summary.
func TestIntegrationImportShowsNoPersonalData(t *testing.T) {
	t.Parallel()
	s := pipelinetest.New(t)
	got := importInto(t, s, false, "testdata/bad.jsonl", "testdata/bad.csv")
	summary, err := json.Marshal(got.sum)
	if err != nil {
		t.Fatal(err)
	}
	out := got.problems + got.log + string(summary)
	values := badLineValues(t)
	for _, pii := range []string{"王芳", "13600136000", "上海市浦东新区世纪大道100号", "wangfang@example.cn", "13500135000",
		"secret.customer@example.cn", "刘洋", "liuyang@example.cn", "孙丽", "周杰"} {
		if !values[pii] {
			t.Fatalf("the bad lines' values lack %q: the collection is broken", pii)
		}
	}
	for v := range values {
		if strings.Contains(out, v) {
			t.Errorf("the output shows %q, a value of a bad line", v)
		}
	}
	if !strings.Contains(got.problems, "bad.csv:6:") {
		t.Fatalf("nothing reported: the test would prove nothing\n%s", got.problems)
	}
}

// badLineValues collects the values of the bad lines of the bad files: every
// JSON string (bad JSON included) and every CSV cell, less field names and
// values too short to be told from words of a report.
func badLineValues(t *testing.T) map[string]bool {
	t.Helper()
	reported := regexp.MustCompile(`(?m)^testdata/(bad\.\w+):(\d+):`).FindAllStringSubmatch(badProblems, -1)
	values := map[string]bool{}
	quoted := regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	for _, r := range reported {
		b, err := os.ReadFile("testdata/" + r[1])
		if err != nil {
			t.Fatal(err)
		}
		line := strings.Split(string(b), "\n")[atoi(t, r[2])-1]
		var vs []string
		if strings.HasSuffix(r[1], ".csv") {
			vs = strings.Split(line, ",")
		} else {
			for _, m := range quoted.FindAllStringSubmatch(line, -1) {
				vs = append(vs, m[1])
			}
		}
		for _, v := range vs {
			if len([]rune(v)) >= 2 && len(v) >= 4 && !fieldWord(v) {
				values[v] = true
			}
		}
	}
	return values
}

// fieldWord says whether v is a field name, or part of one, which reports
// print as details (channel "phone" is customer.phone's last part).
func fieldWord(v string) bool {
	for _, f := range []string{"schema_version", "event_id", "event_type", "occurred_at", "request_id", "contract_id",
		"partner_id", "customer.name", "customer.phone", "customer.address", "customer.email", "note", "comment",
		"channel", "region", "product.serial", "product.model", "technician.id", "technician.certified", "visit_no",
		"resolution.cause", "resolution.warranty", "resolution.parts_fee", "resolution.labour_fee", "survey.nps", "survey.csat"} {
		if strings.Contains(f, v) {
			return true
		}
	}
	return false
}

func atoi(t *testing.T, s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
