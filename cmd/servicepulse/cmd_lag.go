package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"servicepulse/ingest"
	"servicepulse/internal/cli"
)

// runLag prints a consumer group's committed offset, high-water mark and lag
// per partition: how far behind ingest is, without running it. It exits 1
// when the group is behind and 2 when it cannot tell, so that cron can tell
// them apart.
func runLag(ctx context.Context, args []string) error {
	var (
		kafka  cli.KafkaFlags
		topics cli.TopicFlags
		group  string
		format string
	)
	fs := app.NewFlagSet("lag", "", &kafka)
	topics.RegisterSources(fs)
	fs.StringVar(&group, "group", ingest.DefaultConfig().Group, "consumer group to report on")
	fs.Format(&format, "table", "json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if group == "" {
		return cli.Usagef("lag: --group must not be empty")
	}
	sec, err := kafka.Checked(ctx)
	if err != nil {
		return cli.ExitWith(2, err) // cannot tell
	}
	r, err := ingest.NewSecureLagReader(kafka.BrokerList(), sec, group, 10*time.Second, topics.Records, topics.Feedback)
	if err != nil {
		return err
	}
	defer r.Close()
	l, err := r.Lag(ctx)
	if err != nil {
		return cli.ExitStatus{Code: 2, Msg: fmt.Sprintf("lag of group %q: %v", group, err)}
	}
	if format == "json" {
		err = cli.PrintJSON(l)
	} else {
		err = l.WriteTable(os.Stdout)
	}
	if err != nil {
		return err
	}
	if !l.CaughtUp() {
		return cli.ExitStatus{Code: 1, Msg: fmt.Sprintf("group %q is behind: %s", group, l.Behind())}
	}
	return nil
}
