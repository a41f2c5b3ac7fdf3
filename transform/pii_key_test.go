package transform

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadPIIKey(t *testing.T) {
	dir := t.TempDir()
	file := func(content string) string {
		p := filepath.Join(dir, strings.NewReplacer("\n", "", "\r", "").Replace(content)[:3]+".key")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		env     string
		file    string
		want    string
		wantErr string // a piece of the error; "" for none
	}{
		{"env", "0123456789abcdef", "", "0123456789abcdef", ""},
		{"env wins over file", "0123456789abcdef", file("fedcba9876543210\n"), "0123456789abcdef", ""},
		{"env too short", "short", "", "", "SERVICEPULSE_PII_KEY is 5 bytes: set it to at least 16 random bytes"},
		{"file", "", file("fileKey-0123456789\n"), "fileKey-0123456789", ""},
		{"file CRLF", "", file("crlfKey-0123456789\r\n"), "crlfKey-0123456789", ""},
		{"file inner spaces kept", "", file("spc key 0123456789"), "spc key 0123456789", ""},
		{"file too short", "", file("tiny\n"), "", "holds 4 bytes: write at least 16 random bytes"},
		{"file missing", "", filepath.Join(dir, "absent.key"), "", "read PII key file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(PIIKeyEnv, tt.env)
			got, err := LoadPIIKey(tt.file)
			if tt.wantErr == "" {
				if err != nil || string(got) != tt.want {
					t.Errorf("LoadPIIKey = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
			if got != nil {
				t.Errorf("key %q returned with an error", got)
			}
			if tt.env != "" && strings.Contains(err.Error(), tt.env) {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
}

func TestLoadPIIKeyMissing(t *testing.T) {
	t.Setenv(PIIKeyEnv, "")
	_, err := LoadPIIKey("")
	if !errors.Is(err, ErrNoPIIKey) {
		t.Fatalf("error %v, want ErrNoPIIKey", err)
	}
	if !strings.Contains(err.Error(), "set SERVICEPULSE_PII_KEY to at least 16 random bytes, or give a key file") {
		t.Errorf("the error does not say what to do: %v", err)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"ok", Config{PIIKey: []byte("0123456789abcdef")}, ""},
		{"no key", Config{}, `"PIIKey" is empty`},
		{"short key", Config{PIIKey: []byte("0123456789abcde")}, `"PIIKey" is 15 bytes, want at least 16`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate() = %v, want %q", err, tt.wantErr)
			}
			tr, err := New(tt.cfg)
			if (err == nil) != (tt.wantErr == "") || (err == nil) != (tr != nil) {
				t.Errorf("New() = %v, %v", tr, err)
			}
		})
	}
}

func TestNewCopiesKeyAndDefaultsClock(t *testing.T) {
	key := []byte("0123456789abcdef")
	tr, err := New(Config{PIIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	// The default clock is time.Now: an hour ago is accepted, two days
	// ahead is not.
	at := func(d time.Duration) string { return `"` + time.Now().Add(d).UTC().Format(time.RFC3339) + `"` }
	msg := build(t, validClosed, set("customer", `{"name":"张伟"}`), set("occurred_at", at(-time.Hour)))
	before, rej := tr.DecodeRecord(testSource, msg)
	if rej != nil || before.CustomerRef == "" {
		t.Fatalf("rejected: %+v", rej)
	}
	if _, rej := tr.DecodeRecord(testSource, build(t, validClosed, set("occurred_at", at(48*time.Hour)))); rej == nil || rej.Reason != ReasonFutureTimestamp {
		t.Errorf("two days ahead: %+v, want future_timestamp", rej)
	}
	clear(key)
	after, _ := tr.DecodeRecord(testSource, msg)
	if before.CustomerRef != after.CustomerRef {
		t.Error("clearing the caller's key changed the pseudonyms")
	}
}
