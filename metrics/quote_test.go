package metrics_test

import (
	"testing"

	"servicepulse/metrics"
)

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{"": `''`, "PT-A": `'PT-A'`, `a'b\c`: `'a\'b\\c'`} {
		if got := metrics.Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestQuoteList(t *testing.T) {
	for _, tt := range []struct {
		ids  []string
		want string
	}{
		{nil, ""},
		{[]string{"R1"}, `'R1'`},
		{[]string{"R1", "it's", `a\b`, `\'`}, `'R1','it\'s','a\\b','\\\''`},
		{[]string{"SR-1", `a'b\c`}, `'SR-1','a\'b\\c'`},
	} {
		if got := metrics.QuoteList(tt.ids); got != tt.want {
			t.Errorf("QuoteList(%q) = %s, want %s", tt.ids, got, tt.want)
		}
	}
}

func BenchmarkQuoteList(b *testing.B) {
	ids := make([]string, 2000)
	for i := range ids {
		ids[i] = "SR-2026-0000" + string(rune('0'+i%10))
	}
	b.ReportAllocs()
	for b.Loop() {
		metrics.QuoteList(ids)
	}
}
