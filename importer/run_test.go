package importer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noBroker is an address nothing listens on: these runs send nothing, and
// kafka-go's writer connects only to send.
var noBroker = []string{"127.0.0.1:1"}

// TestRunRefusesHeaderlessCSV: a CSV file whose first line is data is
// reported at line 1 without echoing it, the file's rows are not read, and
// the run says the input was invalid; the other files are still read.
func TestRunRefusesHeaderlessCSV(t *testing.T) {
	dir := t.TempDir()
	headerless := filepath.Join(dir, "export.csv")
	if err := os.WriteFile(headerless, []byte("e1,request_created,1,张伟,13800138000\ne2,acknowledged,1,张伟,13800138000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"customer":{"name":"张伟"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var problems bytes.Buffer
	sum, err := Run(context.Background(), Config{Files: []string{headerless, bad}, Brokers: noBroker, Problems: &problems}, nil)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "1 file(s) with a bad header") {
		t.Fatalf("error %v, want ErrInvalid naming the bad header", err)
	}
	want := headerless + ":1: bad_header: no event_type column: the first line must be the header, one dotted field path per column (product.serial)\n" +
		bad + ":1: bad_json (invalid JSON object)\n"
	if problems.String() != want {
		t.Errorf("problems:\n%s\nwant:\n%s", problems.String(), want)
	}
	if strings.Contains(problems.String(), "张伟") || strings.Contains(err.Error(), "13800138000") {
		t.Errorf("a value is echoed: %s", problems.String())
	}
	if len(sum.Files) != 2 || sum.Files[0].Lines != 0 || !strings.HasPrefix(sum.Files[0].Error, "bad_header: ") ||
		sum.Files[1].Invalid != 1 || sum.Sent != 0 || sum.Invalid != 1 {
		t.Errorf("summary %+v: want the CSV refused unread and the JSON line invalid, nothing sent", sum)
	}
}

// TestRunOpensEveryFileFirst: a file that cannot be opened ends the run
// before any line is read or sent.
func TestRunOpensEveryFileFirst(t *testing.T) {
	var problems bytes.Buffer
	missing := filepath.Join(t.TempDir(), "missing.jsonl")
	sum, err := Run(context.Background(), Config{Files: []string{"testdata/bad.jsonl", missing}, Brokers: noBroker, Problems: &problems}, nil)
	if err == nil || errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("error %v, want one naming %s", err, missing)
	}
	if problems.Len() > 0 || sum.Lines != 0 {
		t.Errorf("lines were read before every file was opened: %+v\n%s", sum, problems.String())
	}
}

// TestConfigValidate: a bad config names its field.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Brokers: noBroker}, "Files"},
		{Config{Files: []string{"-", "-"}, Brokers: noBroker}, "Files"},
		{Config{Files: []string{"a"}}, "Brokers"},
		{Config{Files: []string{"a"}, Brokers: noBroker, Kind: "survey"}, "Kind"},
		{Config{Files: []string{"a"}, Brokers: noBroker, Format: "xlsx"}, "Format"},
		{Config{Files: []string{"a"}, Brokers: noBroker, RecordsTopic: "t", FeedbackTopic: "t"}, "FeedbackTopic"},
		{Config{Files: []string{"a"}, Brokers: noBroker, BatchSize: -1}, "BatchSize"},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%+v: got %v, want an error naming %s", tt.cfg, err, tt.want)
		}
	}
	ok := Config{Files: []string{"a.csv"}, Brokers: noBroker}
	if err := ok.Validate(); err != nil || ok.Kind != Auto || ok.Format != FormatAuto || ok.BatchSize != 10000 ||
		ok.RecordsTopic != DefaultRecordsTopic || ok.FeedbackTopic != DefaultFeedbackTopic {
		t.Errorf("defaults: %+v, %v", ok, err)
	}
}
