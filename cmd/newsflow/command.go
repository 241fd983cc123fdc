package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/natsx"
)

// command is one verb's flags and usage. Every verb parses its arguments
// through it, so they all behave alike:
//   - flags go before or after the positional arguments ("--" ends them);
//   - -h or --help prints the usage on stdout and exits 0;
//   - a wrong flag or argument prints the error once, with the synopsis,
//     on stderr and exits 2 (run does the printing, from a usageError).
//
// A verb: c := newCommand("feeds show", "usage: newsflow feeds show URL\n");
// define flags on c; args, err := c.parse(args); return c.usageErr(...)
// for a wrong number of arguments.
type command struct {
	*flag.FlagSet
	synopsis string // "usage: newsflow VERB ..." lines, then a blank line and a description
	// env, when set, reads the environment variables the verb uses; its
	// help lists them from that one registry.
	env func(*config.Env)
}

func newCommand(name, synopsis string) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run prints errors and usage, once
	fs.Usage = func() {}
	return &command{FlagSet: fs, synopsis: synopsis}
}

// usageError is a request for help, or arguments that are wrong.
type usageError struct {
	cmd  *command
	err  error // nil for help
	help bool
}

func (e *usageError) Error() string {
	if e.help {
		return "help requested"
	}
	return e.err.Error()
}

func (e *usageError) Unwrap() error { return e.err }

// usageErr reports arguments the flags accepted but the verb does not.
func (c *command) usageErr(format string, a ...any) error {
	return &usageError{cmd: c, err: fmt.Errorf(format, a...)}
}

// parse parses args, flags anywhere among them, and returns the positional
// arguments in order.
func (c *command) parse(args []string) ([]string, error) {
	args, after := c.splitTerminator(args)
	var pos []string
	for {
		if err := c.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &usageError{cmd: c, help: true}
			}
			return nil, &usageError{cmd: c, err: err}
		}
		rest := c.Args()
		if len(rest) == 0 {
			return append(pos, after...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// splitTerminator cuts args at the "--" that ends the flags, if any: not
// one that is a flag's value (--url --).
func (c *command) splitTerminator(args []string) (flags, after []string) {
	value := false // the next argument is a flag's value
	for i, a := range args {
		switch {
		case value:
			value = false
		case a == "--":
			return args[:i], args[i+1:]
		case len(a) > 1 && a[0] == '-':
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if f := c.Lookup(name); f != nil {
				b, ok := f.Value.(interface{ IsBoolFlag() bool })
				value = !ok || !b.IsBoolFlag()
			}
		}
	}
	return args, nil
}

// verb parses "[flags] VERB ARGS..." for a command with verbs of its own
// (feeds, dlq): the flags before VERB are c's; ARGS are left to the verb's
// own command, which usually defines the same flags so that they may come
// anywhere.
func (c *command) verb(args []string) (string, []string, error) {
	if err := c.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", nil, &usageError{cmd: c, help: true}
		}
		return "", nil, &usageError{cmd: c, err: err}
	}
	if c.NArg() == 0 {
		return "", nil, c.usageErr("no command given")
	}
	if v := c.Arg(0); v == "help" {
		return "", nil, &usageError{cmd: c, help: true}
	}
	return c.Arg(0), c.Args()[1:], nil
}

// usage writes the synopsis, the flags and the environment variables.
func (c *command) usage(w io.Writer) {
	fmt.Fprint(w, c.synopsis)
	n := 0
	c.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags (before or after the arguments):")
		c.SetOutput(w)
		c.PrintDefaults()
		c.SetOutput(io.Discard)
	}
	if c.env != nil {
		e := config.FromMap(nil)
		c.env(e)
		fmt.Fprintln(w, "\nenvironment (NAME[_FILE]: NAME, or NAME_FILE naming a file that holds it):")
		config.WriteHelp(w, e.Vars())
	}
}

// exitStatus prints err once and returns the exit status: 0 (help
// included), 2 for wrong arguments or configuration, 1 for a failure.
func exitStatus(verb string, err error, stdout, stderr io.Writer) int {
	var u *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u) && u.help:
		u.cmd.usage(stdout)
		return 0
	case errors.As(err, &u):
		lines, _, _ := strings.Cut(u.cmd.synopsis, "\n\n") // the usage lines, not the description
		fmt.Fprintf(stderr, "newsflow %s: %v\n%s\n", u.cmd.Name(), u.err, strings.TrimRight(lines, "\n"))
		fmt.Fprintf(stderr, "Run \"newsflow %s --help\" for its flags.\n", u.cmd.Name())
		return 2
	case errors.Is(err, config.ErrInvalid):
		fmt.Fprintf(stderr, "newsflow %s: %v\n", verb, err)
		return 2
	default:
		fmt.Fprintf(stderr, "newsflow %s: %v\n", verb, err)
		return 1
	}
}

// natsVerb is a verb of a command that works on NATS (feeds, dlq), taken
// from "[--nats URL] VERB ARGS": cmd has --nats, and the verb's own flags are
// defined on it before cmd.parse(args).
type natsVerb struct {
	env  *config.Env
	nc   natsx.Config
	verb string
	cmd  *command
	args []string
}

// parseNATSVerb reads the NATS settings (failing fast: a person is waiting)
// and takes the verb, one of verbs (verb → synopsis).
func parseNATSVerb(name, usage string, verbs map[string]string, args []string) (*natsVerb, error) {
	v := &natsVerb{env: config.FromOS()}
	v.nc = natsx.FromEnv(v.env, "newsflow-"+name)
	v.nc.FailFast = true
	flags := func(c *command) *command {
		c.StringVar(&v.nc.URL, "nats", v.nc.URL, "NATS server URL (NATS_URL)")
		c.env = func(e *config.Env) { natsx.FromEnv(e, "") }
		return c
	}
	group := flags(newCommand(name, usage))
	verb, rest, err := group.verb(args)
	if err != nil {
		return nil, err
	}
	synopsis, ok := verbs[verb]
	if !ok {
		return nil, group.usageErr("unknown command %q", verb)
	}
	v.verb, v.args = verb, rest
	v.cmd = flags(newCommand(name+" "+verb, synopsis))
	return v, nil
}

// connectNATS dials NATS for a command a person is waiting on: the client's
// own warnings go to stderr, nothing else.
func connectNATS(ctx context.Context, nc natsx.Config, stderr io.Writer) (*nats.Conn, jetstream.JetStream, error) {
	return natsx.Connect(ctx, nc, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}
