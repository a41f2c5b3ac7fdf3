package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"servicepulse/ingest"
)

// exitStatus ends the process with a chosen status and message; `lag` uses
// it so that cron can tell "behind" (1) from "could not tell" (2).
type exitStatus struct {
	code int
	msg  string
}

func (e exitStatus) Error() string { return e.msg }

// runLag prints a consumer group's committed offset, high-water mark and lag
// per partition: how far behind ingest is, without running it.
func runLag(ctx context.Context, args []string) error {
	var (
		kafka  kafkaFlags
		topics topicFlags
		group  string
		format string
	)
	fs := newFlagSet("lag", "")
	kafka.register(fs)
	topics.registerSources(fs)
	fs.StringVar(&group, "group", ingest.DefaultConfig().Group, "consumer group to report on")
	fs.StringVar(&format, "format", "table", "table or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if format != "table" && format != "json" {
		return usagef("lag: --format %q: want table or json", format)
	}
	if group == "" {
		return usagef("lag: --group must not be empty")
	}
	r := ingest.NewLagReader(kafka.brokerList(), group, 10*time.Second, topics.records, topics.feedback)
	defer r.Close()
	l, err := r.Lag(ctx)
	if err != nil {
		return exitStatus{2, fmt.Sprintf("lag of group %q: %v", group, err)}
	}
	if format == "json" {
		if err := printJSON(l); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "topic\tpartition\tcommitted\thigh water\tlag\t")
		for _, p := range l.Partitions {
			committed := strconv.FormatInt(p.Committed, 10)
			if p.Committed < 0 {
				committed = "none"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t\n", p.Topic, p.Partition, committed, p.HighWater, p.Lag)
		}
		fmt.Fprintf(tw, "total\t\t\t\t%d\t\n", l.Total)
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if !l.CaughtUp() {
		return exitStatus{1, fmt.Sprintf("group %q is behind: %s", group, l.Behind())}
	}
	return nil
}
