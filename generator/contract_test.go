package generator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"servicepulse/transform"
)

// A reference reading of docs/events.md, written for the tests from the
// document alone: it lists every rule a message breaks. A valid message must
// break none; a malformed one exactly one, of the reason it claims. It shares
// nothing with the encoder, and stands in for transform until that package's
// decoder is cross-checked too (crosscheck_test.go).

type violation struct {
	reason transform.Reason
	field  string
}

var (
	idPattern    = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)
	moneyPattern = regexp.MustCompile(`^[0-9]{1,16}(\.[0-9]{1,2})?$`)
	year2000     = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
)

type checker struct {
	now time.Time
	out []violation
}

func (c *checker) add(r transform.Reason, field string) { c.out = append(c.out, violation{r, field}) }

// checkMessage returns every rule of the contract the message breaks.
func checkMessage(topic Stream, value []byte, now time.Time) []violation {
	c := &checker{now: now}
	if len(value) > transform.MaxMessageBytes {
		c.add(transform.ReasonOversize, "")
	}
	if !utf8.Valid(value) {
		c.add(transform.ReasonInvalidUTF8, "")
		value = bytes.ToValidUTF8(value, []byte("\uFFFD"))
	}
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	var root any
	err := dec.Decode(&root)
	if err == nil {
		if _, err2 := dec.Token(); !errors.Is(err2, io.EOF) {
			err = errors.New("trailing data")
		}
	}
	obj, isObj := root.(map[string]any)
	if err != nil || !isObj {
		c.add(transform.ReasonBadJSON, "")
		return c.out
	}
	if n, ok := obj["schema_version"].(json.Number); !ok || n.String() != "1" {
		c.add(transform.ReasonUnknownSchemaVersion, "schema_version")
	}
	for _, f := range []string{"event_id", "request_id", "contract_id", "partner_id"} {
		if s, ok := c.str(obj, f, true); ok && !idPattern.MatchString(s) {
			c.add(transform.ReasonBadField, f)
		}
	}
	types := transform.RecordTypes
	if topic == Feedback {
		types = transform.FeedbackTypes
	}
	typ, typOK := c.str(obj, "event_type", true)
	if typOK && !slices.Contains(types, typ) {
		c.add(transform.ReasonUnknownEventType, "event_type")
		typOK = false
	}
	if s, ok := c.str(obj, "occurred_at", true); ok {
		c.timestamp(s, "occurred_at", true)
	}
	if v, ok := obj["customer"]; ok && v != nil {
		if cu, ok := v.(map[string]any); !ok {
			c.add(transform.ReasonBadField, "customer")
		} else {
			for _, f := range []string{"name", "phone", "address", "email"} {
				c.str(cu, f, false)
			}
		}
	}
	c.str(obj, "note", false)
	c.str(obj, "comment", false)
	if !typOK {
		return c.out
	}

	switch typ {
	case transform.RequestCreated:
		c.enum(obj, "channel", transform.Channels)
		c.str(obj, "region", true)
		if p, ok := c.object(obj, "product"); ok {
			c.str(p, "serial", true)
			c.str(p, "model", true)
			if s, ok := c.str(p, "purchase_date", false); ok {
				c.date(s, "product.purchase_date")
			}
		}
	case transform.Dispatched:
		if t, ok := c.object(obj, "technician"); ok {
			c.str(t, "id", true)
		}
	case transform.OnsiteArrived, transform.RemoteStarted:
		if t, ok := c.object(obj, "technician"); ok {
			c.str(t, "id", true)
			c.boolean(t, "certified", true)
		}
		c.integer(obj, "visit_no", 1, true)
		c.boolean(obj, "planned_follow_up", false)
	case transform.PartRequested, transform.PartDelivered:
		if p, ok := c.object(obj, "part"); ok {
			c.str(p, "line_id", true)
			c.str(p, "part_no", true)
			if typ == transform.PartRequested {
				c.integer(p, "quantity", 1, false)
			} else {
				c.boolean(p, "from_stock", true)
			}
		}
	case transform.ClockPaused:
		c.enum(obj, "pause_reason", transform.PauseReasons)
	case transform.Resolved:
		if t, ok := c.object(obj, "technician"); ok {
			c.str(t, "id", true)
		}
		c.integer(obj, "visit_no", 1, true)
		if r, ok := c.object(obj, "resolution"); ok {
			c.enum(r, "cause", transform.Causes)
			c.enum(r, "warranty", transform.Warranties)
			c.money(r, "parts_fee")
			c.money(r, "labour_fee")
			c.str(r, "currency", false)
		}
	case transform.Reopened:
		c.str(obj, "reopen_reason", false)
	case transform.SurveySubmitted:
		if s, ok := c.object(obj, "survey"); ok {
			n := 0
			for _, r := range []struct {
				f      string
				lo, hi int64
			}{{"csat", 1, 5}, {"nps", 0, 10}, {"ces", 1, 7}} {
				v, present := s[r.f]
				if !present || v == nil {
					continue
				}
				n++
				num, ok := v.(json.Number)
				if !ok {
					c.add(transform.ReasonBadField, "survey."+r.f)
					continue
				}
				if i, err := strconv.ParseInt(num.String(), 10, 64); err != nil || i < r.lo || i > r.hi {
					c.add(transform.ReasonRatingOutOfRange, "survey."+r.f)
				}
			}
			if n == 0 {
				c.add(transform.ReasonMissingField, "survey")
			}
		}
	case transform.ComplaintOpened, transform.ComplaintResolved:
		if cp, ok := c.object(obj, "complaint"); ok {
			c.str(cp, "id", true)
			if typ == transform.ComplaintOpened {
				c.enum(cp, "category", transform.ComplaintClasses)
				c.enum(cp, "severity", transform.Severities)
			}
		}
	}
	return c.out
}

// str checks a string member: absent, null or "" is missing when required.
func (c *checker) str(o map[string]any, f string, required bool) (string, bool) {
	v, ok := o[f]
	if !ok || v == nil {
		if required {
			c.add(transform.ReasonMissingField, f)
		}
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		c.add(transform.ReasonBadField, f)
		return "", false
	}
	if s == "" && required {
		c.add(transform.ReasonMissingField, f)
		return "", false
	}
	return s, true
}

func (c *checker) enum(o map[string]any, f string, set []string) {
	if s, ok := c.str(o, f, true); ok && !slices.Contains(set, s) {
		c.add(transform.ReasonBadField, f)
	}
}

func (c *checker) object(o map[string]any, f string) (map[string]any, bool) {
	v, ok := o[f]
	if !ok || v == nil {
		c.add(transform.ReasonMissingField, f)
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.add(transform.ReasonBadField, f)
	}
	return m, ok
}

func (c *checker) boolean(o map[string]any, f string, required bool) {
	v, ok := o[f]
	if !ok || v == nil {
		if required {
			c.add(transform.ReasonMissingField, f)
		}
		return
	}
	if _, ok := v.(bool); !ok {
		c.add(transform.ReasonBadField, f)
	}
}

func (c *checker) integer(o map[string]any, f string, lo int64, required bool) {
	v, ok := o[f]
	if !ok || v == nil {
		if required {
			c.add(transform.ReasonMissingField, f)
		}
		return
	}
	n, ok := v.(json.Number)
	if !ok {
		c.add(transform.ReasonBadField, f)
		return
	}
	if i, err := strconv.ParseInt(n.String(), 10, 64); err != nil || i < lo {
		c.add(transform.ReasonBadField, f)
	}
}

func (c *checker) money(o map[string]any, f string) {
	v, ok := o[f]
	if !ok {
		c.add(transform.ReasonMissingField, f)
		return
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	}
	if !moneyPattern.MatchString(s) {
		c.add(transform.ReasonBadMoney, f)
	}
}

func (c *checker) timestamp(s, f string, future bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Before(year2000) {
		c.add(transform.ReasonBadTimestamp, f)
		return
	}
	if future && t.Sub(c.now) > transform.MaxFutureSkew {
		c.add(transform.ReasonFutureTimestamp, f)
	}
}

func (c *checker) date(s, f string) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Before(year2000) {
		c.add(transform.ReasonBadTimestamp, f)
	}
}
