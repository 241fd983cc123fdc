package pipebench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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
	// trimPages is the fetcher's default: FETCHER_WHOLE_PAGES unset.
	trimPages bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
	errs   [3]error

	// procs are the pipeline's processes (Services: the stages; Up: `newsflow
	// up`); nil when it runs in this process.
	procs []*stageProc
	// js holds the pipeline's streams: this process's NATS, or with Up the
	// one `newsflow up` embeds (upNC is the bench's connection to it). The
	// bench's own NATS then serves only the JetStream ceiling.
	js   jetstream.JetStream
	up   *stageProc
	upNC *nats.Conn
}

// startPipeline starts NATS and Redis under dir and the three stages, with
// the settings of the environment (as `newsflow up` reads them) except
// what the bench must own: the feeds, private addresses, the poll interval,
// the host delay (o.HostDelay) and the listeners: only the store's API
// listens, on api, and only when api is set. With Services, the stages are
// processes of the binaries in bins (o.Parsers parsers) on this process's
// NATS, which listens; with Up, `newsflow up` of bins is, on the NATS it
// embeds (serving its profiles for o.MemProfile).
func startPipeline(ctx context.Context, dir string, o Options, feeds []string, api, bins string) (p *pipeline, err error) {
	hostDelay, log := o.HostDelay, o.Log
	env := config.FromOS()
	fcfg := fetcher.ConfigFromEnv(env)
	pcfg := parser.ConfigFromEnv(env)
	scfg := store.ConfigFromEnv(env)
	streams := events.TopologyFromEnv(env)
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

	p = &pipeline{prefix: scfg.Prefix, scfg: scfg, trimPages: !fcfg.WholePages}
	// Its own name: a failed return sets p to nil before this runs, and what
	// was started (Redis, NATS, `newsflow up`) must still stop.
	started := p
	defer func() {
		if err != nil {
			started.close()
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
			_, err = events.ProvisionMissing(ctx, p.deps.JS, streams)
		}
	})
	if err != nil {
		return nil, err
	}
	p.js = p.deps.JS

	procEnv := map[string]string{
		"REDIS_URL": scfg.RedisURL, "REDIS_PREFIX": scfg.Prefix,
		"FETCHER_FEEDS": strings.Join(feeds, ","), "FETCHER_FEEDS_FILE": "", "FETCHER_ALLOW_PRIVATE": "true",
		"FETCHER_HOST_DELAY": hostDelay.String(), "FETCHER_POLL_INTERVAL": fcfg.PollInterval.String(),
		"FETCHER_MIN_INTERVAL": fcfg.MinInterval.String(), "FETCHER_MAX_INTERVAL": fcfg.MaxInterval.String(),
	}
	switch o.Topology {
	case Services:
		procEnv["NATS_URL"] = p.ns.ClientURL()
		p.procs, err = startServices(ctx, bins, o.Parsers, procEnv, api, log)
		return p, err
	case Up:
		if o.MemProfile != "" {
			procEnv["ADMIN_PPROF"] = "true"
		}
		natsAddr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		if p.up, err = startUp(ctx, bins, natsAddr, api, procEnv, filepath.Join(dir, "up"), log); err != nil {
			return nil, err
		}
		p.procs = []*stageProc{p.up}
		if p.upNC, p.js, err = natsx.Connect(ctx, natsx.Config{URL: "nats://" + natsAddr, Name: "newsflow-bench"}, log); err != nil {
			return nil, fmt.Errorf("newsflow up's nats: %w", err)
		}
		return p, nil
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

// hostPID is the process whose memory is the pipeline's NATS's and, in
// process, the whole pipeline's: this one (0), or `newsflow up`.
func (p *pipeline) hostPID() int {
	if p.up != nil {
		return p.up.pid()
	}
	return 0
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
	if p.upNC != nil {
		// Before up's NATS goes: left open, it would try to reconnect (and
		// say so) through the ceilings.
		p.upNC.Close()
		p.upNC = nil
	}
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
