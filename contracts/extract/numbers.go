package extract

import (
	"fmt"
	"strconv"
	"strings"
)

// blankChars are what a blank is made of, and what a filler leaves around
// the value written into it.
const blankChars = " _"

// clean strips what is left of a blank around a value: spaces, underlines,
// and any of the given suffixes (such as 时 or 个) next to it.
func clean(s string, suffixes ...string) string {
	s = strings.Trim(s, blankChars)
	for changed := true; changed; {
		changed = false
		for _, suf := range suffixes {
			if t := strings.TrimSuffix(s, suf); t != s {
				s, changed = strings.Trim(t, blankChars), true
			}
		}
	}
	return s
}

// empty reports whether a cleaned blank says nothing: left as it was, or
// struck through with a dash or 无 (none).
func empty(s string) bool {
	switch s {
	case "", "无", "/", "-", "—", "--", "——":
		return true
	}
	return false
}

var digitOf = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

var unitOf = map[rune]int{'十': 10, '百': 100, '千': 1000}

// chineseInt reads a number written in Chinese numerals: 四, 十二, 二十四,
// 一百二十, 两, or digit by digit as years are (二〇二六).
func chineseInt(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	hasUnit := strings.ContainsAny(s, "十百千")
	total, cur, n := 0, -1, 0
	for _, r := range s {
		n++
		if n > 8 {
			return 0, false
		}
		if d, ok := digitOf[r]; ok {
			if !hasUnit {
				total = total*10 + d
				continue
			}
			if cur > 0 && d != 0 {
				return 0, false // two digits in a row: 二四
			}
			cur = d
			continue
		}
		u, ok := unitOf[r]
		if !ok || !hasUnit {
			return 0, false
		}
		if cur < 0 {
			if u != 10 || total != 0 {
				return 0, false // 百 alone; 十 only leads (十二)
			}
			cur = 1
		}
		total += cur * u
		cur = -1
	}
	if cur > 0 {
		total += cur
	}
	return total, true
}

// number reads a filled blank as a number: ASCII digits (full-width ones are
// normalised before), with a decimal part, or Chinese numerals; a measure
// word 个 after it (4个小时) is allowed.
func number(s string) (float64, error) {
	s = clean(s, "个")
	if f, err := strconv.ParseFloat(s, 64); err == nil && isDecimal(s) {
		return f, nil
	}
	if n, ok := chineseInt(s); ok {
		return float64(n), nil
	}
	if strings.HasSuffix(s, "半") { // 一个半: one and a half
		if n, ok := chineseInt(clean(strings.TrimSuffix(s, "半"), "个")); ok {
			return float64(n) + 0.5, nil
		}
	}
	return 0, fmt.Errorf("%s is not a number", quote(s))
}

// isDecimal accepts 4, 24, 0.5: no sign, exponent, Inf or NaN.
func isDecimal(s string) bool {
	dot := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return s != ""
}

// integer reads a whole number (digits or Chinese numerals).
func integer(s string) (int, error) {
	f, err := number(s)
	if err != nil {
		return 0, err
	}
	if f != float64(int(f)) || f > 1e6 {
		return 0, fmt.Errorf("%s is not a whole number", quote(s))
	}
	return int(f), nil
}

// clock reads a time of day written in a blank of 工作日__时至__时: 9, 9时,
// 9:00, 8:30, 8时30分, 8点半, 九, 十八时; it returns minutes after midnight.
func clock(s string) (int, error) {
	s = clean(s, "时", "点", "整")
	var hs, ms string
	switch {
	case strings.Contains(s, ":"):
		hs, ms, _ = strings.Cut(s, ":")
		if len(ms) != 2 {
			return 0, fmt.Errorf("%s is not a time of day (9:00, 9时)", quote(s))
		}
	case strings.ContainsAny(s, "时点"):
		i := strings.IndexAny(s, "时点")
		hs, ms = s[:i], clean(s[i+len("时"):], "分")
		if ms == "半" {
			ms = "30"
		}
	default:
		hs = s
	}
	h, err := integer(strings.Trim(hs, blankChars))
	if err != nil {
		return 0, fmt.Errorf("%s is not a time of day (9:00, 9时)", quote(s))
	}
	m := 0
	if ms = strings.Trim(ms, blankChars); ms != "" {
		if m, err = integer(ms); err != nil {
			return 0, fmt.Errorf("%s is not a time of day (9:00, 9时)", quote(s))
		}
	}
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%s is not a time of day (00:00 to 24:00)", quote(s))
	}
	return h*60 + m, nil
}

// quote shows a value read from the contract in a message, cut short so
// that a message never carries a paragraph of the contract.
func quote(s string) string {
	r := []rune(s)
	if len(r) > 24 {
		s = string(r[:24]) + "…"
	}
	return strconv.Quote(s)
}
