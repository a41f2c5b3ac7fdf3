package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"time"
)

// App is a command-line program: its commands and what its help shows.
// Help is written on os.Stdout as it is when asked for.
type App struct {
	Name     string // the program, first word of every usage line: "servicepulse"
	About    string // the program's one-line summary, under its usage line
	Commands map[string]Command
	// Env lists the variables every command reads (not through a flag).
	Env []EnvVar
	// Hints finish the message of an error a library returns, in the
	// program's terms: a library does not know the flags, the program does.
	Hints []Hint
}

// Hint is what to tell the user after an error that is (errors.Is) Err.
type Hint struct {
	Err  error
	Text string // appended after "; ": "set --clickhouse"
}

// hinted is an error with a hint after its message; it unwraps to the error.
type hinted struct {
	err  error
	text string
}

func (h hinted) Error() string { return h.err.Error() + "; " + h.text }
func (h hinted) Unwrap() error { return h.err }

// hint adds the first matching hint of a to err.
func (a *App) hint(err error) error {
	for _, h := range a.Hints {
		if errors.Is(err, h.Err) {
			return hinted{err, h.Text}
		}
	}
	return err
}

// Command is one command of an App.
type Command struct {
	Summary string
	Run     func(ctx context.Context, args []string) error
	// Subs are the subcommands (optional, like `kpi list`) or the verbs (one
	// required: the command calls App.PickVerb) of the command.
	Subs []Subcommand
}

// Subcommand is a subcommand or verb: `PROGRAM CMD NAME [flags] ARGS`.
type Subcommand struct {
	Name, Args, Summary string
}

// EnvVar is an environment variable a command reads.
type EnvVar struct {
	Name   string // SERVICEPULSE_CLICKHOUSE
	Flag   string // the flag it stands in for; "" if the command reads it itself
	About  string // what it holds, for a variable without a flag
	Secret bool   // its value is never printed, only whether it is set
}

// UsageError is a mistake in the command line: exit status 2.
type UsageError struct{ Msg string }

func (u UsageError) Error() string { return u.Msg }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error { return UsageError{fmt.Sprintf(format, args...)} }

// ExitStatus ends the process with a chosen status and message: `lag`, for
// one, tells "behind" (1) from "could not tell" (2).
type ExitStatus struct {
	Code int
	Msg  string
}

func (e ExitStatus) Error() string { return e.Msg }

// ExitCode is the process's exit status after err: 0 for nil, 2 for a
// UsageError, an ExitStatus's code, else 1.
func ExitCode(err error) int {
	var u UsageError
	var e ExitStatus
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return 2
	case errors.As(err, &e):
		return e.Code
	}
	return 1
}

// ErrHelpShown ends a command whose -h was answered: success, nothing to do.
var ErrHelpShown = errors.New("help shown")

// Run runs the command of args. `PROGRAM help [CMD [SUB]]` and
// `PROGRAM CMD help` show the help, as -h does; an answered -h is success.
func (a *App) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || isHelp(args[0]) && len(args) == 1 {
		a.printUsage(os.Stdout)
		return nil
	}
	if isHelp(args[0]) {
		args = append(args[1:len(args):len(args)], "-h")
	} else if len(args) == 2 && args[1] == "help" {
		args = []string{args[0], "-h"}
	}
	c, ok := a.Commands[args[0]]
	if !ok {
		return Usagef("unknown command %q; run `%s help` for the list", args[0], a.Name)
	}
	if err := c.Run(ctx, args[1:]); !errors.Is(err, ErrHelpShown) {
		return a.hint(err)
	}
	return nil
}

// SummaryOf is the one-line summary of the command or subcommand path
// ("kpi", "kpi list"); "" is the program.
func (a *App) SummaryOf(path string) string {
	if path == "" {
		return a.About
	}
	cmd, sub, _ := strings.Cut(path, " ")
	if sub == "" {
		return a.Commands[cmd].Summary
	}
	for _, s := range a.Commands[cmd].Subs {
		if s.Name == sub {
			return s.Summary
		}
	}
	return ""
}

// printUsage writes the program's help: the commands and their summaries.
func (a *App) printUsage(w io.Writer) {
	fs := a.NewFlagSet("", "")
	names := make([]string, 0, len(a.Commands))
	for n := range a.Commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fs.subs = append(fs.subs, Subcommand{Name: n, Summary: a.Commands[n].Summary})
	}
	fs.vars = append(fs.vars, a.Env...)
	fs.PrintHelp(w, os.Getenv)
}

// PickVerb returns the verb args[0] of command cmd, one of its Subs.
// -h, --help or help answer with cmd's help (ErrHelpShown); a missing or
// unknown verb is a usage error listing the verbs.
func (a *App) PickVerb(cmd string, args []string) (string, error) {
	fs := a.NewFlagSet(cmd, "")
	fs.verbs = true
	if len(args) > 0 && isHelp(args[0]) {
		fs.PrintHelp(os.Stdout, os.Getenv)
		return "", ErrHelpShown
	}
	var want []string
	for _, s := range fs.subs {
		if len(args) > 0 && args[0] == s.Name {
			return s.Name, nil
		}
		want = append(want, "`"+strings.TrimSpace(cmd+" "+s.Name+" "+s.Args)+"`")
	}
	list := strings.Join(want[:len(want)-1], ", ") + " or " + want[len(want)-1]
	if len(args) == 0 {
		return "", Usagef("%s: want %s (run `%s %s -h`)", cmd, list, a.Name, cmd)
	}
	return "", Usagef("%s: unknown verb %q; want %s (run `%s %s -h`)", cmd, args[0], list, a.Name, cmd)
}

// isHelp tells whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// PrintResult prints v as PrintJSON does, unless err is set: then it
// returns err and prints nothing. It takes a call's two results:
// PrintResult(warehouse.ReadStats(ctx, conn)).
func PrintResult[T any](v T, err error) error {
	if err != nil {
		return err
	}
	return PrintJSON(v)
}

// Profiled runs f under a CPU profile written to path, when path is set.
func Profiled(path string, f func() error) error {
	if path == "" {
		return f()
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer pprof.StopCPUProfile()
	stopPeak := peakHeap(path + ".heap")
	runErr := f()
	if err := stopPeak(); err != nil {
		runErr = errors.Join(runErr, err)
	}
	// Beside it, what the command allocated (go tool pprof -sample_index=
	// alloc_space PATH.allocs): GC is often where the CPU went.
	allocs, err := os.Create(path + ".allocs")
	if err != nil {
		return errors.Join(runErr, fmt.Errorf("allocation profile: %w", err))
	}
	defer allocs.Close()
	if err := pprof.Lookup("allocs").WriteTo(allocs, 0); err != nil {
		return errors.Join(runErr, fmt.Errorf("allocation profile: %w", err))
	}
	return runErr
}

// peakHeap writes to path the heap profile (live objects) taken when the
// heap in use was largest, sampled every 200 ms, until stop is called:
// what holds memory at the peak is what a memory bound is about, and the
// end of a run shows little of it.
func peakHeap(path string) (stop func() error) {
	done, result := make(chan struct{}), make(chan error, 1)
	go func() {
		var best uint64
		var snap bytes.Buffer
		var ms runtime.MemStats
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				if snap.Len() == 0 {
					result <- nil
					return
				}
				result <- os.WriteFile(path, snap.Bytes(), 0o644)
				return
			case <-tick.C:
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse <= best {
				continue
			}
			best = ms.HeapInuse
			snap.Reset()
			if err := pprof.Lookup("heap").WriteTo(&snap, 0); err != nil {
				result <- fmt.Errorf("heap profile: %w", err)
				<-done
				return
			}
		}
	}()
	return func() error { close(done); return <-result }
}

// PrintJSON writes a command's one-object result on stdout, indented.
func PrintJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
