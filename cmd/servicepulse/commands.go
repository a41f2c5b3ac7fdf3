package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/warehouse"
)

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// errHelpShown ends a command whose -h was answered: success, nothing to do.
var errHelpShown = errors.New("help shown")

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]command{
	"migrate":    {"apply pending ClickHouse migrations (safe to run twice or concurrently)", runMigrate},
	"broker":     {"run the embedded Kafka broker (development and demo only)", runBroker},
	"gen":        {"write seeded synthetic service records and feedback into Kafka", runGen},
	"ingest":     {"consume Kafka into ClickHouse: transform, reject to DLQ, commit after write", runIngest},
	"stats":      {"print distinct rows per table, as the KPI queries see them", runStats},
	"demo":       {"set up everything locally and run the pipeline end to end", runDemo},
	"bench":      {"measure raw ClickHouse insert rate, end-to-end rate and worker memory", runBench},
	"clickhouse": {"start or stop a local ClickHouse server (development, tests)", runClickHouse},
	"contracts":  {"check or load a contracts file (SLA terms, targets, weights) into ClickHouse", runContracts},
	"dashboards": {"provision Grafana (datasource, folder, dashboards, alert rules) or export its provisioning files", runDashboards},
	"breaches":   {"list broken promises (late reply, on site, parts; unqualified staff; data) with clause and lateness", runBreaches},
	"kpi":        {"print the catalog's KPIs for a date range (`kpi list` prints the catalog)", runKPI},
	"refresh":    {"bring request states (SLA outcomes, breaches) up to date with the events", runRefresh},
	"report":     {"write the periodic evaluation report of a month, quarter or year (HTML and JSON data)", runReport},
	"actions":    {"add or list improvement actions (clause 11.4), judged by each report", runActions},
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(os.Stdout)
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		return usagef("unknown command %q; run `servicepulse help` for the list", args[0])
	}
	if err := c.run(ctx, args[1:]); !errors.Is(err, errHelpShown) {
		return err
	}
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: servicepulse COMMAND [flags]   (servicepulse COMMAND -h for its flags)")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
}

// common holds the flags every command that talks to servers shares.
type common struct {
	brokers    string
	clickhouse string
	logLevel   string
	logFormat  string
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.brokers, "brokers", envOr("SERVICEPULSE_BROKERS", "127.0.0.1:9092"), "Kafka bootstrap addresses, comma-separated (env SERVICEPULSE_BROKERS)")
	fs.StringVar(&c.clickhouse, "clickhouse", envOr("SERVICEPULSE_CLICKHOUSE", "clickhouse://127.0.0.1:9000/servicepulse"), "ClickHouse DSN, native protocol (env SERVICEPULSE_CLICKHOUSE)")
	fs.StringVar(&c.logLevel, "log-level", envOr("SERVICEPULSE_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", envOr("SERVICEPULSE_LOG_FORMAT", "text"), "text or json")
}

func (c *common) brokerList() []string {
	var out []string
	for _, b := range strings.Split(c.brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// logger builds the process's structured logger; logs go to stderr so that
// stdout carries only the command's result.
func (c *common) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, usagef("--log-format %q: want text or json", c.logFormat)
}

// connect returns the logger and a connection to the ClickHouse of --clickhouse.
func (c *common) connect(ctx context.Context) (driver.Conn, *slog.Logger, error) {
	log, err := c.logger()
	if err != nil {
		return nil, nil, err
	}
	conn, err := warehouse.Open(ctx, warehouse.ConfigFor(c.clickhouse), log)
	if err != nil {
		return nil, nil, err
	}
	return conn, log, nil
}

// parse parses args; a flag error becomes a usage error naming the command.
func parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stdout)
			fmt.Fprintf(os.Stdout, "usage: servicepulse %s [flags]\n", fs.Name())
			fs.PrintDefaults()
			return errHelpShown
		}
		return usagef("%s: %v (run `servicepulse %s -h`)", fs.Name(), err, fs.Name())
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// parseWithArgs parses flags that may stand before, between or after the
// positional arguments, and returns the positional ones.
func parseWithArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, parse(fs, []string{"-h"})
			}
			return nil, usagef("%s: %v (run `servicepulse %s -h`)", fs.Name(), err, fs.Name())
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// printJSON writes the command's one-object result on stdout.
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
