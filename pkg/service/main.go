package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/obs"
)

// RunFunc runs a stage until ctx ends.
type RunFunc func(ctx context.Context, deps Deps) error

// Main is the whole main function of a service binary: "healthcheck" probe
// (of the admin address, ADMIN_ADDR or defaultAdminAddr), --help (every
// variable read, with its default and meaning), --version, --print-config,
// then configuration from the environment (exit 2 naming every bad
// variable), JSON logs, the Go memory limit from the container's
// (SetMemoryLimit), tracing, NATS (checked, never provisioned),
// SIGINT/SIGTERM for a graceful stop. setup reads the stage's own variables
// and returns its run function; it must not connect to anything, since
// --help runs it too.
func Main(name, defaultAdminAddr string, setup func(env *config.Env) (RunFunc, error)) {
	p := program{name: name, addr: defaultAdminAddr, setup: setup}
	os.Exit(p.main(os.Args[1:], config.FromOS(), os.Stdout, os.Stderr))
}

type program struct {
	name, addr string
	setup      func(env *config.Env) (RunFunc, error)
}

// main runs the binary with args on env and returns its exit status: 0, 1
// when the stage fails, 2 for wrong arguments or configuration.
func (p program) main(args []string, env *config.Env, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return p.start(env, stderr)
	}
	if args[0] == "healthcheck" {
		Healthcheck(append([]string{p.name}, args...), p.addr)
	}
	if len(args) == 1 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			p.usage(stdout)
			return 0
		case "-version", "--version", "version":
			fmt.Fprintln(stdout, Version(p.name))
			return 0
		case "-print-config", "--print-config":
			_, _, _, err := p.read(env)
			config.WriteValues(stdout, env.Vars())
			if err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", p.name, err)
				return 2
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "%s: unknown arguments %q\n%s\nRun \"%s --help\" for its environment variables.\n", p.name, args, p.synopsis(), p.name)
	return 2
}

// read reads every variable the service uses: the one list that --help,
// --print-config and the start share.
func (p program) read(env *config.Env) (natsx.Config, obs.LogConfig, RunFunc, error) {
	nc := natsx.FromEnv(env, p.name)
	logc := obs.LogConfigFromEnv(env)
	run, err := p.setup(env)
	if err == nil {
		err = env.Err()
	}
	return nc, logc, run, err
}

func (p program) synopsis() string {
	return "usage: " + p.name + " [--help | --version | --print-config | healthcheck]"
}

func (p program) usage(w io.Writer) {
	defaults := config.FromMap(nil)
	p.read(defaults)
	fmt.Fprintf(w, `%[2]s

%[1]s is a newsflow stage. Without arguments it runs until SIGTERM, configured by
these environment variables (NAME[_FILE] is a secret: set NAME, or NAME_FILE to
the path of a file holding it):

`, p.name, p.synopsis())
	config.WriteHelp(w, defaults.Vars())
	fmt.Fprint(w, `
  --print-config   print the configuration this environment gives (secrets hidden);
                   exit 2 when a value is wrong
  --version        print the module version and VCS revision
  healthcheck      exit 0 if the running service's /healthz answers, 1 otherwise
                   (the container health check)
`)
}

func (p program) start(env *config.Env, stderr io.Writer) int {
	nc, logc, run, err := p.read(env)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", p.name, err)
		return 2
	}
	log, err := obs.NewLogger(stderr, logc, p.name)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", p.name, err)
		return 2
	}
	// Libraries that log through slog's default (go-redis, routed there by
	// the store) then write with this handler, at its level.
	slog.SetDefault(log)
	log.Info("starting", "version", Version(p.name))
	defer TuneGC(log, ServiceGCPercent)()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	shutdownTracing, err := obs.SetupTracing(ctx, "newsflow-"+p.name)
	if err != nil {
		log.Error("tracing", "err", err)
		return 1
	}
	defer shutdownTracing(context.WithoutCancel(ctx))
	deps, err := Connect(ctx, nc, log)
	if err != nil {
		log.Error("start", "err", err)
		return 1
	}
	defer deps.NC.Drain()
	if err := run(ctx, deps); err != nil {
		log.Error("run", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
