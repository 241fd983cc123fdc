package pipebench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/internal/natsserver"
	"github.com/newsflow/newsflow/internal/redisserver"
	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/fetcher"
	"github.com/newsflow/newsflow/services/parser"
	"github.com/newsflow/newsflow/services/store"
)

// Stage labels of the CPU profile: every goroutine a stage starts inherits
// its label, so the profile says where the pipeline's CPU went.
const (
	labelFetcher = "fetcher"
	labelParser  = "parser"
	labelStore   = "store"
	labelNATS    = "nats"   // the embedded server and the shared client connection
	labelOrigin  = "origin" // the bench's own sites: load, not pipeline
	labelBench   = "bench"  // the bench's watcher and progress line
)

// pipeline is what `newsflow up` runs — fetcher, parser and store in one
// process on an embedded nats-server and a redis-server of its own — set up
// for the bench.
type pipeline struct {
	ns     *server.Server
	redis  *redisserver.Server
	rdb    redis.UniversalClient
	deps   service.Deps
	prefix string
	scfg   store.Config

	cancel context.CancelFunc
	wg     sync.WaitGroup
	errs   [3]error

	// procs are the stages as processes (--topology services); nil when
	// they run in this process.
	procs []*stageProc
}

// startPipeline starts NATS and Redis under dir and the three stages, with
// the settings of the environment (as `newsflow up` reads them) except
// what the bench must own: the feeds, private addresses, the poll interval,
// the host delay and the listeners: only the store's API listens, on api,
// and only when api is set. With services, the stages are processes of
// those binaries (parsers of them) on this process's NATS, which listens.
func startPipeline(ctx context.Context, dir string, feeds []string, hostDelay time.Duration, api string,
	services *serviceBinaries, parsers int, log *slog.Logger) (p *pipeline, err error) {
	env := config.FromOS()
	fcfg := fetcher.ConfigFromEnv(env)
	pcfg := parser.ConfigFromEnv(env)
	scfg := store.ConfigFromEnv(env)
	topo := events.TopologyFromEnv(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	fcfg.Feeds, fcfg.FeedsFile = feeds, ""
	fcfg.AllowPrivate = true
	fcfg.HostDelay = hostDelay
	fcfg.PollInterval, fcfg.MinInterval, fcfg.MaxInterval = 200*time.Millisecond, 200*time.Millisecond, time.Second
	fcfg.AdminAddr, fcfg.APIAddr, pcfg.AdminAddr = "", "", ""
	scfg.HTTPAddr, scfg.AdminAddr = api, ""
	scfg.Prefix = "bench:"

	p = &pipeline{prefix: scfg.Prefix, scfg: scfg}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	p.redis, err = redisserver.Start(ctx, redisserver.Options{Dir: filepath.Join(dir, "redis"), AOF: true})
	if err != nil {
		return nil, err
	}
	p.rdb, err = store.NewRedis(p.redis.URL(), store.RedisTLS{})
	if err != nil {
		return nil, err
	}
	scfg.RedisURL = p.redis.URL()
	// The watcher learns of each stored article from Redis itself: SET of
	// the article's URL key, a keyevent notification.
	if err := p.rdb.ConfigSet(ctx, "notify-keyspace-events", "E$").Err(); err != nil {
		return nil, fmt.Errorf("redis notifications: %w", err)
	}

	pprof.Do(ctx, pprof.Labels("stage", labelNATS), func(ctx context.Context) {
		p.ns, err = natsserver.Start(natsserver.Options{Port: -1, StoreDir: filepath.Join(dir, "nats")})
		if err != nil {
			return
		}
		p.deps, err = service.Connect(ctx, natsx.Config{URL: p.ns.ClientURL(), Name: "newsflow-bench", InProcess: p.ns}, log)
		if err == nil {
			_, err = events.ProvisionMissing(ctx, p.deps.JS, topo)
		}
	})
	if err != nil {
		return nil, err
	}

	if services != nil {
		p.procs, err = startServices(ctx, services, parsers, map[string]string{
			"NATS_URL": p.ns.ClientURL(), "REDIS_URL": scfg.RedisURL, "REDIS_PREFIX": scfg.Prefix,
			"FETCHER_FEEDS": strings.Join(feeds, ","), "FETCHER_FEEDS_FILE": "", "FETCHER_ALLOW_PRIVATE": "true",
			"FETCHER_HOST_DELAY": hostDelay.String(), "FETCHER_POLL_INTERVAL": fcfg.PollInterval.String(),
			"FETCHER_MIN_INTERVAL": fcfg.MinInterval.String(), "FETCHER_MAX_INTERVAL": fcfg.MaxInterval.String(),
		}, api, log)
		return p, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel = cancel
	stage := func(i int, label string, run func(ctx context.Context, d service.Deps) error) {
		d := p.deps
		d.Log, d.Source = d.Log.With("stage", label), "newsflow/"+label
		p.wg.Go(func() {
			pprof.Do(runCtx, pprof.Labels("stage", label), func(ctx context.Context) {
				if err := run(ctx, d); err != nil {
					p.errs[i] = fmt.Errorf("%s: %w", label, err)
					cancel()
				}
			})
		})
	}
	stage(0, labelStore, func(ctx context.Context, d service.Deps) error { return store.Run(ctx, scfg, d, p.rdb) })
	stage(1, labelParser, func(ctx context.Context, d service.Deps) error { return parser.Run(ctx, pcfg, d) })
	stage(2, labelFetcher, func(ctx context.Context, d service.Deps) error { return fetcher.Run(ctx, fcfg, d) })
	return p, nil
}

// failed is the error of a stage that stopped on its own, if one did.
func (p *pipeline) failed() error {
	errs := p.errs[:]
	for _, pr := range p.procs {
		errs = append(errs, pr.failed())
	}
	return errors.Join(errs...)
}

// stopStages ends the three stages (NATS and Redis stay up for the ceilings).
func (p *pipeline) stopStages() error {
	if p.procs != nil {
		err := stopServices(p.procs)
		p.procs = nil
		return err
	}
	if p.cancel != nil {
		p.cancel()
		p.wg.Wait()
		p.cancel = nil
	}
	return p.failed()
}

func (p *pipeline) close() {
	_ = p.stopStages()
	if p.deps.NC != nil {
		p.deps.NC.Close()
	}
	if p.ns != nil {
		p.ns.Shutdown()
		p.ns.WaitForShutdown()
	}
	if p.rdb != nil {
		p.rdb.Close()
	}
	if p.redis != nil {
		_ = p.redis.Stop()
	}
}
