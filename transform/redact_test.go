package transform

import (
	stdjson "encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// piiStrings are personal data used by the tests, and distinctive pieces of
// them: none may ever appear in a row, a Detail or a Payload.
var piiStrings = []string{
	"张伟", "欧阳娜娜", "欧阳", "娜娜", "李秀英", "秀英",
	"13800138000", "1380013", "13912345678", "1391234", "139-1234-5678",
	"北京市朝阳区建国路1号", "朝阳区", "建国路", "上海市浦东新区世纪大道100号", "浦东新区", "世纪大道",
	"zw@example.cn", "ouyang.nana@example.com.cn", "ouyang", "nana@",
	"空调不制冷", "请上午来", "师傅很专业", "态度很差", "三点后",
	`\u6b27\u9633`, `\u5a1c`,
}

// assertNoPII fails if s contains any of piiStrings.
func assertNoPII(t *testing.T, where, s string) {
	t.Helper()
	for _, p := range piiStrings {
		if strings.Contains(s, p) {
			t.Errorf("%s contains personal data %q:\n%s", where, p, s)
		}
	}
}

// TestRedactGolden redacts each testdata/redact/*.input and compares with its
// .golden file (go test -run TestRedactGolden -update rewrites them).
func TestRedactGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/redact/*.input")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".input")
		t.Run(name, func(t *testing.T) {
			value, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := Redact(value)
			assertNoPII(t, "Redact", got)
			if !utf8.ValidString(got) || len(got) > MaxRedactedBytes {
				t.Errorf("output: valid UTF-8 %v, %d bytes", utf8.ValidString(got), len(got))
			}
			golden := strings.TrimSuffix(in, ".input") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != strings.TrimSuffix(string(want), "\n") {
				t.Errorf("Redact(%s):\ngot  %s\nwant %s", in, got, want)
			}
		})
	}
}

// TestRedactJSON checks the rules for a payload that is a JSON object.
func TestRedactJSON(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
	}{
		{"customer object replaced whole", `{"customer":{"name":"a","x":{"y":1}}}`, `{"customer":"<redacted>"}`},
		{"personal names at any depth, any kind", `{"a":{"b":{"phone":13800138000,"email":["x"],"address":{"c":"d"},"name":null}}}`,
			`{"a":{"b":{"phone":"<redacted>","email":"<redacted>","address":"<redacted>","name":"<redacted>"}}}`},
		{"note and comment", `{"note":"x","comment":"y"}`, `{"note":"<redacted>","comment":"<redacted>"}`},
		{"names matched by word and case", `{"Phone":"1","contact_phone":"2","customerName":"3","E-Mail":"4","NOTE":"5","phone2":"6"}`,
			`{"Phone":"<redacted>","contact_phone":"<redacted>","customerName":"<redacted>","E-Mail":"***","NOTE":"<redacted>","phone2":"***"}`},
		{"escaped name", `{"n\u0061me":"x"}`, `{"name":"<redacted>"}`},
		{"contract codes kept", `{"event_id":"e-000001","schema_version":1,"product":{"serial":"SN-1"},"visit_no":1.5,"survey":{"csat":null},"channel":"Phone","region":"North China"}`,
			`{"event_id":"e-000001","schema_version":1,"product":{"serial":"SN-1"},"visit_no":1.5,"survey":{"csat":null},"channel":"Phone","region":"North China"}`},
		{"contract values that are not codes masked", `{"channel":"张伟","event_id":"13800138000","visit_no":13800138000,"region":"华北","event_type":"\u0041","model":"` + strings.Repeat("x", 65) + `"}`,
			`{"channel":"***","event_id":"***","visit_no":"***","region":"***","event_type":"***","model":"***"}`},
		{"unknown fields masked", `{"remark":"张伟","ticket":13800138000,"count":3,"ok":false,"list":["a",1]}`,
			`{"remark":"***","ticket":"***","count":3,"ok":false,"list":["***",1]}`},
		{"arrays under contract names masked", `{"region":["张伟"]}`, `{"region":["***"]}`},
		{"personal keys masked", `{"张伟":"x","k13800138000":1,"event_id":"e"}`, `{"***":"***","***":1,"event_id":"e"}`},
		{"white space dropped", " {\n \"event_id\" : \"e-1\" ,\t\"note\" : \"x\" } ", `{"event_id":"e-1","note":"<redacted>"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Redact([]byte(tt.in))
			if got != tt.want {
				t.Errorf("Redact(%s)\n = %s\nwant %s", tt.in, got, tt.want)
			}
			if !stdjson.Valid([]byte(got)) {
				t.Errorf("not JSON: %s", got)
			}
		})
	}
}

func TestRedactText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"truncated", `{"event_id":"e-1","customer":{"name":"张伟","phone":"1380013`, `{"event_id":"***","customer":{"name":"***","phone":"***`},
		{"contract names kept before a colon only", `{"event_id" : "event_id", "name":"name"`, `{"event_id" : "***", "name":"***"`},
		{"numbers", `[1, 12345, 1.5e3, -0.25, 1380013800, true, null, nul]`, `[1, ***, 1.5e3, -0.25, ***, true, null, ***]`},
		{"invalid UTF-8", "{\"note\":\"\xff\",\xfe\xff: 1}", `{"note":"***",***: 1}`},
		{"escaped quote inside a literal", `{"note":"a\"b\\", "region":x`, `{"note":"***", "region":***`},
		{"plain text", "张伟 13800138000\n北京", "*** ***\n***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact([]byte(tt.in)); got != tt.want {
				t.Errorf("Redact(%q)\n = %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactTruncates(t *testing.T) {
	// A long payload whose redacted form is predictable: it is re-emitted
	// as it is.
	in := `{"event_id":"e-1","x":[` + strings.Repeat("1,", 3000) + `1],"note":"张伟"}`
	full := strings.Replace(in, `"张伟"`, `"<redacted>"`, 1)
	got := Redact([]byte(in))
	if len(got) > MaxRedactedBytes || !utf8.ValidString(got) {
		t.Errorf("%d bytes (max %d), valid UTF-8 %v", len(got), MaxRedactedBytes, utf8.ValidString(got))
	}
	kept := strings.Index(got, "…")
	if kept < 0 {
		t.Fatalf("no truncation marker: %s", got[len(got)-40:])
	}
	if got[:kept] != full[:kept] {
		t.Errorf("the kept part is not a prefix of the redacted form")
	}
	if want := "…(truncated " + strconv.Itoa(len(full)-kept) + " bytes)"; got[kept:] != want {
		t.Errorf("marker %q, want %q", got[kept:], want)
	}

	// Text that is not JSON is truncated the same way.
	got = Redact([]byte(strings.Repeat("张伟 ", 5000)))
	if len(got) > MaxRedactedBytes || !strings.Contains(got, "…(truncated ") {
		t.Errorf("text: %d bytes, %q", len(got), got[len(got)-30:])
	}
}

// TestTruncateOnRuneBoundary cuts 3-byte runes at every offset.
func TestTruncateOnRuneBoundary(t *testing.T) {
	for pad := 0; pad < 3; pad++ {
		out := []byte(strings.Repeat("x", pad) + strings.Repeat("华", 2*MaxRedactedBytes))
		got := truncateRedacted(out)
		if len(got) > MaxRedactedBytes || !utf8.ValidString(got) {
			t.Errorf("pad %d: %d bytes, valid UTF-8 %v", pad, len(got), utf8.ValidString(got))
		}
		kept := strings.Index(got, "…(")
		if want := "…(truncated " + strconv.Itoa(len(out)-kept) + " bytes)"; got[kept:] != want {
			t.Errorf("pad %d: marker %q, want %q", pad, got[kept:], want)
		}
	}
	if got := truncateRedacted([]byte("short")); got != "short" {
		t.Errorf("short output changed: %q", got)
	}
}
