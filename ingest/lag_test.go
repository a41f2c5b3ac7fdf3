package ingest

import (
	"strings"
	"testing"
)

func TestLagWriteTable(t *testing.T) {
	l := Lag{Group: "g", Total: 7, Partitions: []PartitionLag{
		{Topic: "records", Partition: 0, Committed: 10, HighWater: 12, Lag: 2},
		{Topic: "feedback", Partition: 3, Committed: -1, HighWater: 5, Lag: 5},
	}}
	var b strings.Builder
	if err := l.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	// The layout of `servicepulse lag`: columns right-aligned, a
	// partition never committed on shows "none", the total last.
	want := "" +
		"     topic  partition  committed  high water  lag\n" +
		"   records          0         10          12    2\n" +
		"  feedback          3       none           5    5\n" +
		"     total                                      7\n"
	if got := b.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}
