package timeline

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints the timeline for a person: a header, then the events,
// the promises, the pauses, first-time fix and repeat, and the feedback,
// every time on the contract's wall clock.
func WriteTable(w io.Writer, t Timeline) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	p("Request %s · partner %s · contract %s · status %s\n", t.RequestID, t.PartnerID, t.ContractID, t.Status)
	p("Opened %s · judged as of %s\n", local(t.Opened), local(t.AsOf))
	writeContract(p, t.Contract)

	p("\nEVENTS\nwhen\ttype\tdetail\tnote\n")
	for _, e := range t.Events {
		p("%s\t%s\t%s\t%s\n", local(e.At), e.Type, eventDetail(e), e.Note)
	}

	p("\nPROMISES\npromise\tclause\tbudget\tstart\tdeadline\tdone\tused\toutcome\n")
	for _, x := range t.Promises {
		name := x.Name
		if x.PartLine != "" {
			name += " " + x.PartLine
		}
		budget := "-"
		if x.Budget > 0 {
			budget = hours(x.Budget, x.Unit)
		}
		p("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, x.Clause, budget, localPtr(x.Start), localPtr(x.Deadline), localPtr(x.Done),
			hours(x.Used, x.Unit), outcome(x))
	}

	if len(t.Pauses) > 0 {
		p("\nPAUSES\nfrom\tto\treason\tbusiness hours\n")
		for _, x := range t.Pauses {
			to := "still paused"
			if x.To != nil {
				to = local(*x.To)
			}
			p("%s\t%s\t%s\t%s\n", local(x.From), to, x.Reason, num(x.BusinessHours))
		}
	}

	p("\nFirst-time fix: %s\n", t.FirstTimeFix.Why)
	p("Repeat: %s\n", repeatLine(t.Repeat))
	p("Survey: CSAT %s, NPS %s, CES %s\n", scoreText(t.Survey.CSAT), scoreText(t.Survey.NPS), scoreText(t.Survey.CES))
	for _, c := range t.Complaints {
		closed := "open"
		if c.ClosedBusinessHours != nil {
			closed = "closed after " + hours(*c.ClosedBusinessHours, BusinessHours)
		}
		p("Complaint %s (%s): %s\n", c.ID, c.Category, closed)
	}
	if len(t.Feedback) > 0 {
		p("\nFEEDBACK\nwhen\ttype\tdetail\n")
		for _, f := range t.Feedback {
			p("%s\t%s\t%s\n", local(f.At), f.Type, feedbackDetail(f))
		}
	}
	return tw.Flush()
}

func writeContract(p func(string, ...any), c *Contract) {
	if c == nil {
		p("No contract terms for the opening time: no deadlines (load them with `servicepulse contracts load`)\n")
		return
	}
	p("Terms of %s (%s) in force from %s: reply %s, on site %s business h, parts %s days\n",
		c.ID, c.Name, local(c.EffectiveFrom), num(c.ResponseHours), num(c.OnsiteHours), num(c.PartsDays))
	pauses := strings.Join(c.PauseReasons, ", ")
	if pauses == "" {
		pauses = "none"
	}
	repair := ""
	if c.RepairWindow != "" {
		repair = ", repair window " + c.RepairWindow + " (on site, resolve)"
	}
	p("Calendar %s, window %s%s, zone %s; pauses accepted: %s\n", c.Calendar, c.Window, repair, c.Timezone, pauses)
	if !c.CalendarCovers {
		p("Warning: the %s calendar has no data for the year opened: its holidays are not counted\n", c.Calendar)
	}
	if len(c.SpecialDays) > 0 {
		var days []string
		for _, d := range c.SpecialDays {
			days = append(days, d.Date+" "+d.Weekday+" "+strings.ReplaceAll(d.Kind, "_", " "))
		}
		p("Special days: %s\n", strings.Join(days, "; "))
	}
}

// local is the instant on the contract's wall clock, with the weekday.
func local(i Instant) string {
	t, err := time.Parse(time.RFC3339, i.Local)
	if err != nil {
		return i.Local
	}
	return t.Format("2006-01-02 Mon 15:04")
}

func localPtr(i *Instant) string {
	if i == nil {
		return "-"
	}
	return local(*i)
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func hours(f float64, unit string) string {
	if unit == CalendarHours {
		return strconv.FormatFloat(f, 'f', 2, 64) + " h"
	}
	return strconv.FormatFloat(f, 'f', 2, 64) + " bh"
}

func outcome(x Promise) string {
	s := strings.ReplaceAll(x.Outcome, "_", " ")
	switch {
	case x.LateBusinessHours != nil:
		s += " by " + strconv.FormatFloat(*x.LateBusinessHours, 'f', 2, 64) + " bh"
	case x.Left != nil:
		s += ", " + hours(*x.Left, x.Unit) + " left"
	}
	if x.HeldByPause {
		s += " (paused)"
	}
	return s
}

func eventDetail(e Event) string {
	var d []string
	add := func(format string, args ...any) { d = append(d, fmt.Sprintf(format, args...)) }
	if e.VisitNo > 0 {
		add("visit %d", e.VisitNo)
	}
	if e.TechnicianCertified != nil && !*e.TechnicianCertified {
		add("uncertified")
	}
	if e.PartLine != "" {
		add("line %s", e.PartLine)
	}
	if e.PartNo != "" {
		add("part %s", e.PartNo)
	}
	if e.PartFromStock != nil && *e.PartFromStock {
		add("from stock")
	}
	if e.PauseReason != "" {
		add("%s", e.PauseReason)
	}
	if e.Cause != "" {
		add("cause %s", e.Cause)
	}
	if e.Warranty != "" {
		add("%s", e.Warranty)
	}
	if e.PartsFee != "" && (e.PartsFee != "0.00" || e.LabourFee != "0.00") {
		add("fees %s + %s", e.PartsFee, e.LabourFee)
	}
	if len(d) == 0 {
		return "-"
	}
	return strings.Join(d, ", ")
}

func repeatLine(r Repeat) string {
	var s []string
	if r.IsRepeat {
		s = append(s, "a repeat of "+strings.Join(r.Of, ", ")+" (within 30 days of its resolution)")
	}
	if r.RepeatWithin30d {
		s = append(s, "the serial came back within 30 days: "+strings.Join(r.By, ", "))
	}
	if len(s) == 0 {
		return "no"
	}
	return strings.Join(s, "; ")
}

func scoreText(v *int8) string {
	if v == nil {
		return "-"
	}
	return strconv.Itoa(int(*v))
}

func feedbackDetail(f Feedback) string {
	var d []string
	for _, s := range []struct {
		name string
		v    *int8
	}{{"CSAT", f.CSAT}, {"NPS", f.NPS}, {"CES", f.CES}} {
		if s.v != nil {
			d = append(d, s.name+" "+strconv.Itoa(int(*s.v)))
		}
	}
	if f.ComplaintID != "" {
		d = append(d, "complaint "+f.ComplaintID)
	}
	if f.Category != "" {
		d = append(d, f.Category)
	}
	if len(d) == 0 {
		return "-"
	}
	return strings.Join(d, ", ")
}
