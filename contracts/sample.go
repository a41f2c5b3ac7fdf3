package contracts

import (
	"bytes"
	_ "embed"
)

// sampleYAML is the demo's contracts file.
//
//go:embed sample.yaml
var sampleYAML []byte

// SampleYAML returns the text of the demo's contracts file, for a command
// that writes it out as a starting point.
func SampleYAML() []byte { return bytes.Clone(sampleYAML) }

// Sample returns the demo's contracts (sample.yaml): the five contracts the
// synthetic traffic generator serves, with the terms it serves them under
// from 2025 on, and CT-GOLD in two versions (looser before 2025-01-01).
// Each call returns a new File, which the caller may keep.
func Sample() *File {
	f, err := Parse(bytes.NewReader(sampleYAML), "sample.yaml")
	if err != nil {
		panic("contracts: the embedded sample.yaml is invalid: " + err.Error()) // pinned by TestSample
	}
	return f
}
