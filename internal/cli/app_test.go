package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// toyApp has one command with verbs, one with an optional subcommand and
// one whose run fails with a chosen error.
func toyApp(fail error) *App {
	a := &App{Name: "toy", About: "a toy program"}
	a.Commands = map[string]Command{
		"pets": {Summary: "keep pets", Subs: []Subcommand{{Name: "add", Args: "NAME", Summary: "add a pet"}, {Name: "list", Summary: "list pets"}},
			Run: func(ctx context.Context, args []string) error { _, err := a.PickVerb("pets", args); return err }},
		"fail": {Summary: "fail", Run: func(context.Context, []string) error { return fail }},
	}
	return a
}

// TestExitCode: usage errors exit 2, an ExitStatus its own code (also
// wrapped), anything else 1.
func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{Usagef("--x %q: bad", "y"), 2},
		{fmt.Errorf("wrapped: %w", UsageError{"m"}), 2},
		{ExitStatus{Code: 1, Msg: "behind"}, 1},
		{fmt.Errorf("lag: %w", ExitStatus{Code: 2, Msg: "cannot tell"}), 2},
		{errors.New("boom"), 1},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// TestRunAndPickVerb: unknown commands and verbs are usage errors listing
// what to type; a chosen error passes through; a known verb is success.
func TestRunAndPickVerb(t *testing.T) {
	boom := errors.New("boom")
	a := toyApp(boom)
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"pest"}, "unknown command \"pest\"; run `toy help` for the list"},
		{[]string{"pets"}, "pets: want `pets add NAME` or `pets list` (run `toy pets -h`)"},
		{[]string{"pets", "feed"}, "pets: unknown verb \"feed\"; want `pets add NAME` or `pets list` (run `toy pets -h`)"},
	}
	for _, tt := range bad {
		err := a.Run(context.Background(), tt.args)
		var u UsageError
		if !errors.As(err, &u) || err.Error() != tt.want {
			t.Errorf("Run(%q) = %v, want the usage error %q", tt.args, err, tt.want)
		}
	}
	if err := a.Run(context.Background(), []string{"fail"}); err != boom {
		t.Errorf("Run(fail) = %v, want the command's own error", err)
	}
	if err := a.Run(context.Background(), []string{"pets", "list"}); err != nil {
		t.Errorf("Run(pets list) = %v", err)
	}
	if s := a.SummaryOf("pets add"); s != "add a pet" {
		t.Errorf("SummaryOf(pets add) = %q", s)
	}
}

// TestHelpOfVerbs: a command with verbs shows VERB in its usage line and
// lists them, width-aligned.
func TestHelpOfVerbs(t *testing.T) {
	a := toyApp(nil)
	fs := a.NewFlagSet("pets", "")
	fs.verbs = true
	var b strings.Builder
	fs.PrintHelp(&b, func(string) string { return "" })
	want := "usage: toy pets VERB [flags] [ARGS]\nkeep pets\n\nverbs (toy pets VERB -h for their flags):\n" +
		"  add NAME  add a pet\n  list      list pets\n"
	if b.String() != want {
		t.Errorf("help = %q, want %q", b.String(), want)
	}
}

// TestOneOfAndFormatCheck: a check built with OneOf names the flag, the
// value and the choices.
func TestOneOfAndFormatCheck(t *testing.T) {
	fs := toyApp(nil).NewFlagSet("pets list", "")
	var format string
	fs.StringVar(&format, "format", "table", "table, json or csv")
	fs.Check("format", OneOf("table", "json", "csv"))
	_, err := fs.ParseEnv([]string{"--format", "xml"}, func(string) string { return "" })
	if err == nil || err.Error() != `--format "xml": want table, json or csv` {
		t.Errorf("parse --format xml = %v", err)
	}
	if _, err := fs.ParseEnv([]string{"--format", "csv"}, func(string) string { return "" }); err != nil || format != "csv" {
		t.Errorf("parse --format csv = %v, format %q", err, format)
	}
}

// TestCohort: --to is inclusive (the query ends the next day), and each bad
// value is a usage error naming its flag.
func TestCohort(t *testing.T) {
	q, err := Cohort("kpi", "2026-07-01", "2026-09-30", "partner,month", "2026-10-01T00:00:00+08:00")
	if err != nil {
		t.Fatal(err)
	}
	if !q.From.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) || !q.To.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("range %v … %v, want 2026-07-01 … 2026-10-01 (exclusive)", q.From, q.To)
	}
	if !q.AsOf.Equal(time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC)) || len(q.By) != 2 || q.By[1] != "month" {
		t.Errorf("as of %v by %v", q.AsOf, q.By)
	}
	bad := []struct {
		from, to, by, asOf, want string
	}{
		{"", "2026-09-30", "", "", "kpi: --from and --to are required"},
		{"2026-13-01", "2026-12-31", "", "", `--from "2026-13-01": want a date YYYY-MM-DD`},
		{"2026-09-30", "2026-07-01", "", "", "--to 2026-07-01 is before --from 2026-09-30"},
		{"2026-07-01", "2026-09-30", "colour", "", `--by: unknown grouping "colour"`},
		{"2026-07-01", "2026-09-30", "", "tomorrow", `--as-of "tomorrow": want an RFC 3339 time`},
	}
	for _, tt := range bad {
		_, err := Cohort("kpi", tt.from, tt.to, tt.by, tt.asOf)
		var u UsageError
		if !errors.As(err, &u) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Cohort(%q, %q, %q, %q) = %v, want a usage error starting %q", tt.from, tt.to, tt.by, tt.asOf, err, tt.want)
		}
	}
}
