// Command parser runs newsflow's parse stage; see package parser.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/parser"
)

func main() {
	service.Healthcheck(os.Args, ":8081")
	env := config.FromOS()
	cfg := parser.ConfigFromEnv(env)
	nc := natsx.FromEnv(env, "parser")
	logc := obs.LogConfigFromEnv(env)
	if err := env.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "parser:", err)
		os.Exit(2)
	}
	log, err := obs.NewLogger(os.Stderr, logc, "parser")
	if err != nil {
		fmt.Fprintln(os.Stderr, "parser:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	shutdownTracing, err := obs.SetupTracing(ctx, "newsflow-parser")
	if err != nil {
		obs.Fatal(log, "tracing", err)
	}
	defer shutdownTracing(context.WithoutCancel(ctx))
	deps, err := service.Connect(ctx, nc, events.DefaultTopology(), log)
	if err != nil {
		obs.Fatal(log, "start", err)
	}
	defer deps.NC.Drain()
	if err := parser.Run(ctx, cfg, deps); err != nil {
		obs.Fatal(log, "run", err)
	}
	log.Info("stopped")
}
