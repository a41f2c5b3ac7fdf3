package main

import (
	"context"
	"errors"

	"servicepulse/importer"
	"servicepulse/ingest"
	"servicepulse/internal/cli"
	"servicepulse/internal/kafkaconn"
)

// runImport backfills Kafka from an existing system's export files: every
// event checked by ingest's transform, the valid ones sent to their topic.
func runImport(ctx context.Context, args []string) error {
	var (
		kafka        cli.KafkaFlags
		logs         cli.LogFlags
		t            cli.TopicFlags
		cfg          importer.Config
		kind, format string
	)
	fs := app.NewFlagSet("import", "FILE…", &kafka, &logs, &t)
	fs.StringVar(&kind, "kind", string(importer.Auto), "kind of every event: records, feedback, or auto (each event's from its event_type)")
	fs.Check("kind", cli.OneOf(importer.Kinds...))
	fs.StringVar(&format, "input-format", string(importer.FormatAuto), "format of every file: jsonl, csv, or auto (*.csv is CSV, the rest and - are JSON Lines)")
	fs.Check("input-format", cli.OneOf(importer.Formats...))
	fs.BoolVar(&cfg.SendInvalid, "send-invalid", false, "send invalid lines too, for ingest to reject to the DLQ (exit status still 1)")
	fs.IntVar(&cfg.BatchSize, "batch", 10000, "messages per Kafka produce call")
	fs.Field("BatchSize", "batch")
	fs.Field("Format", "input-format")
	files, err := fs.ParseArgs(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return cli.Usagef("import: give at least one export file (JSON Lines or CSV), or - for standard input")
	}
	if err := t.Validate(); err != nil {
		return err
	}
	sec, err := kafka.Security()
	if err != nil {
		return err
	}
	cfg.Files, cfg.Kind, cfg.Format = files, importer.Kind(kind), importer.Format(format)
	cfg.Brokers, cfg.RecordsTopic, cfg.FeedbackTopic, cfg.Security = kafka.BrokerList(), t.Records, t.Feedback, sec
	if err := cfg.Validate(); err != nil {
		return fs.Invalid(err)
	}
	log, err := logs.Logger()
	if err != nil {
		return err
	}
	if w := sec.Warning(); w != "" {
		log.Warn(w)
	}
	if err := kafkaconn.Check(ctx, cfg.Brokers, sec); err != nil {
		return err
	}
	spec := t.Spec()
	spec.Security = sec
	if err := ingest.EnsureTopicsWith(ctx, cfg.Brokers, spec, t.Records, t.Feedback, t.DLQ); err != nil {
		return err
	}
	sum, err := importer.Run(ctx, cfg, log)
	if err != nil && !errors.Is(err, importer.ErrInvalid) {
		return err
	}
	// The summary is printed with invalid lines too: exit status 1 says so.
	return errors.Join(cli.PrintJSON(sum), err)
}
