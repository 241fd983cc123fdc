package service

import (
	"context"
	"fmt"
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
// (of the admin address, ADMIN_ADDR or defaultAdminAddr),
// configuration from the environment (exit 2 naming every bad variable),
// JSON logs, tracing, NATS, SIGINT/SIGTERM for a graceful
// stop. setup reads the stage's own variables and returns its run function.
func Main(name, defaultAdminAddr string, setup func(env *config.Env) (RunFunc, error)) {
	Healthcheck(os.Args, defaultAdminAddr)
	os.Exit(main(name, setup))
}

func main(name string, setup func(env *config.Env) (RunFunc, error)) int {
	env := config.FromOS()
	nc := natsx.FromEnv(env, name)
	logc := obs.LogConfigFromEnv(env)
	run, err := setup(env)
	if err == nil {
		err = env.Err()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 2
	}
	log, err := obs.NewLogger(os.Stderr, logc, name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	shutdownTracing, err := obs.SetupTracing(ctx, "newsflow-"+name)
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
