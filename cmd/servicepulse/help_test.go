package main

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"servicepulse/internal/cli"
)

// helpPaths lists every command and subcommand: "kpi", "kpi list", ...
func helpPaths() []string {
	var paths []string
	for name := range app.Commands {
		paths = append(paths, name)
		for _, s := range app.Commands[name].Subs {
			paths = append(paths, name+" "+s.Name)
		}
	}
	sort.Strings(paths)
	return paths
}

// help runs `servicepulse PATH... -h` (or the given form) in-process and
// returns what it printed; it fails the test unless the command succeeded.
func help(t *testing.T, args ...string) string {
	t.Helper()
	return string(captureStdout(t, func() error { return app.Run(context.Background(), args) }))
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
				if s := app.SummaryOf(path); s == "" || !strings.Contains(out, s) {
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
	for cmd, c := range app.Commands {
		subs := c.Subs
		if len(subs) == 0 || cmd == "kpi" || cmd == "bench" {
			continue // no verbs, or an optional subcommand
		}
		for _, args := range [][]string{{cmd}, {cmd, "frobnicate"}} {
			err := app.Run(context.Background(), args)
			var u cli.UsageError
			if !errors.As(err, &u) {
				t.Fatalf("run(%q) = %v, want a usage error", args, err)
			}
			for _, s := range subs {
				if !strings.Contains(err.Error(), "`"+cmd+" "+s.Name) {
					t.Errorf("run(%q) = %q, want it to list `%s %s`", args, err, cmd, s.Name)
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
		"bench": ch | logs, "bench kpi": ch | logs, "bench refresh": ch | logs,
		"breaches":         ch | logs,
		"broker":           logs,
		"clickhouse start": logs, "clickhouse stop": logs,
		"contracts check": 0, "contracts load": ch | logs, "contracts extract": ch | logs,
		"dashboards export": logs, "dashboards provision": logs,
		"demo":   ch | logs,
		"gen":    kafka | logs,
		"import": kafka | logs,
		"ingest": kafka | ch | logs,
		"kpi":    ch | logs, "kpi list": 0,
		"lag":     kafka,
		"migrate": ch | logs,
		"refresh": ch | logs,
		"report":  ch | logs,
		"request": ch | logs,
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

// TestFlagEnvIngest: ingest's own variables keep their names and precedence.
func TestFlagEnvIngest(t *testing.T) {
	env := map[string]string{
		"SERVICEPULSE_LISTEN": "127.0.0.1:0", "SERVICEPULSE_PII_KEY_FILE": "/run/key", "SERVICEPULSE_MEMORY_LIMIT": "1GiB",
	}
	fs := app.NewFlagSet("ingest", "")
	var f ingestFlags
	f.register(fs)
	if _, err := fs.ParseEnv([]string{"--memory-limit", "64MiB"}, func(v string) string { return env[v] }); err != nil {
		t.Fatal(err)
	}
	if f.listen != "127.0.0.1:0" || f.pii.File != "/run/key" || f.memLimit != "64MiB" {
		t.Errorf("listen %q, pii key file %q, memory limit %q: want the environment's, and the flag's limit", f.listen, f.pii.File, f.memLimit)
	}
	fs = app.NewFlagSet("ingest", "")
	f = ingestFlags{}
	f.register(fs)
	_, err := fs.ParseEnv(nil, func(v string) string { return map[string]string{"SERVICEPULSE_MEMORY_LIMIT": "lots"}[v] })
	if err == nil || !strings.Contains(err.Error(), "$SERVICEPULSE_MEMORY_LIMIT") {
		t.Errorf("a bad SERVICEPULSE_MEMORY_LIMIT gave %v, want a usage error naming it", err)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
