package extract

import "testing"

// TestNumber: the ways a filler writes a number into a blank.
func TestNumber(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
	}{
		{"4", 4}, {"24", 24}, {"0.5", 0.5}, {" __ 8 __ ", 8}, {"4个", 4},
		{"四", 4}, {"十", 10}, {"十二", 12}, {"二十四", 24}, {"两", 2}, {"一百零五", 105}, {"一个半", 1.5},
		{"二〇二六", 2026},
	} {
		if got, err := number(tt.in); err != nil || got != tt.want {
			t.Errorf("number(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "4h", "-4", "1e3", "NaN", "二四十", "百", "十十", "4.", ".5", "四小时"} {
		if got, err := number(bad); err == nil {
			t.Errorf("number(%q) = %v, want an error", bad, got)
		}
	}
}

// TestClock: the ways a filler writes the hours of 工作日__时至__时.
func TestClock(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int // minutes
	}{
		{"9", 540}, {"9时", 540}, {"9:00", 540}, {"09:00", 540}, {"8:30", 510}, {"8时30分", 510}, {"8点半", 510},
		{"九", 540}, {"十八时", 1080}, {"24", 1440}, {"0", 0}, {" _9_ 时", 540},
	} {
		if got, err := clock(tt.in); err != nil || got != tt.want {
			t.Errorf("clock(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"25", "24:30", "9:5", "9:60", "九点钟", "nine", ""} {
		if got, err := clock(bad); err == nil {
			t.Errorf("clock(%q) = %v, want an error", bad, got)
		}
	}
}

// TestSplitSkipsContentsAndAppendix: the body's clauses come from the
// body, not the table of contents, and appendix clauses stay apart.
func TestSplitSkipsContentsAndAppendix(t *testing.T) {
	d := split("合同目录\n第一章:总则\n2.3 服务响应\n2.3.1 目录里的\n合同编号 X\n第一章:总则\n2.3 服务响应\n2.3.1 正文\n的续行\n"+
		"附加条款一:甲方\n1.1 附加的\n2.3.1 附加的\n", "c.txt")
	c := d.clauses["2.3.1"]
	if c == nil || c.text != "正文的续行" || c.line != 8 || c.lineAt(len("正文")) != 9 {
		t.Fatalf("clause 2.3.1 = %+v, want the body's, line 8, continued on line 9", c)
	}
	if _, dup := d.dup["2.3.1"]; dup {
		t.Error("the appendix's 2.3.1 was taken for a second body clause")
	}
	if a := d.appendix["附加条款一"]["1.1"]; a == nil || a.line != 11 {
		t.Errorf("appendix 1.1 = %+v, want line 11", a)
	}
}
