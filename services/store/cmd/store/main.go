// Command store runs newsflow's store and API; see package store.
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
	"github.com/newsflow/newsflow/services/store"
)

func main() {
	service.Healthcheck(os.Args, ":8080")
	env := config.FromOS()
	cfg := store.ConfigFromEnv(env)
	nc := natsx.FromEnv(env, "store")
	logc := obs.LogConfigFromEnv(env)
	if err := env.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "store:", err)
		os.Exit(2)
	}
	log, err := obs.NewLogger(os.Stderr, logc, "store")
	if err != nil {
		fmt.Fprintln(os.Stderr, "store:", err)
		os.Exit(2)
	}
	rdb, err := store.NewRedis(cfg.RedisURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "store:", err)
		os.Exit(2)
	}
	defer rdb.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	shutdownTracing, err := obs.SetupTracing(ctx, "newsflow-store")
	if err != nil {
		obs.Fatal(log, "tracing", err)
	}
	defer shutdownTracing(context.WithoutCancel(ctx))
	deps, err := service.Connect(ctx, nc, events.DefaultTopology(), log)
	if err != nil {
		obs.Fatal(log, "start", err)
	}
	defer deps.NC.Drain()
	if err := store.Run(ctx, cfg, deps, rdb); err != nil {
		obs.Fatal(log, "run", err)
	}
	log.Info("stopped")
}
