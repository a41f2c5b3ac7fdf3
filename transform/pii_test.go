package transform

import (
	"reflect"
	"strings"
	"testing"
)

// stringsOf returns every string field of v, recursively.
func stringsOf(v reflect.Value) []string {
	switch v.Kind() {
	case reflect.String:
		return []string{v.String()}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return stringsOf(v.Elem())
	case reflect.Struct:
		var out []string
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				out = append(out, stringsOf(v.Field(i))...)
			}
		}
		return out
	}
	return nil
}

// A customer and free text full of personal data, for the messages below.
const (
	piiCustomer = `{"name":"欧阳娜娜","phone":"+86 139-1234-5678","address":"上海市浦东新区世纪大道100号","email":"ouyang.nana@example.com.cn"}`
	piiNote     = `"师傅态度很差,请三点后联系 13912345678 李秀英"`
)

func TestNoPIIInRowsOrRejects(t *testing.T) {
	tr := newTestTransformer(t)
	withPII := func(base string, edits ...edit) []byte {
		edits = append(edits, set("customer", piiCustomer), set("note", piiNote), set("comment", piiNote),
			set("contact", `{"phone":"13912345678","name":"李秀英"}`), set("remark", `"欧阳娜娜 13912345678"`))
		return build(t, base, edits...)
	}
	records := map[string][]byte{
		"docs example":             []byte(exampleRequestCreated),
		"accepted request_created": withPII(validRequestCreated),
		"accepted resolved":        withPII(validResolved),
		"bad channel":              withPII(validRequestCreated, set("channel", `"欧阳娜娜"`)),
		"missing serial":           withPII(validRequestCreated, del("product.serial")),
		"bad schema_version":       withPII(validRequestCreated, set("schema_version", `"欧阳娜娜"`)),
		"bad event_type":           withPII(validRequestCreated, set("event_type", `"13912345678"`)),
		"bad event_id":             withPII(validRequestCreated, set("event_id", `"欧阳娜娜"`)),
		"phone as number":          withPII(validRequestCreated, set("customer", `{"phone":13912345678,"name":"欧阳娜娜"}`)),
		"customer as string":       withPII(validRequestCreated, set("customer", `"欧阳娜娜 13912345678"`)),
		"odd-cased customer":       withPII(validClosed, set("Customer", piiCustomer), set("customerPhone", `"13912345678"`)),
		"pii as a key":             withPII(validClosed, set("欧阳娜娜", `"13912345678"`)),
		"escaped pii":              withPII(validClosed, set("customer", `{"name":"\u6b27\u9633\u5a1c\u5a1c"}`), set("event_type", `"\u6b27\u9633"`)),
		"truncated":                withPII(validRequestCreated)[:300],
		"invalid utf8":             append(withPII(validRequestCreated), 0xff),
		"oversize":                 append(withPII(validRequestCreated), strings.Repeat(" ", MaxMessageBytes)...),
		"array":                    []byte(`["欧阳娜娜",` + piiCustomer + `,13912345678]`),
		"plain text":               []byte(`欧阳娜娜 13912345678 上海市浦东新区世纪大道100号 ouyang.nana@example.com.cn`),
	}
	for name, v := range records {
		t.Run("record "+name, func(t *testing.T) {
			ev, rej := tr.DecodeRecord(testSource, v)
			for _, s := range stringsOf(reflect.ValueOf(ev)) {
				assertNoPII(t, "row", s)
			}
			for _, s := range stringsOf(reflect.ValueOf(rej)) {
				assertNoPII(t, "reject", s)
			}
			fb, rej := tr.DecodeFeedback(testSource, v)
			for _, s := range stringsOf(reflect.ValueOf(fb)) {
				assertNoPII(t, "feedback row", s)
			}
			for _, s := range stringsOf(reflect.ValueOf(rej)) {
				assertNoPII(t, "feedback reject", s)
			}
		})
	}
	feedback := map[string][]byte{
		"docs example":        []byte(exampleSurvey),
		"accepted survey":     withPII(validSurvey),
		"accepted complaint":  withPII(validComplaintOpened),
		"bad rating":          withPII(validSurvey, set("survey.csat", `"欧阳娜娜"`)),
		"complaint id is pii": withPII(validComplaintOpened, set("complaint.id", `"13912345678欧阳"`)),
	}
	for name, v := range feedback {
		t.Run("feedback "+name, func(t *testing.T) {
			ev, rej := tr.DecodeFeedback(testSource, v)
			for _, s := range stringsOf(reflect.ValueOf(ev)) {
				assertNoPII(t, "row", s)
			}
			for _, s := range stringsOf(reflect.ValueOf(rej)) {
				assertNoPII(t, "reject", s)
			}
		})
	}

	// The accepted ones really were accepted, with a customer ref.
	for _, v := range [][]byte{records["accepted request_created"], records["accepted resolved"]} {
		ev, rej := tr.DecodeRecord(testSource, v)
		if rej != nil || len(ev.CustomerRef) != 32 || !ev.HasNote {
			t.Errorf("want accepted with CustomerRef and HasNote: %+v %+v", ev, rej)
		}
	}
}

// TestStringsOfFindsEveryField guards the test above: a row whose every
// string field is set must yield them all.
func TestStringsOfFindsEveryField(t *testing.T) {
	var ev ServiceEvent
	n := 0
	v := reflect.ValueOf(&ev).Elem()
	var fill func(reflect.Value)
	fill = func(v reflect.Value) {
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			switch {
			case f.Kind() == reflect.String:
				f.SetString("欧阳娜娜")
				n++
			case f.Kind() == reflect.Struct && f.CanSet() && f.Type() == reflect.TypeOf(Source{}):
				fill(f)
			}
		}
	}
	fill(v)
	if got := len(stringsOf(reflect.ValueOf(ev))); got != n || n < 19 {
		t.Errorf("found %d of %d string fields", got, n)
	}
}
