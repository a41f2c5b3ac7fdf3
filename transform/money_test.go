package transform

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestMoney(t *testing.T) {
	tr := newTestTransformer(t)
	accepted := []struct {
		raw  string
		want string // decimal text; the row must be Equal to it and print as String()
	}{
		{`"120.50"`, "120.50"},
		{`120.5`, "120.50"},
		{`"120.5"`, "120.5"},
		{`"0"`, "0"},
		{`0`, "0"},
		{`"0.00"`, "0"},
		{`"0.01"`, "0.01"},
		{`0.1`, "0.10"},
		{`"9999999999999999.99"`, "9999999999999999.99"},
		// A float64 would print this as 1e16: the literal must be read exactly.
		{`9999999999999999.99`, "9999999999999999.99"},
		{`"1234567890123456"`, "1234567890123456"},
		{`"\u0031\u0032.50"`, "12.50"}, // escapes in a string are the same text
	}
	for _, tt := range accepted {
		t.Run("accept "+tt.raw, func(t *testing.T) {
			ev, rej := tr.DecodeRecord(testSource, build(t, validResolved, set("resolution.parts_fee", tt.raw), set("resolution.labour_fee", tt.raw)))
			if rej != nil {
				t.Fatalf("rejected: %s %s", rej.Reason, rej.Detail)
			}
			want := decimal.RequireFromString(tt.want)
			for name, got := range map[string]decimal.Decimal{"PartsFee": ev.PartsFee, "LabourFee": ev.LabourFee} {
				if !got.Equal(want) || got.String() != want.String() {
					t.Errorf("%s = %s, want %s", name, got, want)
				}
				if got.Exponent() != -2 || got.StringFixed(2) != want.StringFixed(2) {
					t.Errorf("%s = %s (exponent %d), want scale 2 like Decimal(18,2)", name, got.StringFixed(2), got.Exponent())
				}
			}
		})
	}

	rejected := []string{
		`"120.505"`, `"120.500"`, `120.500`, `"1e3"`, `1e3`, `1E2`, `1.0e2`, `"12,50"`, `-1`, `-0`, `"-0.01"`,
		`null`, `true`, `false`, `""`, `"abc"`, `"12345678901234567"`, `12345678901234567`,
		`" 12.50"`, `"12.50 "`, `"012.5"`, `"12."`, `".5"`, `"+1"`, `"１２"`, `"¥12"`, `{}`, `[]`, `["1"]`,
	}
	for _, raw := range rejected {
		t.Run("reject "+raw, func(t *testing.T) {
			ev, rej := tr.DecodeRecord(testSource, build(t, validResolved, set("resolution.parts_fee", raw)))
			if rej == nil {
				t.Fatalf("accepted as %s", ev.PartsFee)
			}
			if rej.Reason != ReasonBadMoney || rej.Detail != "resolution.parts_fee" {
				t.Errorf("reject %s %s, want bad_money resolution.parts_fee", rej.Reason, rej.Detail)
			}
		})
	}
}
