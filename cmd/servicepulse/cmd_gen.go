package main

import (
	"context"
	"errors"
	"time"

	"servicepulse/generator"
	"servicepulse/ingest"
	"servicepulse/internal/cli"
	"servicepulse/internal/kafkaconn"
)

// runGen writes seeded synthetic traffic into Kafka, creating the topics.
func runGen(ctx context.Context, args []string) error {
	var (
		kafka cli.KafkaFlags
		logs  cli.LogFlags
		t     cli.TopicFlags
		cfg   generator.Config
		from  string
		batch int
	)
	fs := app.NewFlagSet("gen", "", &kafka, &logs, &t)
	fs.Int64Var(&cfg.Seed, "seed", 1, "random seed: the same seed gives the same messages")
	fs.IntVar(&cfg.Tickets, "tickets", 1000, "service requests to generate")
	fs.Float64Var(&cfg.BadRate, "bad-rate", 0, "fraction of extra malformed messages (0..0.5), spread over every reject reason")
	fs.StringVar(&from, "from", "", "first request date YYYY-MM-DD (default: start of the previous quarter)")
	fs.IntVar(&cfg.Days, "days", 0, "days over which requests are created (default: the length of that quarter)")
	fs.IntVar(&batch, "batch", 10000, "messages per Kafka produce call")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	sec, err := kafka.Security()
	if err != nil {
		return err
	}
	if from != "" {
		// The generator's dates are Shanghai's (UTC+8 without DST since 1991).
		if cfg.From, err = cli.ParseDate("from", from, time.FixedZone("CST", 8*3600)); err != nil {
			return err
		}
	}
	kc := generator.KafkaConfig{Brokers: kafka.BrokerList(), RecordsTopic: t.Records, FeedbackTopic: t.Feedback, BatchSize: batch, Security: sec}
	fs.Field("BatchSize", "batch")
	if err := errors.Join(cfg.Validate(), kc.Validate()); err != nil {
		return fs.Invalid(err)
	}
	log, err := logs.Logger()
	if err != nil {
		return err
	}
	spec := t.Spec()
	spec.Security = sec
	if w := sec.Warning(); w != "" {
		log.Warn(w)
	}
	if err := kafkaconn.Check(ctx, kc.Brokers, sec); err != nil {
		return err
	}
	if err := ingest.EnsureTopicsWith(ctx, kc.Brokers, spec, t.Records, t.Feedback, t.DLQ); err != nil {
		return err
	}
	return cli.PrintResult(generator.Produce(ctx, kc, cfg, log))
}
