// Package store is newsflow's serving stage: it consumes article.parsed
// events into Redis and serves them over HTTP.
//
//	article.parsed ──DecodeArticle──▶ Articles.Put (Lua: atomic, idempotent) ──▶ verdict on NATS, ack
//	GET /v1/articles, /v1/articles/{id}, /v1/articles/by-url, /v1/sites, /v1/languages ◀── Redis
//	GET /v1/stream (server-sent events) ◀── NEWSFLOW_ARTICLES (one ordered consumer per store for the live end, one per replay)
//	                                    ◀── each event's duplicate verdict, announced by the store that wrote it
//	GET / (the live web page, embedded)
//
// An event is acked only after Redis has it; while Redis is down the handler
// fails, the event is redelivered with backoff and /readyz reports the outage.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/pkg/backoff"
	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/router"
	"github.com/newsflow/newsflow/pkg/service"
)

// Config of the store. The zero value of every field after AdminAddr means
// its default, so a Config literal with only the first fields works.
type Config struct {
	RedisURL  string        // REDIS_URL
	RedisTLS  RedisTLS      // REDIS_TLS_CA, REDIS_TLS_CERT, REDIS_TLS_KEY
	Prefix    string        // REDIS_PREFIX: every key starts with it
	TTL       time.Duration // STORE_TTL: how long an article is kept
	Workers   int           // STORE_WORKERS
	HTTPAddr  string        // HTTP_ADDR: the public API and web page ("" = off)
	AdminAddr string        // ADMIN_ADDR: /healthz, /readyz, /metrics ("" = off)
	Pprof     bool          // ADMIN_PPROF: /debug/pprof/ on the admin address

	// DuplicateBits is the largest simhash Hamming distance between two
	// copies linked as duplicates (STORE_DUP_BITS, 0–3; 0 here means the
	// default 3 and -1 links exact copies only).
	DuplicateBits int
	// DuplicateMinWords: shorter bodies are never linked (STORE_DUP_MIN_WORDS).
	DuplicateMinWords int
	// MaxBackoff caps the wait before a failed write is retried (STORE_MAX_BACKOFF).
	MaxBackoff time.Duration
	// Heartbeat is the gap between SSE keep-alive comments (STORE_SSE_HEARTBEAT).
	Heartbeat time.Duration
	// MaxStreams bounds the open /v1/stream connections (STORE_MAX_STREAMS).
	MaxStreams int
	// MaxDeliver is how many failed writes (Redis down) an event gets before
	// it goes to the dead-letter stream (STORE_MAX_DELIVER); 0 retries for ever.
	MaxDeliver int

	// verdictGrace is how long a stream waits for a heard duplicate verdict
	// before it asks Redis (0: verdictGrace); tests lengthen it to see that
	// verdicts are heard.
	verdictGrace time.Duration
	// liveBuffer is how many events a client of the live feed may fall
	// behind by before it is cut off (0: liveBuffer); tests shorten it.
	liveBuffer int
}

// DefaultAdminAddr is ADMIN_ADDR when unset. It listens on every interface
// because probes and scrapers come from outside the container; what keeps it
// private is that no proxy or Service publishes it.
const DefaultAdminAddr = ":9080"

// Defaults of the optional Config fields.
const (
	DefaultMaxBackoff = 30 * time.Second
	DefaultHeartbeat  = 15 * time.Second
	DefaultMaxStreams = 1000
)

// ConfigFromEnv reads the store's variables.
func ConfigFromEnv(env *config.Env) Config {
	bits := env.Int("STORE_DUP_BITS", DefaultMaxDistance, 0, 3,
		"simhash bits two copies may differ in to be linked as duplicates (0: identical simhash only)")
	if bits == 0 {
		bits = -1
	}
	c := Config{
		RedisURL:          env.SecretURL("REDIS_URL", "redis://127.0.0.1:6379", "Redis, with its password (URL forms: see the README)", "redis", "rediss", "unix"),
		RedisTLS:          redisTLSFromEnv(env),
		Prefix:            env.String("REDIS_PREFIX", "newsflow:", "every key starts with it; on Redis Cluster it must hold a hash tag, {newsflow}:"),
		TTL:               env.Duration("STORE_TTL", 30*24*time.Hour, "how long an article (and its index entries) is kept"),
		Workers:           env.Int("STORE_WORKERS", 8, 1, 256, "events written at once"),
		HTTPAddr:          env.String("HTTP_ADDR", ":8080", "listen address of the public API and web page (must differ from ADMIN_ADDR)"),
		AdminAddr:         env.String("ADMIN_ADDR", DefaultAdminAddr, "listen address of /healthz, /readyz and /metrics"),
		Pprof:             env.Bool("ADMIN_PPROF", false, "also serve Go's profiles under /debug/pprof/ on the admin address"),
		DuplicateBits:     bits,
		DuplicateMinWords: env.Int("STORE_DUP_MIN_WORDS", DefaultMinWords, 1, 100000, "shorter bodies are never linked as duplicates"),
		MaxBackoff:        env.Duration("STORE_MAX_BACKOFF", DefaultMaxBackoff, "longest wait before a failed write is retried"),
		Heartbeat:         env.Duration("STORE_SSE_HEARTBEAT", DefaultHeartbeat, "keep-alive comment interval on /v1/stream"),
		MaxStreams:        env.Int("STORE_MAX_STREAMS", DefaultMaxStreams, 1, 1000000, "open /v1/stream connections per replica (more get 503)"),
		MaxDeliver:        env.Int("STORE_MAX_DELIVER", 0, 0, 1000, "attempts per article before the dead-letter stream (0: retry for ever)"),
	}
	if c.RedisTLS != (RedisTLS{}) && !strings.HasPrefix(c.RedisURL, "rediss://") {
		name, v := "REDIS_TLS_CA", c.RedisTLS.CA
		if v == "" {
			name, v = "REDIS_TLS_CERT", c.RedisTLS.Cert
		}
		env.Fail(name, v, "the REDIS_TLS_* settings need a rediss:// REDIS_URL")
	}
	if c.AdminAddr == c.HTTPAddr {
		env.Fail("ADMIN_ADDR", c.AdminAddr, "must differ from HTTP_ADDR: the public listener does not serve health and metrics")
	}
	return c
}

func (c Config) withDefaults() Config {
	if c.TTL <= 0 {
		c.TTL = 30 * 24 * time.Hour
	}
	if c.Workers <= 0 {
		c.Workers = 8
	}
	switch {
	case c.DuplicateBits == 0:
		c.DuplicateBits = DefaultMaxDistance
	case c.DuplicateBits < 0:
		c.DuplicateBits = 0
	}
	if c.DuplicateMinWords <= 0 {
		c.DuplicateMinWords = DefaultMinWords
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	if c.MaxStreams <= 0 {
		c.MaxStreams = DefaultMaxStreams
	}
	if c.verdictGrace <= 0 {
		c.verdictGrace = verdictGrace
	}
	if c.liveBuffer <= 0 {
		c.liveBuffer = liveBuffer
	}
	return c
}

// checkCluster refuses a Cluster client with a prefix that would spread an
// article's keys over several slots: the upsert script touches them all.
func checkCluster(rdb redis.UniversalClient, prefix string) error {
	if _, ok := rdb.(*redis.ClusterClient); !ok {
		return nil
	}
	open := strings.Index(prefix, "{")
	if open < 0 || !strings.Contains(prefix[open+1:], "}") || strings.HasPrefix(prefix[open+1:], "}") {
		return fmt.Errorf("%w: REDIS_PREFIX=%q: Redis Cluster needs a hash tag, such as {newsflow}:", config.ErrInvalid, prefix)
	}
	return nil
}

var (
	writes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_store_writes_total",
		Help: "Article writes by result (created, replaced, unchanged, stale, error).",
	}, []string{"result"})
	duplicates = promauto.NewCounter(prometheus.CounterOpts{
		Name: "newsflow_store_duplicates_total",
		Help: "Articles stored as a near-duplicate of an earlier copy on another site.",
	})
	writeSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "newsflow_store_redis_write_seconds", Help: "Redis write latency.",
		Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14)})
	swept = promauto.NewCounter(prometheus.CounterOpts{
		Name: "newsflow_store_expired_total", Help: "Expired articles swept out of the index sets.",
	})
	streams = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "newsflow_store_sse_clients", Help: "Open /v1/stream connections.",
	})
	sseOverflows = promauto.NewCounter(prometheus.CounterOpts{
		Name: "newsflow_store_sse_overflows_total",
		Help: "/v1/stream clients that fell a whole buffer behind the live feed and went on from a consumer of their own until caught up.",
	})
	sseVerdicts = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_store_sse_verdicts_total",
		Help: "Duplicate verdicts the streams used, by where they came from (heard: a store announced it; redis: looked up).",
	}, []string{"source"})
	sseDecodes = promauto.NewCounter(prometheus.CounterOpts{
		Name: "newsflow_store_sse_decodes_total",
		Help: "Events the streams decoded themselves, not having them decoded from this store's own write.",
	})
)

// Store consumes articles into Redis and serves them.
type Store struct {
	cfg      Config
	deps     service.Deps
	articles *Articles
	rdb      redis.UniversalClient
	// stopping is closed when Run's context ends: long-lived SSE responses
	// end then, since http.Server.Shutdown waits for them but cannot end them.
	stopping chan struct{}
	stopOnce sync.Once
	streams  chan struct{} // one token per open stream
	verdicts *verdicts     // recent duplicate verdicts, for the streams
	decoded  *streamCache  // recent events as the streams need them
	live     *liveFeed     // the live end of the stream, for every client there
}

// New returns a store over rdb.
func New(deps service.Deps, rdb redis.UniversalClient, cfg Config) *Store {
	cfg = cfg.withDefaults()
	a := NewArticles(rdb, cfg.Prefix, cfg.TTL)
	a.MaxDistance = cfg.DuplicateBits
	a.MinWords = cfg.DuplicateMinWords
	s := &Store{cfg: cfg, deps: deps, rdb: rdb, articles: a,
		stopping: make(chan struct{}), streams: make(chan struct{}, cfg.MaxStreams), verdicts: newVerdicts(verdictsKept),
		decoded: newStreamCache(streamedKept)}
	s.live = newLiveFeed(s, cfg.liveBuffer)
	return s
}

// Articles is the store's Redis model.
func (s *Store) Articles() *Articles { return s.articles }

// Handle stores one article event.
func (s *Store) Handle(ctx context.Context, m jetstream.Msg) error {
	a, err := events.DecodeArticle(m.Data())
	if err != nil {
		s.refuse(m)
		return router.Permanent(err)
	}
	// The parser validated its events (events.Validated); anything else
	// published to the subject is checked here: what the API serves must
	// be Article v1.
	if !events.Validated(m.Headers()) {
		if err := events.ValidateArticleJSON(m.Data()); err != nil {
			s.refuse(m)
			return router.Permanent(fmt.Errorf("article %s: %w", a.ID, err))
		}
	}
	if md, err := m.Metadata(); err == nil {
		// The live feed meets this event too; it need not decode it again.
		s.decoded.entry(keyOf(md.Sequence.Stream, md.Timestamp)).from(a, m.Data())
	}
	start := time.Now()
	res, err := s.articles.Put(ctx, a)
	writeSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		writes.WithLabelValues("error").Inc()
		return err // Redis unavailable: not acked, redelivered with backoff
	}
	writes.WithLabelValues(res.Result.String()).Inc()
	s.announce(ctx, m, res)
	if res.DuplicateOf != "" && (res.Result == Created || res.Result == Replaced) {
		duplicates.Inc()
	}
	s.deps.Log.Debug("article stored", "article_id", a.ID, "result", res.Result.String(),
		"duplicate_of", res.DuplicateOf, obs.TraceID(ctx))
	return nil
}

// Ready is ready when both NATS and Redis answer.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.deps.NATSReady(ctx); err != nil {
		return err
	}
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// Stop ends the open SSE streams; Run calls it when its context ends.
func (s *Store) Stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

// Needs are the streams the store uses: it checks that they exist at start
// and never creates them (`newsflow provision` does).
var Needs = []events.Resource{events.Stream(events.StreamArticles), events.Stream(events.StreamDLQ)}

// Run consumes articles and serves the API until ctx is done.
func Run(ctx context.Context, cfg Config, deps service.Deps, rdb redis.UniversalClient) error {
	if err := events.Check(ctx, deps.JS, Needs...); err != nil {
		return err
	}
	if err := checkCluster(rdb, cfg.Prefix); err != nil {
		return err
	}
	// A Redis that is down is waited for (writes are retried, /readyz
	// says why); one that refuses the credentials or the TLS handshake
	// stops the store now: waiting would not fix them.
	if err := PingRedis(ctx, rdb); errors.Is(err, ErrRedisRefused) {
		if cfg.RedisURL == "" {
			return err
		}
		return fmt.Errorf("redis at %s: %w", config.RedactURL(cfg.RedisURL), err)
	} else if err != nil {
		deps.Log.Warn("redis not reachable: storing waits for it", "url", config.RedactURL(cfg.RedisURL), "err", err)
	}
	s := New(deps, rdb, cfg)
	cfg = s.cfg
	c, err := events.EnsureConsumer(ctx, deps.JS, events.StreamArticles,
		events.ConsumerConfig(events.ConsumerStore, "", 30*time.Second))
	if err != nil {
		return err
	}
	// Redis errors are never permanent: by default they are retried for ever
	// (an outage pauses storing) and only events that fail to decode or
	// validate are dead-lettered; with MaxDeliver set, an event that many
	// failed writes old goes to the DLQ, for `newsflow dlq replay`.
	h := router.Chain(s.Handle,
		router.Trace("store"),
		router.DeadLetter(deps.JS, "store", cfg.MaxDeliver, deps.Log),
		router.Recover(),
		router.Timeout(30*time.Second),
	)
	// One part failing (the address in use, say) stops the others: a store
	// that consumes without serving, or the reverse, would look alive. Each
	// part returns nil only once ctx is done.
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return router.Run(ctx, c, h, router.Options{Stage: "store", Workers: cfg.Workers, Log: deps.Log,
			Backoff: backoff.Policy{Base: 500 * time.Millisecond, Max: cfg.MaxBackoff}})
	})
	g.Go(func() error {
		s.janitor(ctx)
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		s.Stop()
		s.live.close()
		return nil
	})
	if cfg.HTTPAddr != "" {
		g.Go(func() error { return s.hearVerdicts(ctx) })
		g.Go(func() error { return obs.Serve(ctx, cfg.HTTPAddr, s.Handler(), deps.Log.With("listener", "api")) })
	}
	if cfg.AdminAddr != "" {
		g.Go(func() error {
			return obs.Serve(ctx, cfg.AdminAddr, obs.AdminHandler(s.Ready, obs.WithPprof(cfg.Pprof)), deps.Log.With("listener", "admin"))
		})
	}
	return g.Wait()
}

// janitor sweeps expired articles out of the index sets while no writes come,
// until ctx is done. (The consumer's lag is reported by package router.)
func (s *Store) janitor(ctx context.Context) {
	sweep := time.NewTicker(time.Minute)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			n, err := s.articles.Sweep(ctx)
			if err != nil {
				s.deps.Log.Warn("sweep expired articles", "err", err)
				continue
			}
			swept.Add(float64(n))
		}
	}
}
