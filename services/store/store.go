// Package store is newsflow's serving stage: it consumes article.parsed
// events into Redis and serves them over HTTP.
//
//	article.parsed ──DecodeArticle──▶ Articles.Put (Lua: atomic, idempotent) ──▶ ack
//	GET /v1/articles, GET /v1/articles/{id} ◀── Redis
//
// An event is acked only after Redis has it; while Redis is down the handler
// fails, the event is redelivered with backoff and /readyz reports the outage.
package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/router"
	"github.com/newsflow/newsflow/pkg/service"
)

// Config of the store.
type Config struct {
	RedisURL string        // REDIS_URL
	Prefix   string        // REDIS_PREFIX: every key starts with it
	TTL      time.Duration // STORE_TTL: how long an article is kept
	Workers  int           // STORE_WORKERS
	HTTPAddr string        // HTTP_ADDR: API, health and metrics
}

// ConfigFromEnv reads the store's variables.
func ConfigFromEnv(env *config.Env) Config {
	return Config{
		RedisURL: env.URL("REDIS_URL", "redis://127.0.0.1:6379", "redis", "rediss", "unix"),
		Prefix:   env.String("REDIS_PREFIX", "newsflow:"),
		TTL:      env.Duration("STORE_TTL", 30*24*time.Hour),
		Workers:  env.Int("STORE_WORKERS", 8, 1, 256),
		HTTPAddr: env.String("HTTP_ADDR", ":8080"),
	}
}

// NewRedis opens a client for url. It does not dial; see Ping.
func NewRedis(url string) (redis.UniversalClient, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	return redis.NewClient(opt), nil
}

var (
	writes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_store_writes_total",
		Help: "Article writes by result (stored, unchanged).",
	}, []string{"result"})
	writeSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "newsflow_store_redis_write_seconds", Help: "Redis write latency.",
		Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14)})
)

// Store consumes articles into Redis.
type Store struct {
	deps     service.Deps
	articles *Articles
	rdb      redis.UniversalClient
}

// New returns a store over rdb.
func New(deps service.Deps, rdb redis.UniversalClient, cfg Config) *Store {
	return &Store{deps: deps, rdb: rdb, articles: NewArticles(rdb, cfg.Prefix, cfg.TTL)}
}

// Articles is the store's Redis model.
func (s *Store) Articles() *Articles { return s.articles }

// Handle stores one article event.
func (s *Store) Handle(ctx context.Context, m jetstream.Msg) error {
	a, err := events.DecodeArticle(m.Data())
	if err != nil {
		return router.Permanent(err)
	}
	start := time.Now()
	changed, err := s.articles.Put(ctx, a)
	writeSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		return err // Redis unavailable: not acked, redelivered with backoff
	}
	if changed {
		writes.WithLabelValues("stored").Inc()
	} else {
		writes.WithLabelValues("unchanged").Inc()
	}
	s.deps.Log.Debug("article stored", "article_id", a.ID, "changed", changed,
		"traceparent", m.Headers().Get(events.HeaderTraceparent))
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

// Run consumes articles and serves the API until ctx is done.
func Run(ctx context.Context, cfg Config, deps service.Deps, rdb redis.UniversalClient) error {
	s := New(deps, rdb, cfg)
	c, err := events.EnsureConsumer(ctx, deps.JS, events.StreamArticles,
		events.ConsumerConfig(events.ConsumerStore, "", 30*time.Second))
	if err != nil {
		return err
	}
	// Redis errors are never permanent: the dead-letter limit applies to
	// events that fail to decode, which are permanent on the first try.
	h := router.Chain(s.Handle,
		router.DeadLetter(deps.JS, "store", 0, deps.Log),
		router.Recover(),
		router.Timeout(30*time.Second),
	)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() {
		errs[0] = router.Run(ctx, c, h, router.Options{Stage: "store", Workers: cfg.Workers, Log: deps.Log,
			Backoff: func(n uint64) time.Duration { return min(time.Second<<min(n, 5), 30*time.Second) }})
	})
	if cfg.HTTPAddr != "" {
		wg.Go(func() { errs[1] = obs.Serve(ctx, cfg.HTTPAddr, s.Handler(), deps.Log) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
