package transform

import (
	"regexp"
	"testing"
	"time"
)

func TestIsIDMatchesPattern(t *testing.T) {
	re := regexp.MustCompile(idPattern)
	for c := 0; c < 256; c++ {
		s := []byte{byte(c)}
		if isID(s) != re.Match(s) {
			t.Errorf("byte %#x: isID %v, pattern %v", c, isID(s), re.Match(s))
		}
	}
	for _, s := range []string{"", "a", "SR-000001", "a.b:c_d-e", string(make([]byte, 64)), "x" + string(make([]byte, 64))} {
		if isID([]byte(s)) != re.MatchString(s) {
			t.Errorf("%q: isID %v, pattern %v", s, isID([]byte(s)), re.MatchString(s))
		}
	}
	long := []byte("0123456789012345678901234567890123456789012345678901234567890123")
	if !isID(long) || isID(append(long, 'x')) {
		t.Error("64 characters is the limit")
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time // zero: rejected
		day  civilDate
	}{
		{"2026-09-01T09:15:00+08:00", time.Date(2026, 9, 1, 1, 15, 0, 0, time.UTC), civilDate{2026, 9, 1}},
		{"2026-09-01T09:15:00Z", time.Date(2026, 9, 1, 9, 15, 0, 0, time.UTC), civilDate{2026, 9, 1}},
		{"2026-09-01T09:15:00-00:00", time.Date(2026, 9, 1, 9, 15, 0, 0, time.UTC), civilDate{2026, 9, 1}},
		{"2026-09-01T23:30:00-05:30", time.Date(2026, 9, 2, 5, 0, 0, 0, time.UTC), civilDate{2026, 9, 1}},
		{"2026-09-01T09:15:00.5Z", time.Date(2026, 9, 1, 9, 15, 0, 500000000, time.UTC), civilDate{2026, 9, 1}},
		{"2026-09-01T09:15:00.000000001+00:00", time.Date(2026, 9, 1, 9, 15, 0, 1, time.UTC), civilDate{2026, 9, 1}},
		{"2024-02-29T00:00:00Z", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), civilDate{2024, 2, 29}},
		{"2026-09-01T09:15:00", time.Time{}, civilDate{}},
		{"2026-09-01T09:15:00+0800", time.Time{}, civilDate{}},
		{"2026-09-01T09:15:00+08", time.Time{}, civilDate{}},
		{"2026-09-01T09:15:00+24:00", time.Time{}, civilDate{}},
		{"2026-09-01T09:15:00+08:60", time.Time{}, civilDate{}},
		{"2026-09-01t09:15:00z", time.Time{}, civilDate{}},
		{"2026-09-01 09:15:00Z", time.Time{}, civilDate{}},
		{"2026-09-01T9:15:00Z", time.Time{}, civilDate{}},
		{"2026-09-01T24:00:00Z", time.Time{}, civilDate{}},
		{"2026-09-01T23:60:00Z", time.Time{}, civilDate{}},
		{"2026-09-01T23:59:60Z", time.Time{}, civilDate{}},
		{"2026-13-01T00:00:00Z", time.Time{}, civilDate{}},
		{"2026-00-01T00:00:00Z", time.Time{}, civilDate{}},
		{"2025-02-29T00:00:00Z", time.Time{}, civilDate{}},
		{"2026-09-01T09:15:00,5Z", time.Time{}, civilDate{}},
		{"2026-09-01T09:15:00.Z", time.Time{}, civilDate{}},
		{"2026-09-01T09:15:00.1234567890Z", time.Time{}, civilDate{}},
		{"+2026-09-01T09:15:00Z", time.Time{}, civilDate{}},
		{"2026-09-01T09:15:00Z ", time.Time{}, civilDate{}},
		{"２０２６-09-01T09:15:00Z", time.Time{}, civilDate{}},
		{"", time.Time{}, civilDate{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, d, ok := parseTimestamp([]byte(tt.in))
			if ok != !tt.want.IsZero() {
				t.Fatalf("ok = %v, want %v", ok, !tt.want.IsZero())
			}
			if ok && (!got.Equal(tt.want) || got.Location() != time.UTC || d != tt.day) {
				t.Errorf("= %v day %v, want %v day %v", got, d, tt.want, tt.day)
			}
		})
	}
}

func TestParseCivil(t *testing.T) {
	for in, ok := range map[string]bool{
		"2025-03-01": true, "2000-01-01": true, "2024-02-29": true, "2100-02-29": false, "2000-02-29": true,
		"2025-3-1": false, "2025-03-01T00:00:00Z": false, "2025/03/01": false, "2025-04-31": false, "": false,
	} {
		if _, got := parseCivil([]byte(in)); got != ok {
			t.Errorf("parseCivil(%q) ok = %v, want %v", in, got, ok)
		}
	}
}

func TestEnumSetsMatchLists(t *testing.T) {
	for _, tt := range []struct {
		set  enumSet
		list []string
	}{
		{recordTypeSet, RecordTypes}, {feedbackTypeSet, FeedbackTypes}, {channelSet, Channels},
		{causeSet, Causes}, {warrantySet, Warranties}, {pauseReasonSet, PauseReasons},
		{complaintSet, ComplaintClasses}, {severitySet, Severities},
	} {
		if len(tt.set) != len(tt.list) {
			t.Errorf("set of %v has %d values", tt.list, len(tt.set))
		}
		for _, v := range tt.list {
			if got, ok := tt.set.lookup([]byte(v)); !ok || got != v {
				t.Errorf("lookup(%q) = %q, %v", v, got, ok)
			}
		}
	}
}
