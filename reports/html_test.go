package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The page renders the golden report data: self-contained, A4 print rules,
// Chinese titles, and a trend chart with a point per period with data.
func TestWriteHTML(t *testing.T) {
	b, err := os.ReadFile("testdata/september/report.json")
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteHTML(&out, &r); err != nil {
		t.Fatal(err)
	}
	html := out.String()
	for _, want := range []string{"@page { size: A4", "@media print", "服务请求回复及时率", `id="score">71.77<`, "<svg"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// No external assets: no src= or href= attributes, no url(…), no @import.
	if m := regexp.MustCompile(`(?i)(\ssrc=|\shref=|url\(|@import)`).FindString(html); m != "" {
		t.Errorf("page refers to an external asset: %q", m)
	}
	// reply_sla_rate: June, July empty; August 100, September 50 → 2 points.
	row := regexp.MustCompile(`(?s)<tr data-kpi="reply_sla_rate">.*?</tr>`).FindString(html)
	if n := strings.Count(row, "<circle"); n != 2 {
		t.Errorf("reply_sla_rate chart has %d points, want 2:\n%s", n, row)
	}
}
