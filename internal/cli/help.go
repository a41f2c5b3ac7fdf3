package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// PrintHelp writes the help of the command: usage line, summary,
// subcommands, each flag with its usage text, built-in default and the
// environment variable that sets it, and the other variables it reads.
// Credentials in values are masked; a secret variable's value never shows.
func (fs *FlagSet) PrintHelp(w io.Writer, getenv func(string) string) {
	var nflags int
	fs.VisitAll(func(*flag.Flag) { nflags++ })
	line := "usage: " + fs.prog + " " + fs.path
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
	fs.printSubs(w)
	envOf := map[string]string{}
	for _, e := range fs.vars {
		if e.Flag != "" {
			envOf[e.Flag] = e.Name
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
	fs.printEnv(w, getenv)
}

// printSubs writes the list of subcommands, verbs or (for the program) commands.
func (fs *FlagSet) printSubs(w io.Writer) {
	if len(fs.subs) == 0 {
		return
	}
	title := "subcommands (" + fs.prog + " " + fs.path + " SUB -h for theirs):"
	switch {
	case fs.path == "":
		title = "commands (" + fs.prog + " COMMAND -h for their flags):"
	case fs.verbs:
		title = "verbs (" + fs.prog + " " + fs.path + " VERB -h for their flags):"
	}
	fmt.Fprintln(w, "\n"+title)
	width := 0
	for _, s := range fs.subs {
		width = max(width, len(strings.TrimSpace(s.Name+" "+s.Args)))
	}
	for _, s := range fs.subs {
		fmt.Fprintf(w, "  %-*s  %s\n", width, strings.TrimSpace(s.Name+" "+s.Args), s.Summary)
	}
}

// printEnv writes the variables the command reads itself, and whether each is set.
func (fs *FlagSet) printEnv(w io.Writer, getenv func(string) string) {
	first := true
	for _, e := range fs.vars {
		if e.Flag != "" {
			continue
		}
		if first {
			fmt.Fprintln(w, "\nenvironment:")
			first = false
		}
		v := getenv(e.Name)
		state := "not set"
		switch {
		case v != "" && e.Secret:
			state = "set; never shown"
		case v != "":
			state = "set: " + masked(v)
		}
		fmt.Fprintf(w, "  $%s\n        %s (%s)\n", e.Name, e.About, state)
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
