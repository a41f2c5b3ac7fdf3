package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
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

// commands are the CLI's commands. They are set in init because the
// commands' help refers back to this table.
var commands map[string]command

func init() {
	commands = map[string]command{
		"migrate":    {"apply pending ClickHouse migrations (safe to run twice or concurrently)", runMigrate},
		"broker":     {"run the embedded Kafka broker (development and demo only)", runBroker},
		"gen":        {"write seeded synthetic service records and feedback into Kafka", runGen},
		"ingest":     {"consume Kafka into ClickHouse: transform, reject to DLQ, commit after write", runIngest},
		"stats":      {"print distinct rows per table, as the KPI queries see them", runStats},
		"lag":        {"print a consumer group's committed offset, high-water mark and lag per partition (exit 1 when behind)", runLag},
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
}

// subcommands are the subcommands (of kpi and bench) and the verbs (of the
// others) of each command that has some, with their positional arguments.
var subcommands = map[string][]subcommand{
	"kpi":   {{"list", "", "print the KPI catalog: id, titles, unit, direction, target, weight, clause and formula"}},
	"bench": {{"kpi", "", "load generated request states and time every KPI of the catalog for one quarter"}},
	"contracts": {
		{"load", "FILE", "check a contracts file and load its versions into ClickHouse"},
		{"check", "FILE", "check a contracts file (YAML, terms, KPI ids) without a server"},
	},
	"clickhouse": {
		{"start", "", "start a local ClickHouse server in --dir, installing it if needed; prints its DSN"},
		{"stop", "", "stop the local ClickHouse server whose pid file is in --dir"},
	},
	"dashboards": {
		{"provision", "", "create or update Grafana's datasource, folder, dashboards and alert rules through its API"},
		{"export", "", "write Grafana's file-provisioning tree (datasource, dashboards, alert rules) into --dir"},
	},
	"actions": {
		{"add", "", "record an improvement action for a KPI, with the KPI's current value as its baseline"},
		{"list", "", "list the improvement actions"},
	},
}

// subcommand is a subcommand or verb: `servicepulse CMD NAME [flags] ARGS`.
type subcommand struct {
	name, args, summary string
}

// summaryOf is the one-line summary of the command or subcommand path.
func summaryOf(path string) string {
	if path == "" {
		return "the after-sales service quality pipeline: Kafka → transform → ClickHouse → KPIs, dashboards and reports"
	}
	cmd, sub, _ := strings.Cut(path, " ")
	if sub == "" {
		return commands[cmd].summary
	}
	for _, s := range subcommands[cmd] {
		if s.name == sub {
			return s.summary
		}
	}
	return ""
}

// run runs the command of args. `servicepulse help [CMD [SUB]]` and
// `servicepulse CMD help` show the help, as -h does.
func run(ctx context.Context, args []string) error {
	if len(args) == 0 || isHelp(args[0]) && len(args) == 1 {
		printUsage(os.Stdout)
		return nil
	}
	if isHelp(args[0]) {
		args = append(args[1:len(args):len(args)], "-h")
	} else if len(args) == 2 && args[1] == "help" {
		args = []string{args[0], "-h"}
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

// printUsage writes the CLI's help: the commands and their summaries.
func printUsage(w io.Writer) {
	fs := newFlagSet("", "")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fs.subs = append(fs.subs, subcommand{name: n, summary: commands[n].summary})
	}
	fs.readsEnv("SERVICEPULSE_CPU_PROFILE", "write a CPU profile of the command to this file", false)
	fs.printHelp(w, os.Getenv)
}

// printJSON writes the command's one-object result on stdout.
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
