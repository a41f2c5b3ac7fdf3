package sla

import "testing"

// parseCents reads ClickHouse's text of a Decimal(18, 2) as units of 0.01,
// and refuses what is not one.
func TestParseCents(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"0.00", 0, false}, {"12.5", 1250, false}, {"12.05", 1205, false}, {"7", 700, false}, {"-0.01", -1, false},
		{"9999999999999999.99", 999999999999999999, false},
		{"", 0, true}, {"-", 0, true}, {".5", 0, true}, {"1.234", 0, true}, {"1e3", 0, true}, {"12.x", 0, true},
		{"99999999999999999.99", 0, true},
	} {
		got, err := parseCents(c.in)
		if (err != nil) != c.bad || (!c.bad && got != c.want) {
			t.Errorf("parseCents(%q) = %d, %v; want %d (error: %v)", c.in, got, err, c.want, c.bad)
		}
	}
}

// unpack reads back what packed sends: lengths in bytes, any byte in a
// value; a malformed or longer text is an error, not a silent cut.
func TestUnpack(t *testing.T) {
	var a, b string
	if err := unpack("3:a:b0:", &a, &b); err != nil || a != "a:b" || b != "" {
		t.Errorf("unpack(3:a:b0:) = %q, %q, %v", a, b, err)
	}
	if err := unpack("6:华东2:9:", &a, &b); err != nil || a != "华东" || b != "9:" {
		t.Errorf("unpack(6:华东2:9:) = %q, %q, %v", a, b, err)
	}
	a, b = "x", "y"
	if err := unpack("", &a, &b); err != nil || a != "" || b != "" {
		t.Errorf("unpack('') = %q, %q, %v; want both empty", a, b, err)
	}
	for _, in := range []any{"3:ab", "1:a", "1:a1:b1:c", "x:a1:b", "-1:1:b", 7} {
		if err := unpack(in, &a, &b); err == nil {
			t.Errorf("unpack(%v): no error", in)
		}
	}
}
