package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/newsflow/newsflow/internal/natsserver"
	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/fetcher"
	"github.com/newsflow/newsflow/services/parser"
	"github.com/newsflow/newsflow/services/store"
	"golang.org/x/sync/errgroup"
)

// cmdUp runs fetcher, parser and store in this process on an embedded
// nats-server and a Redis (upRedis says which). Service settings not given as flags
// come from the same environment variables the services read.
func cmdUp(ctx context.Context, args []string, stderr io.Writer) error {
	env := config.FromOS()
	fcfg := fetcher.ConfigFromEnv(env)
	pcfg := parser.ConfigFromEnv(env)
	scfg := store.ConfigFromEnv(env)
	topo := events.TopologyFromEnv(env)
	logc := obs.LogConfigFromEnv(env)
	if v, _ := env.Var("LOG_FORMAT"); v.Source == config.SourceDefault {
		logc.Format = "text" // a person is reading
	}

	fs := newCommand("up", `usage: newsflow up [--feed URL ...] [--api-addr ADDR] [--admin-addr ADDR] [--data-dir DIR] [--allow-private] [--nats-port N] [--poll-interval D]

Runs fetcher, parser and store in one process on an embedded NATS server and
a Redis (REDIS_URL, else one on 127.0.0.1:6379, else a redis-server of its
own). The services' other settings come from their environment variables
(fetcher --help, parser --help, store --help).
`)
	var feedURLs stringList
	fs.Var(&feedURLs, "feed", "feed, sitemap or page URL to poll (repeatable; adds to FETCHER_FEEDS)")
	apiAddr := fs.String("api-addr", "127.0.0.1:8080", "address of the HTTP API and web page")
	adminAddr := fs.String("admin-addr", "", "address of /healthz, /readyz and /metrics for the whole pipeline (empty: off)")
	dataDir := fs.String("data-dir", "./data", "where the embedded NATS (and a Redis that up starts) keep their data")
	allowPrivate := fs.Bool("allow-private", fcfg.AllowPrivate, "allow fetching loopback and private addresses")
	natsPort := fs.Int("nats-port", -1, "port of the embedded NATS server for other clients (-1: a free port)")
	poll := fs.Duration("poll-interval", fcfg.PollInterval, "how often each feed is polled")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fs.usageErr("unexpected argument %q (sources are given with --feed)", rest[0])
	}
	if *adminAddr != "" && *adminAddr == *apiAddr {
		return fs.usageErr("--admin-addr %s: must differ from --api-addr", *adminAddr)
	}
	for _, u := range feedURLs {
		if _, err := fetcher.FeedKey(u); err != nil {
			return fs.usageErr("--feed %q: %v", u, err)
		}
	}
	if err := env.Err(); err != nil {
		return err
	}
	if err := topo.Validate(); err != nil {
		return err
	}
	log, err := obs.NewLogger(stderr, logc, "newsflow")
	if err != nil {
		return err
	}
	slog.SetDefault(log) // as service.Main does: go-redis's lines go through it
	defer service.TuneGC(log, upGCPercent)()
	shutdownTracing, err := obs.SetupTracing(ctx, "newsflow")
	if err != nil {
		return err
	}
	defer shutdownTracing(context.WithoutCancel(ctx))
	fcfg.Feeds = append(fcfg.Feeds, feedURLs...)
	fcfg.AllowPrivate = *allowPrivate
	fcfg.PollInterval = *poll
	// The flag is what the user asked for: the adaptive interval may not
	// clamp it away.
	fcfg.MinInterval = min(fcfg.MinInterval, *poll)
	fcfg.MaxInterval = max(fcfg.MaxInterval, *poll)
	// One process, one registry of metrics: the store's admin listener
	// serves them all, and its readiness (NATS and Redis) is the pipeline's.
	// The fetcher's feed API stays off: `newsflow feeds` edits the registry.
	fcfg.AdminAddr, pcfg.AdminAddr, fcfg.APIAddr = "", "", ""
	scfg.HTTPAddr, scfg.AdminAddr = *apiAddr, *adminAddr
	if len(fcfg.Feeds) == 0 {
		log.Warn("no --feed given: polling only feeds already in the registry")
	}

	// Deferred first, so the Redis it may start stops after the pipeline.
	explicitRedis := ""
	if v, _ := env.Var("REDIS_URL"); v.Source != config.SourceDefault {
		explicitRedis = scfg.RedisURL
	}
	rdb, redisURL, stopRedis, err := upRedis(ctx, explicitRedis, scfg.RedisTLS, *dataDir, log)
	if err != nil {
		return err
	}
	defer stopRedis()
	defer rdb.Close()
	scfg.RedisURL = redisURL

	ns, err := natsserver.Start(natsserver.Options{Port: *natsPort, StoreDir: filepath.Join(*dataDir, "nats")})
	if err != nil {
		return err
	}
	defer func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	}()
	log.Info("embedded nats running", "url", ns.ClientURL(), "store", filepath.Join(*dataDir, "nats"))

	deps, err := service.Connect(ctx, natsx.Config{URL: ns.ClientURL(), Name: "newsflow-up", InProcess: ns}, log)
	if err != nil {
		return err
	}
	defer deps.NC.Close()
	// The first start creates the streams from the NEWSFLOW_* settings; later
	// starts leave them as `newsflow provision` or an operator set them.
	changes, err := events.ProvisionMissing(ctx, deps.JS, topo)
	if err != nil {
		return err
	}
	for _, c := range changes {
		if c.Action == events.Created {
			log.Info("provisioned", "resource", c.Resource.String())
		}
	}

	// One stage failing stops the pipeline rather than leaving it half-up;
	// the error names the stage.
	g, ctx := errgroup.WithContext(ctx)
	start := func(name string, run func(ctx context.Context) error) {
		g.Go(func() error {
			if err := run(ctx); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		})
	}
	start("store", func(ctx context.Context) error { return store.Run(ctx, scfg, with(deps, "store"), rdb) })
	start("parser", func(ctx context.Context) error { return parser.Run(ctx, pcfg, with(deps, "parser")) })
	start("fetcher", func(ctx context.Context) error { return fetcher.Run(ctx, fcfg, with(deps, "fetcher")) })
	log.Info("newsflow up", "web", "http://"+*apiAddr+"/", "api", "http://"+*apiAddr+"/v1/articles", "admin", *adminAddr, "feeds", len(fcfg.Feeds))
	err = g.Wait()
	log.Info("newsflow stopped")
	return err
}

// upGCPercent is up's GOGC above the heap floor, half a service's. Most of
// up's live heap is the embedded nats-server's message-block buffers, which
// are recycled rather than allocated anew and hold no pointers to mark:
// growing the heap by all of them again before a collection bought no CPU
// that `bench --pipeline --topology up` could see, and cost about 55 MB of
// resident memory at 100 articles/s. GOGC, when set, wins.
const upGCPercent = 50

// with gives one in-process stage its own logger and event source.
func with(d service.Deps, stage string) service.Deps {
	d.Log = d.Log.With("stage", stage)
	d.Source = "newsflow/" + stage
	return d
}
