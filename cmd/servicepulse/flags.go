package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/internal/secrets"
	"servicepulse/warehouse"
)

// Flags: every command builds a flagSet, registers on it the groups of flags
// it reads (kafkaFlags, clickhouseFlags, logFlags, topicFlags, its own) and
// parses it with parse or parseWithArgs. A flag is registered with its
// built-in default, so help shows that default; after parsing, every flag
// not on the command line whose environment variable is set takes the
// variable's value. Precedence: flag > environment > built-in default.

// flagSet is one command's or subcommand's flags, with what its help shows:
// the usage line, the summary, the subcommands and the environment variables
// the command reads.
type flagSet struct {
	*flag.FlagSet
	path    string // command and subcommand, "contracts load"
	args    string // positional arguments of the usage line, "FILE"
	summary string
	subs    []subcommand
	verbs   bool // subs are verbs, one of which is required (no flags of its own)
	vars    []envVar
	checks  []flagCheck
	fromEnv map[string]string // flag → the variable whose value it took
}

// envVar is an environment variable a command reads.
type envVar struct {
	name   string // SERVICEPULSE_CLICKHOUSE
	flag   string // the flag it stands in for; "" if the command reads it itself
	about  string // what it holds, for a variable without a flag
	secret bool   // its value is never printed, only whether it is set
}

// flagCheck rejects a bad value of a flag at parse time, wherever it came from.
type flagCheck struct {
	flag string
	ok   func(string) error
}

// newFlagSet returns the empty flag set of the command (or "command sub")
// path, whose usage line ends with the positional arguments args.
func newFlagSet(path, args string) *flagSet {
	fs := &flagSet{
		FlagSet: flag.NewFlagSet(path, flag.ContinueOnError),
		path:    path, args: args, summary: summaryOf(path), subs: subcommands[path],
		fromEnv: map[string]string{},
	}
	fs.SetOutput(io.Discard)
	return fs
}

// env makes the environment variable stand in for flag name when the
// command line does not set it.
func (fs *flagSet) env(name, variable string) {
	fs.vars = append(fs.vars, envVar{name: variable, flag: name})
}

// readsEnv lists in the help a variable the command reads itself, not
// through a flag; a secret one's value is never shown.
func (fs *flagSet) readsEnv(variable, about string, secret bool) {
	fs.vars = append(fs.vars, envVar{name: variable, about: about, secret: secret})
}

// check makes parsing reject a value of flag name that ok rejects; the usage
// error names the flag, or the variable the value came from.
func (fs *flagSet) check(name string, ok func(string) error) {
	fs.checks = append(fs.checks, flagCheck{name, ok})
}

// parseEnv parses args, flags that may stand before, between or after the
// positional arguments; then gives each flag not on the command line the
// value of its variable, as getenv reports it (empty: unset); then runs the
// checks. It returns the positional arguments. -h or --help print the help
// on stdout and return errHelpShown.
func (fs *flagSet) parseEnv(args []string, getenv func(string) string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.printHelp(os.Stdout, getenv)
				return nil, errHelpShown
			}
			return nil, usagef("%s: %v (run `servicepulse %s -h`)", fs.path, err, fs.path)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if err := fs.applyEnv(getenv); err != nil {
		return nil, err
	}
	for _, c := range fs.checks {
		v := fs.Lookup(c.flag).Value.String()
		if err := c.ok(v); err != nil {
			src := "--" + c.flag
			if e, ok := fs.fromEnv[c.flag]; ok {
				src = "$" + e + " (for --" + c.flag + ")"
			}
			return nil, usagef("%s %q: %v", src, masked(v), err)
		}
	}
	return pos, nil
}

// applyEnv sets each flag the command line did not set from its variable.
func (fs *flagSet) applyEnv(getenv func(string) string) error {
	onLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onLine[f.Name] = true })
	for _, e := range fs.vars {
		if e.flag == "" || onLine[e.flag] {
			continue
		}
		v := getenv(e.name)
		if v == "" {
			continue
		}
		if err := fs.Set(e.flag, v); err != nil {
			return usagef("$%s %q (for --%s): %v", e.name, masked(v), e.flag, err)
		}
		fs.fromEnv[e.flag] = e.name
	}
	return nil
}

// parse parses args, which hold flags only, and the environment.
func parse(fs *flagSet, args []string) error {
	pos, err := fs.parseEnv(args, os.Getenv)
	if err == nil && len(pos) > 0 {
		return usagef("%s: unexpected argument %q", fs.path, pos[0])
	}
	return err
}

// parseWithArgs parses flags that may stand before, between or after the
// positional arguments, and the environment; it returns the positional ones.
func parseWithArgs(fs *flagSet, args []string) ([]string, error) {
	return fs.parseEnv(args, os.Getenv)
}

// isHelp tells whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// pickVerb returns the verb args[0] of command cmd, one of subcommands[cmd].
// -h, --help or help answer with cmd's help (errHelpShown); a missing or
// unknown verb is a usage error listing the verbs.
func pickVerb(cmd string, args []string) (string, error) {
	fs := newFlagSet(cmd, "")
	fs.verbs = true
	if len(args) > 0 && isHelp(args[0]) {
		fs.printHelp(os.Stdout, os.Getenv)
		return "", errHelpShown
	}
	var want []string
	for _, s := range fs.subs {
		if len(args) > 0 && args[0] == s.name {
			return s.name, nil
		}
		want = append(want, "`"+strings.TrimSpace(cmd+" "+s.name+" "+s.args)+"`")
	}
	list := strings.Join(want[:len(want)-1], ", ") + " or " + want[len(want)-1]
	if len(args) == 0 {
		return "", usagef("%s: want %s (run `servicepulse %s -h`)", cmd, list, cmd)
	}
	return "", usagef("%s: unknown verb %q; want %s (run `servicepulse %s -h`)", cmd, args[0], list, cmd)
}

// printHelp writes the help of the command: usage line, summary,
// subcommands, each flag with its usage text, built-in default and the
// environment variable that sets it, and the other variables it reads.
// Credentials in values are masked; a secret variable's value never shows.
func (fs *flagSet) printHelp(w io.Writer, getenv func(string) string) {
	var nflags int
	fs.VisitAll(func(*flag.Flag) { nflags++ })
	line := "usage: servicepulse " + fs.path
	switch {
	case fs.path == "":
		line += "COMMAND [SUB] [flags] [ARGS]"
	case fs.verbs:
		line += " VERB [flags] [ARGS]"
	case nflags > 0:
		line += " [flags]"
	}
	if fs.args != "" && !fs.verbs && fs.path != "" {
		line += " " + fs.args
	}
	fmt.Fprintln(w, line)
	if fs.summary != "" {
		fmt.Fprintln(w, fs.summary)
	}
	if len(fs.subs) > 0 {
		title := "subcommands (servicepulse " + fs.path + " SUB -h for theirs):"
		switch {
		case fs.path == "":
			title = "commands (servicepulse COMMAND -h for their flags):"
		case fs.verbs:
			title = "verbs (servicepulse " + fs.path + " VERB -h for their flags):"
		}
		fmt.Fprintln(w, "\n"+title)
		width := 0
		for _, s := range fs.subs {
			width = max(width, len(strings.TrimSpace(s.name+" "+s.args)))
		}
		for _, s := range fs.subs {
			fmt.Fprintf(w, "  %-*s  %s\n", width, strings.TrimSpace(s.name+" "+s.args), s.summary)
		}
	}
	envOf := map[string]string{}
	for _, e := range fs.vars {
		if e.flag != "" {
			envOf[e.flag] = e.name
		}
	}
	if nflags > 0 {
		fmt.Fprintln(w, "\nflags:")
	}
	fs.VisitAll(func(f *flag.Flag) {
		// The usage text is printed as written: flag.UnquoteUsage would
		// take a `quoted` word in it for the value's name.
		fmt.Fprintf(w, "  --%s", f.Name)
		if v := valueName(f); v != "" {
			fmt.Fprintf(w, " %s", v)
		}
		fmt.Fprintf(w, "\n        %s", f.Usage)
		if !isZeroDefault(f.DefValue) {
			fmt.Fprintf(w, " (default: %s)", masked(f.DefValue))
		}
		if e, ok := envOf[f.Name]; ok {
			if v := getenv(e); v != "" {
				fmt.Fprintf(w, " (from $%s: %s)", e, masked(v))
			} else {
				fmt.Fprintf(w, " (env $%s)", e)
			}
		}
		fmt.Fprintln(w)
	})
	first := true
	for _, e := range fs.vars {
		if e.flag != "" {
			continue
		}
		if first {
			fmt.Fprintln(w, "\nenvironment:")
			first = false
		}
		v := getenv(e.name)
		state := "not set"
		switch {
		case v != "" && e.secret:
			state = "set; never shown"
		case v != "":
			state = "set: " + masked(v)
		}
		fmt.Fprintf(w, "  $%s\n        %s (%s)\n", e.name, e.about, state)
	}
}

// valueName is the word help shows after a flag that takes a value: its type.
func valueName(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return ""
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "value"
	}
	switch g.Get().(type) {
	case string:
		return "string"
	case int, int64, uint, uint64:
		return "int"
	case float64:
		return "number"
	case time.Duration:
		return "duration"
	}
	return "value"
}

func isZeroDefault(v string) bool {
	return v == "" || v == "0" || v == "false" || v == "0s"
}

// masked returns v as help and usage errors may show it.
func masked(v string) string { return secrets.Mask(v) }

// kafkaFlags locate the Kafka cluster.
type kafkaFlags struct {
	brokers string // --brokers, comma-separated host:port
}

func (k *kafkaFlags) register(fs *flagSet) {
	fs.StringVar(&k.brokers, "brokers", "127.0.0.1:9092", "Kafka bootstrap addresses, comma-separated")
	fs.env("brokers", "SERVICEPULSE_BROKERS")
	fs.check("brokers", func(v string) error {
		if len(splitList(v)) == 0 {
			return errors.New("give at least one Kafka address host:port")
		}
		return nil
	})
}

func (k *kafkaFlags) brokerList() []string { return splitList(k.brokers) }

func splitList(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// clickhouseFlags locate the ClickHouse server.
type clickhouseFlags struct {
	// clickhouse is the DSN of --clickhouse. A value set before register is
	// the flag's default (demo's own database); else warehouse's default.
	clickhouse string
}

func (c *clickhouseFlags) register(fs *flagSet) {
	def := c.clickhouse
	if def == "" {
		def = warehouse.DefaultConfig().DSN
	}
	fs.StringVar(&c.clickhouse, "clickhouse", def, "ClickHouse DSN, native protocol: clickhouse://[user[:password]@]host:port[/database]")
	fs.env("clickhouse", "SERVICEPULSE_CLICKHOUSE")
	fs.check("clickhouse", func(v string) error { return warehouse.ConfigFor(v).Validate() })
}

// open connects to the ClickHouse of --clickhouse.
func (c *clickhouseFlags) open(ctx context.Context, log *slog.Logger) (driver.Conn, error) {
	return warehouse.Open(ctx, warehouse.ConfigFor(c.clickhouse), log)
}

// logFlags shape the process's log.
type logFlags struct {
	logLevel  string // --log-level
	logFormat string // --log-format
}

func (l *logFlags) register(fs *flagSet) {
	fs.StringVar(&l.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.env("log-level", "SERVICEPULSE_LOG_LEVEL")
	fs.check("log-level", func(v string) error {
		var level slog.Level
		if level.UnmarshalText([]byte(v)) != nil {
			return errors.New("want debug, info, warn or error")
		}
		return nil
	})
	fs.StringVar(&l.logFormat, "log-format", "text", "text or json")
	fs.env("log-format", "SERVICEPULSE_LOG_FORMAT")
	fs.check("log-format", func(v string) error {
		if v != "text" && v != "json" {
			return errors.New("want text or json")
		}
		return nil
	})
}

// logger builds the process's structured logger; logs go to stderr so that
// stdout carries only the command's result.
func (l *logFlags) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(l.logLevel)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", l.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch l.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, usagef("--log-format %q: want text or json", l.logFormat)
}

// warehouseFlags are the flags of a command that works on ClickHouse: where
// it is, and how to log.
type warehouseFlags struct {
	clickhouseFlags
	logFlags
}

func (w *warehouseFlags) register(fs *flagSet) {
	w.clickhouseFlags.register(fs)
	w.logFlags.register(fs)
}

// connect returns the logger and a connection to the ClickHouse of --clickhouse.
func (w *warehouseFlags) connect(ctx context.Context) (driver.Conn, *slog.Logger, error) {
	log, err := w.logger()
	if err != nil {
		return nil, nil, err
	}
	conn, err := w.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	return conn, log, nil
}

// listenCheck accepts "" (off) or a host:port.
func listenCheck(v string) error {
	if v == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(v); err != nil {
		return errors.New(`want host:port, or "" for off`)
	}
	return nil
}
