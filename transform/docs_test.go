package transform

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestDocExamplesVerbatim keeps the examples of docs/events.md equal to the
// constants the tests use, and accepted by the decoder of their topic.
func TestDocExamplesVerbatim(t *testing.T) {
	page, err := os.ReadFile("../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)\n```").FindAllSubmatch(page, -1)
	var found []string
	for _, b := range blocks {
		found = append(found, string(b[1]))
	}
	want := []string{exampleRequestCreated, exampleResolved, exampleSurvey}
	if !slices.Equal(found, want) {
		t.Fatalf("the examples of docs/events.md changed; update the constants in helpers_test.go.\npage:  %q\ntests: %q", found, want)
	}
	tr := newTestTransformer(t)
	for _, ex := range []string{exampleRequestCreated, exampleResolved} {
		if _, rej := tr.DecodeRecord(testSource, []byte(ex)); rej != nil {
			t.Errorf("docs example rejected: %s %s", rej.Reason, rej.Detail)
		}
	}
	if _, rej := tr.DecodeFeedback(testSource, []byte(exampleSurvey)); rej != nil {
		t.Errorf("docs example rejected: %s %s", rej.Reason, rej.Detail)
	}
}
