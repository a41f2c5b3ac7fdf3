package sla_test

import (
	"testing"

	"servicepulse/sla"
)

func TestQuoteList(t *testing.T) {
	for _, tt := range []struct {
		ids  []string
		want string
	}{
		{nil, ""},
		{[]string{"R1"}, `'R1'`},
		{[]string{"R1", "it's", `a\b`, `\'`}, `'R1','it\'s','a\\b','\\\''`},
	} {
		if got := sla.QuoteList(tt.ids); got != tt.want {
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
		sla.QuoteList(ids)
	}
}
