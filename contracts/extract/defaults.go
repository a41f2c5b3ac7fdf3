package extract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// defaultKeys are the keys a defaults file may give: the terms the template
// does not carry, in the order the YAML writes them. Values are checked as
// contracts.Parse checks a contracts file, at the defaults file's lines.
var defaultKeys = []string{"name", "extension_years", "calendar", "timezone", "pause_reasons", "warn_hours", "fees", "targets", "weights"}

// templateKeys are the keys the template carries, with their clause: a
// defaults file cannot give them.
var templateKeys = map[string]string{
	"id": "合同编号", "effective_from": "签订日期, clause 1.4.1", "response_hours": "clause 2.3.1", "onsite_hours": "clause 2.3.1",
	"parts_days": "clause 3.2.2", "warranty_years": "clauses 2.1.1 and 4.1.1", "window": "clause 3.1.2",
	"repair_window": "clause 3.3.2", "hotline": "clause 3.4.1", "online_channel": "clause 3.4.1",
}

// parseDefaults reads a defaults file: one YAML mapping of the keys of
// defaultKeys to values in the contracts-file format, such as
//
//	calendar: mon-fri
//	pause_reasons: [waiting_customer]
//	targets: {reply_sla_rate: 98}
//
// It returns each value re-encoded in flow style on one line, with its line.
func parseDefaults(src []byte, file string) (map[string]Value, problems) {
	var ps problems
	bad := func(line int, format string, args ...any) {
		ps.add(&Problem{File: file, Line: max(line, 1), Msg: fmt.Sprintf(format, args...)})
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty defaults file gives nothing
		}
		line, msg := 1, strings.TrimPrefix(err.Error(), "yaml: ")
		if rest, ok := strings.CutPrefix(msg, "line "); ok {
			if n, m, ok := strings.Cut(rest, ": "); ok {
				if l, err := strconv.Atoi(n); err == nil {
					line, msg = l, m
				}
			}
		}
		bad(line, "YAML syntax: %s", msg)
		return nil, ps
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		bad(root.Line, "a defaults file is a mapping of terms, such as calendar: prc")
		return nil, ps
	}
	out := map[string]Value{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch clause, carried := templateKeys[k.Value]; {
		case carried:
			bad(k.Line, "%s comes from the signed contract (%s), not from a defaults file", k.Value, clause)
			continue
		case !slices.Contains(defaultKeys, k.Value):
			bad(k.Line, "unknown key %s; a defaults file gives %s", k.Value, strings.Join(defaultKeys, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			bad(k.Line, "%s given twice", k.Value)
			continue
		}
		text, err := flow(v)
		if err != nil {
			bad(v.Line, "%s: %v", k.Value, err)
			continue
		}
		out[k.Value] = Value{Key: k.Value, YAML: text, Source: DefaultsFile, File: file, Line: v.Line}
	}
	return out, ps
}

// flow re-encodes a value on one line (flow style, comments dropped).
func flow(n *yaml.Node) (string, error) {
	var strip func(*yaml.Node)
	strip = func(n *yaml.Node) {
		n.HeadComment, n.LineComment, n.FootComment = "", "", ""
		if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
			n.Style = yaml.FlowStyle
		}
		if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			n.Style = yaml.DoubleQuotedStyle
		}
		for _, c := range n.Content {
			strip(c)
		}
	}
	if n.Kind == yaml.AliasNode {
		return "", errors.New("aliases are not supported; write the value")
	}
	strip(n)
	b, err := yaml.Marshal(n)
	if err != nil {
		return "", err
	}
	s := strings.TrimSuffix(string(b), "\n")
	if strings.Contains(s, "\n") {
		return "", errors.New("must fit on one line")
	}
	return s, nil
}
