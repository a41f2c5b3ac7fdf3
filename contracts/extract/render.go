package extract

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"servicepulse/contracts"
)

// readOthers sets the terms the template does not carry: from a flag, else
// the defaults file, else the default, and says which.
func (x *extractor) readOthers() {
	var given map[string]Value
	if x.o.Defaults != nil {
		var ps problems
		given, ps = parseDefaults(x.o.Defaults, x.o.DefaultsName)
		x.errs = append(x.errs, ps...)
	}
	flags := map[string]string{"name": x.o.Name, "calendar": x.o.Calendar, "timezone": x.o.Timezone}
	defaults := map[string]Value{
		"name":            {YAML: yamlQuote(x.id), Where: "the id (--name)"},
		"extension_years": {YAML: "0", Where: "none (clause 4.4: agreed separately)"},
		"calendar":        {YAML: "prc", Where: "工作日 as PRC working days (--calendar)"},
		"timezone":        {YAML: contracts.DefaultTimezone, Where: "the format's (--timezone)"},
		"pause_reasons":   {YAML: "[" + strings.Join(contracts.DefaultPauseReasons(), ", ") + "]", Where: "the format's"},
	}
	for _, key := range defaultKeys {
		switch v, inFile := given[key]; {
		case flags[key] != "":
			x.values = append(x.values, Value{Key: key, YAML: yamlQuote(flags[key]), Source: Flag, Where: "--" + key})
		case inFile:
			x.values = append(x.values, v)
		default:
			if d, ok := defaults[key]; ok {
				d.Key, d.Source = key, Default
				x.values = append(x.values, d)
			}
		}
	}
}

// yamlQuote writes s as a YAML double-quoted scalar, whatever it holds.
func yamlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == utf8.RuneError || !unicode.IsPrint(r) || r == '\u2028' || r == '\u2029' || r == '\uFEFF' || r == '\u0085':
			if r > 0xFFFF {
				fmt.Fprintf(&b, `\U%08X`, r)
			} else {
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// versionOrder is the order of a version's keys in the YAML.
var versionOrder = []string{
	"effective_from", "response_hours", "onsite_hours", "parts_days", "warranty_years", "extension_years",
	"calendar", "window", "repair_window", "timezone", "pause_reasons", "warn_hours", "hotline", "online_channel",
	"fees", "targets", "weights",
}

// render writes the contracts file of the extract, each value with its
// comment, and returns which value each line holds.
func (x *extractor) render() ([]byte, map[int]Value) {
	byKey := map[string]Value{}
	for _, v := range x.values {
		byKey[v.Key] = v
	}
	type row struct {
		text string
		v    *Value
	}
	var rows []row
	add := func(indent, key string) {
		if v, ok := byKey[key]; ok {
			rows = append(rows, row{indent + key + ": " + v.YAML, &v})
		}
	}
	add("  - ", "id")
	add("    ", "name")
	rows = append(rows, row{text: "    versions:"})
	first := true
	for _, key := range versionOrder {
		if _, ok := byKey[key]; !ok {
			continue
		}
		indent := "        "
		if first {
			indent, first = "      - ", false
		}
		add(indent, key)
	}
	width := 0
	for _, r := range rows {
		if r.v != nil {
			width = max(width, utf8.RuneCountInString(r.text))
		}
	}
	var b strings.Builder
	b.WriteString("# The terms of one signed contract, " + strconv.Quote(x.file) + ", read by\n")
	b.WriteString("# `servicepulse contracts extract`. Each comment says where the value came\n")
	b.WriteString("# from: a clause of the contract and its line, a flag, the defaults file\n")
	b.WriteString("# or a default. Format: contracts/README.md.\n")
	b.WriteString("contracts:\n")
	origins := map[int]Value{}
	line := strings.Count(b.String(), "\n")
	x.values = x.values[:0]
	for _, r := range rows {
		line++
		b.WriteString(r.text)
		if r.v != nil {
			b.WriteString(strings.Repeat(" ", width-utf8.RuneCountInString(r.text)+2))
			b.WriteString("# " + r.v.comment())
			origins[line] = *r.v
			x.values = append(x.values, *r.v)
		}
		b.WriteByte('\n')
	}
	return []byte(b.String()), origins
}
