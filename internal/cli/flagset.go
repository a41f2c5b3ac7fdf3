package cli

import (
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"unicode"

	"servicepulse/internal/fields"
	"servicepulse/internal/secrets"
)

// FlagSet is one command's or subcommand's flags, with what its help shows:
// the usage line, the summary, the subcommands and the environment variables
// the command reads. Register flags on the embedded flag.FlagSet; parse with
// Parse or ParseArgs, never with the embedded flag.FlagSet's Parse.
type FlagSet struct {
	*flag.FlagSet
	prog    string // the program, "servicepulse"
	path    string // command and subcommand, "contracts load"
	args    string // positional arguments of the usage line, "FILE"
	summary string
	subs    []Subcommand
	verbs   bool // subs are verbs, one of which is required (no flags of its own)
	vars    []EnvVar
	checks  []flagCheck
	fromEnv map[string]string // flag → the variable whose value it took
	fields  map[string]string // Go config field → the flag that sets it, where not its kebab case
}

// flagCheck rejects a bad value of a flag at parse time, wherever it came
// from; with lineOnly, only a value written on the command line.
type flagCheck struct {
	flag     string
	ok       func(string) error
	lineOnly bool
}

// Group is a set of flags shared by many commands: Register adds its flags
// (and their variables and checks) to fs, bound to the group's fields.
type Group interface {
	Register(fs *FlagSet)
}

// NewFlagSet returns the flag set of the command (or "command sub") path of
// a, whose usage line ends with the positional arguments args, with the
// flags of groups.
func (a *App) NewFlagSet(path, args string, groups ...Group) *FlagSet {
	fs := &FlagSet{
		FlagSet: flag.NewFlagSet(path, flag.ContinueOnError),
		prog:    a.Name, path: path, args: args, summary: a.SummaryOf(path),
		fromEnv: map[string]string{}, fields: map[string]string{},
	}
	if path != "" {
		fs.subs = a.Commands[path].Subs
	}
	fs.SetOutput(io.Discard)
	fs.Add(groups...)
	return fs
}

// Add registers the flags of each group on fs.
func (fs *FlagSet) Add(groups ...Group) {
	for _, g := range groups {
		g.Register(fs)
	}
}

// Env makes the environment variable stand in for flag name when the
// command line does not set it.
func (fs *FlagSet) Env(name, variable string) {
	fs.vars = append(fs.vars, EnvVar{Name: variable, Flag: name})
}

// ReadsEnv lists in the help a variable the command reads itself, not
// through a flag; a secret one's value is never shown.
func (fs *FlagSet) ReadsEnv(variable, about string, secret bool) {
	fs.vars = append(fs.vars, EnvVar{Name: variable, About: about, Secret: secret})
}

// Format registers --format, one of formats, the first the default.
func (fs *FlagSet) Format(p *string, formats ...string) {
	fs.StringVar(p, "format", formats[0], choices(formats))
	fs.Check("format", OneOf(formats...))
}

// Check makes parsing reject a value of flag name that ok rejects; the usage
// error names the flag, or the variable the value came from.
func (fs *FlagSet) Check(name string, ok func(string) error) {
	fs.checks = append(fs.checks, flagCheck{flag: name, ok: ok})
}

// Parse parses args, which hold flags only, and the environment.
func (fs *FlagSet) Parse(args []string) error {
	pos, err := fs.ParseEnv(args, os.Getenv)
	if err == nil && len(pos) > 0 {
		return Usagef("%s: unexpected argument %q", fs.path, pos[0])
	}
	return err
}

// ParseArgs parses flags that may stand before, between or after the
// positional arguments, and the environment; it returns the positional ones.
func (fs *FlagSet) ParseArgs(args []string) ([]string, error) {
	return fs.ParseEnv(args, os.Getenv)
}

// ParseEnv parses args, flags that may stand before, between or after the
// positional arguments; then gives each flag not on the command line the
// value of its variable, as getenv reports it (empty: unset); then runs the
// checks. It returns the positional arguments. -h or --help print the help
// on stdout and return ErrHelpShown.
func (fs *FlagSet) ParseEnv(args []string, getenv func(string) string) ([]string, error) {
	var pos []string
	for {
		if err := fs.FlagSet.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.PrintHelp(os.Stdout, getenv)
				return nil, ErrHelpShown
			}
			return nil, Usagef("%s: %v (run `%s %s -h`)", fs.path, err, fs.prog, fs.path)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	// Before applyEnv, whose Set counts as set for Visit.
	onLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onLine[f.Name] = true })
	if err := fs.applyEnv(getenv); err != nil {
		return nil, err
	}
	for _, c := range fs.checks {
		if c.lineOnly && !onLine[c.flag] {
			continue
		}
		v := fs.Lookup(c.flag).Value.String()
		if err := c.ok(v); err != nil {
			src := "--" + c.flag
			if e, ok := fs.fromEnv[c.flag]; ok {
				src = "$" + e + " (for --" + c.flag + ")"
			}
			return nil, Usagef("%s %q: %v", src, masked(v), err)
		}
	}
	return pos, nil
}

// CheckLine is Check for a value written on the command line only, which
// every user of the machine can read (ps, /proc): where a secret must not
// be written, though the flag's variable may hold it.
func (fs *FlagSet) CheckLine(name string, ok func(string) error) {
	fs.checks = append(fs.checks, flagCheck{flag: name, ok: ok, lineOnly: true})
}

// applyEnv sets each flag the command line did not set from its variable.
func (fs *FlagSet) applyEnv(getenv func(string) string) error {
	onLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onLine[f.Name] = true })
	for _, e := range fs.vars {
		if e.Flag == "" || onLine[e.Flag] {
			continue
		}
		v := getenv(e.Name)
		if v == "" {
			continue
		}
		if err := fs.Set(e.Flag, v); err != nil {
			return Usagef("$%s %q (for --%s): %v", e.Name, masked(v), e.Flag, err)
		}
		fs.fromEnv[e.Flag] = e.Name
	}
	return nil
}

// Field says that flag (a name without dashes, or a $VARIABLE) sets the
// config field called field in Go, for Invalid, where the flag is not the
// field's name in kebab case: fs.Field("ClickHouse", "clickhouse").
func (fs *FlagSet) Field(field, flag string) { fs.fields[field] = flag }

// Invalid turns the error of a library Config's Validate into a usage
// error (exit status 2) in the user's terms: the Go field names of a
// fields.Error become the flags that set them (UntilIdleMax →
// --until-idle-max, or as declared with Field). nil stays nil.
func (fs *FlagSet) Invalid(err error) error {
	if err == nil {
		return nil
	}
	return UsageError{fields.Translate(err, fs.flagOf).Error()}
}

// flagOf names the flag of a Go config field.
func (fs *FlagSet) flagOf(field string) (string, bool) {
	if f, ok := fs.fields[field]; ok {
		if strings.HasPrefix(f, "$") {
			return f, true
		}
		return "--" + f, true
	}
	if k := kebab(field); fs.Lookup(k) != nil {
		return "--" + k, true
	}
	return "", false
}

// kebab writes a Go name in kebab case, an initialism as one word:
// UntilIdleMax → until-idle-max, OrgID → org-id, PIIKey → pii-key.
func kebab(name string) string {
	rs := []rune(name)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			// A word starts at an upper-case letter after a lower-case one,
			// or at the last capital of an initialism followed by lower case.
			prevLower := i > 0 && unicode.IsLower(rs[i-1])
			endsInitialism := i > 0 && unicode.IsUpper(rs[i-1]) && i+1 < len(rs) && unicode.IsLower(rs[i+1]) &&
				!plural(rs, i+1) // IDs is one word
			if prevLower || endsInitialism {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// plural reports whether rs[i] is the s of a plural initialism: the last
// letter, or one before an upper-case letter.
func plural(rs []rune, i int) bool {
	return rs[i] == 's' && (i+1 == len(rs) || unicode.IsUpper(rs[i+1]))
}

// masked returns v as help and usage errors may show it.
func masked(v string) string { return secrets.Mask(v) }
