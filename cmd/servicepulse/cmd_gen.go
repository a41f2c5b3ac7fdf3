package main

import (
	"context"
	"time"

	"servicepulse/generator"
	"servicepulse/ingest"
)

func runGen(ctx context.Context, args []string) error {
	var (
		kafka kafkaFlags
		logs  logFlags
		t     topicFlags
		cfg   generator.Config
		from  string
		batch int
	)
	fs := newFlagSet("gen", "")
	kafka.register(fs)
	logs.register(fs)
	t.register(fs)
	fs.Int64Var(&cfg.Seed, "seed", 1, "random seed: the same seed gives the same messages")
	fs.IntVar(&cfg.Tickets, "tickets", 1000, "service requests to generate")
	fs.Float64Var(&cfg.BadRate, "bad-rate", 0, "fraction of extra malformed messages (0..0.5), spread over every reject reason")
	fs.StringVar(&from, "from", "", "first request date YYYY-MM-DD (default: start of the previous quarter)")
	fs.IntVar(&cfg.Days, "days", 0, "days over which requests are created (default: the length of that quarter)")
	fs.IntVar(&batch, "batch", 10000, "messages per Kafka produce call")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := t.validate(); err != nil {
		return err
	}
	if from != "" {
		d, err := time.ParseInLocation(time.DateOnly, from, shanghai())
		if err != nil {
			return usagef("--from %q: want a date YYYY-MM-DD", from)
		}
		cfg.From = d
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	log, err := logs.logger()
	if err != nil {
		return err
	}
	brokers := kafka.brokerList()
	if err := ingest.EnsureTopics(ctx, brokers, t.partitions, t.records, t.feedback, t.dlq); err != nil {
		return err
	}
	sum, err := generator.Produce(ctx, generator.KafkaConfig{
		Brokers: brokers, RecordsTopic: t.records, FeedbackTopic: t.feedback, BatchSize: batch,
	}, cfg, log)
	if err != nil {
		return err
	}
	return printJSON(sum)
}

func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}
