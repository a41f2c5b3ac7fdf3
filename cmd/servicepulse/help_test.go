package main

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// helpPaths lists every command and subcommand: "kpi", "kpi list", ...
func helpPaths() []string {
	var paths []string
	for name := range commands {
		paths = append(paths, name)
		for _, s := range subcommands[name] {
			paths = append(paths, name+" "+s.name)
		}
	}
	sort.Strings(paths)
	return paths
}

// help runs `servicepulse PATH... -h` (or the given form) in-process and
// returns what it printed; it fails the test unless the command succeeded.
func help(t *testing.T, args ...string) string {
	t.Helper()
	return string(captureStdout(t, func() error { return run(context.Background(), args) }))
}

// TestHelpEveryCommand: every command and subcommand answers -h, --help and
// help with its usage line and a nil error (exit status 0), needing no server.
func TestHelpEveryCommand(t *testing.T) {
	for _, path := range helpPaths() {
		words := strings.Fields(path)
		forms := map[string][]string{
			"-h":       append(slices.Clone(words), "-h"),
			"--help":   append(slices.Clone(words), "--help"),
			"help CMD": append([]string{"help"}, words...),
		}
		if len(words) == 1 {
			forms["CMD help"] = []string{words[0], "help"}
		}
		for form, args := range forms {
			t.Run(path+"/"+form, func(t *testing.T) {
				out := help(t, args...)
				if !strings.HasPrefix(out, "usage: servicepulse "+path) {
					t.Errorf("servicepulse %s printed %q, want it to start with the usage line", strings.Join(args, " "), firstLine(out))
				}
				if s := summaryOf(path); s == "" || !strings.Contains(out, s) {
					t.Errorf("servicepulse %s: help lacks the summary %q", strings.Join(args, " "), s)
				}
			})
		}
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {}} {
		out := help(t, args...)
		if !strings.HasPrefix(out, "usage: servicepulse COMMAND") || !strings.Contains(out, "ingest") {
			t.Errorf("servicepulse %q printed %q, want the list of commands", args, firstLine(out))
		}
	}
}

// TestHelpAfterFlagsAndArgs: -h answers wherever it stands among the flags.
func TestHelpAfterFlagsAndArgs(t *testing.T) {
	for _, args := range [][]string{
		{"kpi", "--from", "2026-07-01", "-h"},
		{"contracts", "load", "x.yaml", "-h"},
		{"contracts", "check", "-h", "x.yaml"},
		{"ingest", "--workers", "2", "--help"},
	} {
		if out := help(t, args...); !strings.HasPrefix(out, "usage: servicepulse ") {
			t.Errorf("servicepulse %q printed %q, want its help", args, firstLine(out))
		}
	}
}

// TestBadVerbListsVerbs: a missing or unknown verb is a usage error (exit 2)
// naming the verbs.
func TestBadVerbListsVerbs(t *testing.T) {
	for cmd, subs := range subcommands {
		if cmd == "kpi" || cmd == "bench" {
			continue // their subcommand is optional
		}
		for _, args := range [][]string{{cmd}, {cmd, "frobnicate"}} {
			err := run(context.Background(), args)
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("run(%q) = %v, want a usage error", args, err)
			}
			for _, s := range subs {
				if !strings.Contains(err.Error(), "`"+cmd+" "+s.name) {
					t.Errorf("run(%q) = %q, want it to list `%s %s`", args, err, cmd, s.name)
				}
			}
		}
	}
}

// TestHelpMasksCredentials: help shows where a value comes from, never a
// password or a secret.
func TestHelpMasksCredentials(t *testing.T) {
	t.Setenv("SERVICEPULSE_CLICKHOUSE", "clickhouse://u:s3cret@127.0.0.1:9000/db")
	t.Setenv("SERVICEPULSE_PII_KEY", "s3cret-s3cret-s3cret-s3cret")
	t.Setenv("GRAFANA_URL", "http://admin:s3cret@127.0.0.1:3000")
	t.Setenv("GRAFANA_TOKEN", "s3cret")
	t.Setenv("GRAFANA_PASSWORD", "s3cret")
	paths := append(helpPaths(), "")
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			out := help(t, append(strings.Fields(path), "-h")...)
			if strings.Contains(out, "s3cret") {
				t.Errorf("servicepulse %s -h shows a secret:\n%s", path, out)
			}
			if strings.Contains(out, "--clickhouse") &&
				!strings.Contains(out, "(from $SERVICEPULSE_CLICKHOUSE: clickhouse://u:***@127.0.0.1:9000/db)") {
				t.Errorf("servicepulse %s -h does not show the masked DSN from the environment:\n%s", path, out)
			}
		})
	}
	if out := help(t, "ingest", "-h"); !strings.Contains(out, "$SERVICEPULSE_PII_KEY") || !strings.Contains(out, "set; never shown") {
		t.Errorf("ingest -h should say that SERVICEPULSE_PII_KEY is set without showing it:\n%s", out)
	}
}

// TestHelpShowsBuiltInDefaults: the default shown is the built-in one, even
// when the environment overrides it.
func TestHelpShowsBuiltInDefaults(t *testing.T) {
	t.Setenv("SERVICEPULSE_CLICKHOUSE", "clickhouse://10.0.0.1:9000/elsewhere")
	t.Setenv("SERVICEPULSE_LISTEN", "0.0.0.0:9999")
	// CI sets these for the integration tests; empty counts as unset.
	for _, v := range []string{"SERVICEPULSE_BROKERS", "SERVICEPULSE_LOG_LEVEL", "SERVICEPULSE_LOG_FORMAT"} {
		t.Setenv(v, "")
	}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"kpi", "-h"}, []string{"(default: clickhouse://127.0.0.1:9000/servicepulse) (from $SERVICEPULSE_CLICKHOUSE: clickhouse://10.0.0.1:9000/elsewhere)"}},
		{[]string{"demo", "-h"}, []string{"(default: servicepulse_demo)"}},
		{[]string{"ingest", "-h"}, []string{"(default: 127.0.0.1:9464) (from $SERVICEPULSE_LISTEN: 0.0.0.0:9999)", "(default: 127.0.0.1:9092) (env $SERVICEPULSE_BROKERS)"}},
		{[]string{"gen", "-h"}, []string{"(default: info) (env $SERVICEPULSE_LOG_LEVEL)"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out := help(t, tt.args...)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("servicepulse %s lacks %q:\n%s", strings.Join(tt.args, " "), w, out)
				}
			}
		})
	}
}

// TestHelpKeepsBackquotedWords: a `quoted` word in a usage text is shown as
// written, not taken for the value's name (flag.UnquoteUsage).
func TestHelpKeepsBackquotedWords(t *testing.T) {
	out := help(t, "ingest", "-h")
	if strings.Contains(out, "--refresh-interval servicepulse") {
		t.Errorf("ingest -h names --refresh-interval's value `servicepulse refresh`:\n%s", out)
	}
	if !strings.Contains(out, "--refresh-interval duration\n") || !strings.Contains(out, "`servicepulse refresh`") {
		t.Errorf("ingest -h should show --refresh-interval duration and its usage verbatim:\n%s", out)
	}
}

var flagLine = regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`)

// flagsOf lists the flags that `servicepulse PATH -h` shows.
func flagsOf(t *testing.T, path string) []string {
	t.Helper()
	var names []string
	for _, m := range flagLine.FindAllStringSubmatch(help(t, append(strings.Fields(path), "-h")...), -1) {
		names = append(names, m[1])
	}
	return names
}

// TestFlagsRegisteredOnlyWhereRead: each command registers the shared flags
// it reads, and no other.
func TestFlagsRegisteredOnlyWhereRead(t *testing.T) {
	const (
		kafka = 1 << iota // --brokers
		ch                // --clickhouse
		logs              // --log-level, --log-format
	)
	reads := map[string]int{
		"actions": 0, "clickhouse": 0, "contracts": 0, "dashboards": 0, // verbs only
		"actions add": ch | logs, "actions list": ch | logs,
		"bench": ch | logs, "bench kpi": ch | logs,
		"breaches":         ch | logs,
		"broker":           logs,
		"clickhouse start": logs, "clickhouse stop": logs,
		"contracts check": 0, "contracts load": ch | logs,
		"dashboards export": logs, "dashboards provision": logs,
		"demo":   ch | logs,
		"gen":    kafka | logs,
		"ingest": kafka | ch | logs,
		"kpi":    ch | logs, "kpi list": 0,
		"lag":     kafka,
		"migrate": ch | logs,
		"refresh": ch | logs,
		"report":  ch | logs,
		"stats":   ch | logs,
	}
	// Flags of a group that a command registers only in part.
	absent := map[string][]string{"lag": {"dlq-topic", "partitions"}}
	for _, path := range helpPaths() {
		t.Run(path, func(t *testing.T) {
			want, ok := reads[path]
			if !ok {
				t.Fatalf("%s is not in this test's table: add which shared flags it reads", path)
			}
			got := flagsOf(t, path)
			for _, g := range []struct {
				bit   int
				flags []string
			}{{kafka, []string{"brokers"}}, {ch, []string{"clickhouse"}}, {logs, []string{"log-level", "log-format"}}} {
				for _, f := range g.flags {
					if has := slices.Contains(got, f); has != (want&g.bit != 0) {
						t.Errorf("%s registers --%s: %v, want %v (flags: %v)", path, f, has, !has, got)
					}
				}
			}
			for _, f := range absent[path] {
				if slices.Contains(got, f) {
					t.Errorf("%s registers --%s, which it does not read", path, f)
				}
			}
		})
	}
}

// TestFlagEnvPrecedence: a flag on the command line beats its environment
// variable, which beats the built-in default; a bad value from the
// environment is a usage error naming the variable. No server, no process
// environment: the variables are passed in.
func TestFlagEnvPrecedence(t *testing.T) {
	const def = "clickhouse://127.0.0.1:9000/servicepulse"
	env := map[string]string{
		"SERVICEPULSE_CLICKHOUSE": "clickhouse://10.0.0.1:9000/env",
		"SERVICEPULSE_BROKERS":    "kafka:9092",
	}
	tests := []struct {
		name                        string
		args                        []string
		env                         map[string]string
		dsn, brokers, level, format string
	}{
		{"built-in defaults", nil, nil, def, "127.0.0.1:9092", "info", "text"},
		{"environment beats default", nil, env, "clickhouse://10.0.0.1:9000/env", "kafka:9092", "info", "text"},
		{"flag beats environment", []string{"--clickhouse", "clickhouse://10.0.0.2:9000/flag", "--log-level", "debug"}, env,
			"clickhouse://10.0.0.2:9000/flag", "kafka:9092", "debug", "text"},
		{"flag set to the default beats environment", []string{"--clickhouse", def, "--brokers=b:1"}, env, def, "b:1", "info", "text"},
		{"empty variable is unset", nil, map[string]string{"SERVICEPULSE_LOG_FORMAT": ""}, def, "127.0.0.1:9092", "info", "text"},
		{"log variables", nil, map[string]string{"SERVICEPULSE_LOG_LEVEL": "warn", "SERVICEPULSE_LOG_FORMAT": "json"}, def, "127.0.0.1:9092", "warn", "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, k, w := connectionFlags()
			if _, err := fs.parseEnv(tt.args, func(v string) string { return tt.env[v] }); err != nil {
				t.Fatal(err)
			}
			if w.clickhouse != tt.dsn || k.brokers != tt.brokers || w.logLevel != tt.level || w.logFormat != tt.format {
				t.Errorf("got %q %q %q %q, want %q %q %q %q", w.clickhouse, k.brokers, w.logLevel, w.logFormat,
					tt.dsn, tt.brokers, tt.level, tt.format)
			}
			if d := fs.Lookup("clickhouse").DefValue; d != def {
				t.Errorf("--clickhouse DefValue = %q, want the built-in %q", d, def)
			}
		})
	}

	bad := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad level from env", nil, map[string]string{"SERVICEPULSE_LOG_LEVEL": "loud"}, `$SERVICEPULSE_LOG_LEVEL (for --log-level) "loud"`},
		{"bad level from flag", []string{"--log-level", "loud"}, nil, `--log-level "loud"`},
		{"bad format from env", nil, map[string]string{"SERVICEPULSE_LOG_FORMAT": "xml"}, `$SERVICEPULSE_LOG_FORMAT (for --log-format) "xml"`},
		{"bad DSN from env, masked", nil, map[string]string{"SERVICEPULSE_CLICKHOUSE": "http://u:s3cret@h:9000/db"}, `$SERVICEPULSE_CLICKHOUSE (for --clickhouse) "http://u:***@h:9000/db"`},
		{"empty brokers from env", nil, map[string]string{"SERVICEPULSE_BROKERS": " , "}, `$SERVICEPULSE_BROKERS (for --brokers)`},
		{"bad env ignored under a flag", []string{"--log-level", "loud"}, map[string]string{"SERVICEPULSE_LOG_LEVEL": "debug"}, `--log-level "loud"`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			fs, _, _ := connectionFlags()
			_, err := fs.parseEnv(tt.args, func(v string) string { return tt.env[v] })
			var u usageError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parse = %v, want a usage error with %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("usage error %q shows the password", err)
			}
		})
	}
}

// TestFlagEnvIngest: ingest's own variables keep their names and precedence.
func TestFlagEnvIngest(t *testing.T) {
	env := map[string]string{
		"SERVICEPULSE_LISTEN": "127.0.0.1:0", "SERVICEPULSE_PII_KEY_FILE": "/run/key", "SERVICEPULSE_MEMORY_LIMIT": "1GiB",
	}
	fs := newFlagSet("ingest", "")
	var f ingestFlags
	f.register(fs)
	if _, err := fs.parseEnv([]string{"--memory-limit", "64MiB"}, func(v string) string { return env[v] }); err != nil {
		t.Fatal(err)
	}
	if f.listen != "127.0.0.1:0" || f.piiKeyFile != "/run/key" || f.memLimit != "64MiB" {
		t.Errorf("listen %q, pii key file %q, memory limit %q: want the environment's, and the flag's limit", f.listen, f.piiKeyFile, f.memLimit)
	}
	fs = newFlagSet("ingest", "")
	f = ingestFlags{}
	f.register(fs)
	_, err := fs.parseEnv(nil, func(v string) string { return map[string]string{"SERVICEPULSE_MEMORY_LIMIT": "lots"}[v] })
	if err == nil || !strings.Contains(err.Error(), "$SERVICEPULSE_MEMORY_LIMIT") {
		t.Errorf("a bad SERVICEPULSE_MEMORY_LIMIT gave %v, want a usage error naming it", err)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// connectionFlags is a flag set with the Kafka, ClickHouse and log groups.
func connectionFlags() (*flagSet, *kafkaFlags, *warehouseFlags) {
	fs := newFlagSet("test", "")
	var (
		k kafkaFlags
		w warehouseFlags
	)
	k.register(fs)
	w.register(fs)
	return fs, &k, &w
}
