package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"servicepulse/internal/kafkaconn"
	"servicepulse/transform"
)

// ErrInvalid is wrapped by Run's error when any line was invalid or a file's
// header was not one: the exit status is then 1, the summary still printed.
var ErrInvalid = errors.New("invalid input")

// haltError ends the run for a cause other than reading the file (a failed
// Kafka write, a cancelled context), told apart from the errors of reading.
type haltError struct{ error }

func (e haltError) Unwrap() error { return e.error }

// Run imports the files of cfg: it checks every event, sends the valid ones
// (and, with SendInvalid, the others) to Kafka, reports each bad line on
// cfg.Problems, logs its progress, and returns the Summary. Every file is
// opened before anything is sent, so a mistyped name sends nothing. The
// error wraps ErrInvalid when some input was invalid (the Summary is then
// complete); any other error (Kafka, reading) ends the run, the Summary
// counting what was queued until then.
func Run(ctx context.Context, cfg Config, log *slog.Logger) (Summary, error) {
	sum := Summary{ByReason: map[string]int{}, Files: []FileSummary{}}
	if err := cfg.Validate(); err != nil {
		return sum, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	chk, err := newChecker(cfg)
	if err != nil {
		return sum, err
	}
	ins, err := openAll(cfg)
	if err != nil {
		return sum, err
	}
	defer closeAll(ins)
	tr, err := kafkaconn.WriterTransport(cfg.Brokers, cfg.Security)
	if err != nil {
		return sum, err
	}
	// The generator's writer settings: hash of the key, so that the events
	// of one request stay in order in one partition; every in-sync replica
	// acknowledges.
	w := &kafka.Writer{
		Addr:         kafka.TCP(cfg.Brokers...),
		Transport:    tr,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchSize:    cfg.BatchSize,
		BatchBytes:   1_000_000,
		BatchTimeout: 10 * time.Millisecond,
		Compression:  kafka.Lz4,
	}
	defer tr.CloseIdleConnections() // after w.Close
	defer w.Close()
	r := &run{cfg: cfg, chk: chk, w: w, log: log, sum: &sum, start: time.Now()}
	r.last = r.start
	for _, in := range ins {
		if err := r.file(ctx, in); err != nil {
			return sum, err
		}
	}
	if err := r.flush(ctx); err != nil {
		return sum, err
	}
	log.Info("import: done", "files", len(sum.Files), "lines", sum.Lines, "sent", sum.Sent,
		"invalid", sum.Invalid, "seconds", time.Since(r.start).Seconds())
	return sum, r.verdict()
}

// input is one opened file.
type input struct {
	name   string // as given
	shown  string // in problem reports
	format Format
	r      io.Reader
	close  func() error
}

func openAll(cfg Config) ([]input, error) {
	var ins []input
	for _, name := range cfg.Files {
		in := input{name: name, shown: name, format: formatOf(cfg.Format, name)}
		if name == Stdin {
			in.shown, in.r, in.close = "stdin", cfg.Stdin, func() error { return nil }
		} else {
			f, err := os.Open(name)
			if err != nil {
				closeAll(ins)
				return nil, fmt.Errorf("import: %w", err)
			}
			in.r, in.close = f, f.Close
		}
		ins = append(ins, in)
	}
	return ins, nil
}

func closeAll(ins []input) {
	for _, in := range ins {
		in.close()
	}
}

func formatOf(f Format, name string) Format {
	if f != FormatAuto {
		return f
	}
	if strings.EqualFold(filepath.Ext(name), ".csv") {
		return FormatCSV
	}
	return FormatJSONL
}

// run is one Run's state: the batch being filled and the counts.
type run struct {
	cfg   Config
	chk   *checker
	w     *kafka.Writer
	log   *slog.Logger
	sum   *Summary
	batch []kafka.Message
	fs    *FileSummary // of the file being read

	start, last time.Time // of the run, of the last progress line
	lastLines   int
	files       int // files whose header was refused
}

func (r *run) file(ctx context.Context, in input) error {
	fs := FileSummary{File: in.name, Format: in.format, ByReason: map[string]int{}}
	r.fs = &fs
	each := func(ev event) error { return r.event(ctx, in, ev) }
	var err error
	if in.format == FormatCSV {
		err = readCSV(in.r, func(cols []string) {
			r.log.Warn("import: columns that no event field has; sent as strings, ignored by ingest",
				"file", in.shown, "columns", cols)
		}, each)
	} else {
		err = readJSONL(in.r, each)
	}
	var he *headerError
	if errors.As(err, &he) {
		fs.Error = fmt.Sprintf("%s: %s", ReasonBadHeader, he.detail)
		fmt.Fprintf(r.cfg.Problems, "%s:1: %s\n", in.shown, fs.Error)
		r.files++
		err = nil
	}
	r.sum.add(fs)
	if halt := (haltError{}); err != nil && !errors.As(err, &halt) {
		err = fmt.Errorf("import: read %s: %w", in.shown, err)
	}
	return err
}

// event checks one event of in, and queues it when it is to be sent.
func (r *run) event(ctx context.Context, in input, ev event) error {
	if err := ctx.Err(); err != nil {
		return haltError{fmt.Errorf("import: %w", err)} // as a write would end
	}
	r.fs.Lines++
	defer r.progress()
	if ev.notCSV != nil {
		r.invalid(in, ev, ev.notCSV)
		return nil
	}
	v := r.chk.check(ev.value)
	switch {
	case v.rej != nil && !r.invalid(in, ev, v.rej):
		return nil
	case v.rej != nil:
	case v.kind == Feedback:
		r.fs.Sent++
		r.sum.Feedback++
	default:
		r.fs.Sent++
		r.sum.Records++
	}
	topic := r.cfg.RecordsTopic
	if v.kind == Feedback {
		topic = r.cfg.FeedbackTopic
	}
	// The line's buffer is reused: the message keeps a copy.
	r.batch = append(r.batch, kafka.Message{Topic: topic, Key: v.key, Value: bytes.Clone(ev.value)})
	if len(r.batch) < r.cfg.BatchSize {
		return nil
	}
	return r.flush(ctx)
}

// invalid counts and reports a bad event, and says whether to send it.
func (r *run) invalid(in input, ev event, rej *transform.Reject) (send bool) {
	reason := string(rej.Reason)
	r.fs.Invalid++
	r.fs.ByReason[reason]++
	fmt.Fprintf(r.cfg.Problems, "%s:%d: %s (%s)\n", in.shown, ev.line, reason, rej.Detail)
	if r.cfg.SendInvalid && ev.whole && ev.value != nil {
		r.fs.SentInvalid++
		return true
	}
	return false
}

func (r *run) flush(ctx context.Context) error {
	if len(r.batch) == 0 {
		return nil
	}
	if err := r.w.WriteMessages(ctx, r.batch...); err != nil {
		return haltError{fmt.Errorf("import: produce to kafka %v: %w", r.cfg.Brokers, err)}
	}
	clear(r.batch) // drop references to the sent bytes
	r.batch = r.batch[:0]
	return nil
}

// progress logs the counts so far, every ProgressEvery.
func (r *run) progress() {
	now := time.Now()
	if now.Sub(r.last) < r.cfg.ProgressEvery {
		return
	}
	lines := r.sum.Lines + r.fs.Lines
	r.log.Info("import: reading", "file", r.fs.File, "lines", lines, "sent", r.sum.Sent+r.fs.Sent,
		"invalid", r.sum.Invalid+r.fs.Invalid, "per_second", int(float64(lines-r.lastLines)/now.Sub(r.last).Seconds()))
	r.last, r.lastLines = now, lines
}

// verdict is Run's error once everything is sent: ErrInvalid if any input
// was invalid.
func (r *run) verdict() error {
	var parts []string
	if n := r.sum.Invalid; n > 0 {
		sent := "none sent"
		if r.cfg.SendInvalid {
			sent = fmt.Sprintf("%d sent anyway, for ingest to reject to the DLQ", r.sum.SentInvalid)
		}
		parts = append(parts, fmt.Sprintf("%d of %d lines invalid, %s", n, r.sum.Lines, sent))
	}
	if r.files > 0 {
		parts = append(parts, fmt.Sprintf("%d file(s) with a bad header, not read", r.files))
	}
	if len(parts) == 0 {
		return nil
	}
	return fmt.Errorf("import: %s: %w", strings.Join(parts, ", "), ErrInvalid)
}
