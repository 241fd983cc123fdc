// Package fetcher is newsflow's fetch stage. Two loops share the work across
// replicas with no coordinator:
//
//	poll:  registry (KV) ──claim (KV create)──▶ GET feed ──feeds.Parse──▶ new URLs ──▶ fetch jobs (work queue)
//	fetch: fetch job ──robots.txt, host slot + delay (KV)──▶ GET page ──▶ raw page ──▶ NEWSFLOW_RAW ──▶ ack job
//
// A URL is marked seen only after its job is stored, and a job is acked only
// after its page is stored: a replica that dies mid-way loses nothing.
package fetcher

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/router"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/fetcher/internal/robots"
	"github.com/newsflow/newsflow/services/fetcher/internal/web"
)

// Config of the fetcher.
type Config struct {
	Feeds           []string       // FETCHER_FEEDS: added to the registry at start
	FeedsFile       string         // FETCHER_FEEDS_FILE: more of them, OPML or one URL per line
	PollInterval    time.Duration  // FETCHER_POLL_INTERVAL: first interval, and when a feed gives no dates
	MinInterval     time.Duration  // FETCHER_MIN_INTERVAL: adaptive interval floor
	MaxInterval     time.Duration  // FETCHER_MAX_INTERVAL: adaptive interval ceiling
	MaxBackoff      time.Duration  // FETCHER_MAX_BACKOFF: longest wait after failures
	Workers         int            // FETCHER_WORKERS: pages fetched at once per replica
	MaxDeliver      int            // FETCHER_MAX_DELIVER: attempts per page before the DLQ
	HostDelay       time.Duration  // FETCHER_HOST_DELAY: minimum gap between requests to one host (all replicas)
	HostConcurrency int            // FETCHER_HOST_CONCURRENCY: fetches in flight per host (all replicas)
	MaxCrawlDelay   time.Duration  // FETCHER_MAX_CRAWL_DELAY: cap on a robots.txt Crawl-delay
	RobotsTTL       time.Duration  // FETCHER_ROBOTS_TTL: how long robots.txt is cached
	IgnoreRobots    bool           // FETCHER_IGNORE_ROBOTS: for sources you own
	WholePages      bool           // FETCHER_WHOLE_PAGES: publish HTML byte for byte, styles and scripts included
	UserAgent       string         // FETCHER_USER_AGENT
	Timeout         time.Duration  // FETCHER_TIMEOUT: per request, body included
	MaxBytes        int64          // FETCHER_MAX_BYTES: largest page or feed accepted
	AllowPrivate    bool           // FETCHER_ALLOW_PRIVATE: fetch loopback/private addresses
	AllowNets       []netip.Prefix // FETCHER_ALLOW_NETWORKS: private networks allowed anyway (CIDR list)
	AdminAddr       string         // ADMIN_ADDR: /healthz /readyz /metrics ("" = off)
	Pprof           bool           // ADMIN_PPROF: /debug/pprof/ on the admin address
	APIAddr         string         // FETCHER_API_ADDR: the feed API ("" = off); beyond loopback only with APIToken
	APIToken        string         // FETCHER_API_TOKEN: bearer token every feed API request must carry (when set)
	MetricSites     int            // FETCHER_METRIC_SITES: sites with a metric label of their own; the rest are "other"
}

// Where the fetcher listens when ADMIN_ADDR and FETCHER_API_ADDR are unset.
// The admin address is on every interface, for probes and scrapers from
// outside the container; the feed API, which can change what is crawled,
// only on loopback.
const (
	DefaultAdminAddr = ":9082"
	DefaultAPIAddr   = "127.0.0.1:8083"
)

// ConfigFromEnv reads the fetcher's variables.
func ConfigFromEnv(env *config.Env) Config {
	c := Config{
		Feeds:           env.List("FETCHER_FEEDS", nil, "sources added to the registry at start (comma-separated feed, sitemap or page URLs)"),
		FeedsFile:       env.File("FETCHER_FEEDS_FILE", "more sources added at start: a file of OPML or one URL per line"),
		PollInterval:    env.Duration("FETCHER_POLL_INTERVAL", 10*time.Minute, "first poll interval, and the interval of feeds without dates"),
		MinInterval:     env.Duration("FETCHER_MIN_INTERVAL", 2*time.Minute, "shortest adaptive poll interval"),
		MaxInterval:     env.Duration("FETCHER_MAX_INTERVAL", 2*time.Hour, "longest adaptive poll interval"),
		MaxBackoff:      env.Duration("FETCHER_MAX_BACKOFF", 6*time.Hour, "longest wait after repeated feed failures"),
		Workers:         env.Int("FETCHER_WORKERS", 8, 1, 512, "pages fetched at once per replica"),
		MaxDeliver:      env.Int("FETCHER_MAX_DELIVER", 5, 1, 100, "attempts per page before the dead-letter stream"),
		HostDelay:       env.DurationOrZero("FETCHER_HOST_DELAY", time.Second, "minimum gap between requests to one host, across all replicas (0: none, for sources you own)"),
		HostConcurrency: env.Int("FETCHER_HOST_CONCURRENCY", 2, 1, 64, "page fetches in flight per host, across all replicas"),
		MaxCrawlDelay:   env.Duration("FETCHER_MAX_CRAWL_DELAY", 30*time.Second, "cap on a robots.txt Crawl-delay"),
		RobotsTTL:       env.Duration("FETCHER_ROBOTS_TTL", 12*time.Hour, "how long robots.txt is cached"),
		IgnoreRobots:    env.Bool("FETCHER_IGNORE_ROBOTS", false, "skip robots.txt (only for sources you own)"),
		WholePages:      env.Bool("FETCHER_WHOLE_PAGES", false, "publish HTML pages byte for byte (by default without the text of styles and of scripts that run, which extraction never reads)"),
		UserAgent:       env.String("FETCHER_USER_AGENT", web.DefaultUserAgent, "User-Agent; its first word is the robots.txt agent name"),
		Timeout:         env.Duration("FETCHER_TIMEOUT", 30*time.Second, "time allowed per request, body included"),
		MaxBytes:        env.Int64("FETCHER_MAX_BYTES", 10<<20, "largest page or feed in decoded bytes (bounds decompression bombs)"),
		AllowPrivate:    env.Bool("FETCHER_ALLOW_PRIVATE", false, "allow loopback, private and link-local targets"),
		AllowNets:       env.Prefixes("FETCHER_ALLOW_NETWORKS", "private networks (CIDR list) allowed while the rest stay refused"),
		AdminAddr:       env.String("ADMIN_ADDR", DefaultAdminAddr, "listen address of /healthz, /readyz and /metrics (empty: none)"),
		Pprof:           env.Bool("ADMIN_PPROF", false, "also serve Go's profiles under /debug/pprof/ on the admin address"),
		APIAddr:         env.String("FETCHER_API_ADDR", DefaultAPIAddr, "listen address of the feed API (empty: none); beyond loopback it needs FETCHER_API_TOKEN"),
		APIToken:        env.Secret("FETCHER_API_TOKEN", "bearer token every feed API request must carry (16 characters or more)"),
		MetricSites:     env.Int("FETCHER_METRIC_SITES", 200, 1, 100000, "sites with a site label of their own in the metrics; the rest are other"),
	}
	if name, shown, err := c.checkAPI(); err != nil {
		env.Fail(name, shown, err.Error())
	}
	return c
}

// withDefaults fills zero fields, so tests and embedders set only what matters to them.
func (c Config) withDefaults() Config {
	d := ConfigFromEnv(config.FromMap(nil))
	if c.PollInterval <= 0 {
		c.PollInterval = d.PollInterval
	}
	if c.MinInterval <= 0 {
		c.MinInterval = min(d.MinInterval, c.PollInterval)
	}
	if c.MaxInterval <= 0 {
		c.MaxInterval = max(d.MaxInterval, c.PollInterval)
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = d.MaxBackoff
	}
	if c.Workers <= 0 {
		c.Workers = d.Workers
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = d.MaxDeliver
	}
	if c.HostConcurrency <= 0 {
		c.HostConcurrency = d.HostConcurrency
	}
	if c.MaxCrawlDelay <= 0 {
		c.MaxCrawlDelay = d.MaxCrawlDelay
	}
	if c.RobotsTTL <= 0 {
		c.RobotsTTL = d.RobotsTTL
	}
	if c.UserAgent == "" {
		c.UserAgent = d.UserAgent
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = d.MaxBytes
	}
	if c.MetricSites <= 0 {
		c.MetricSites = d.MetricSites
	}
	return c
}

// Fetcher polls feeds and fetches pages.
// jobTimeout bounds a job once it has its host: robots.txt, the wait for the
// host's next start (up to a crawl delay), the fetch and the publish.
func (c Config) jobTimeout() time.Duration { return c.Timeout*2 + c.MaxCrawlDelay + 5*time.Second }

type Fetcher struct {
	cfg    Config
	deps   service.Deps
	client *web.Client
	feeds  jetstream.KeyValue
	// failures counts the failed attempts of jobs, which deferrals redeliver.
	failures jetstream.KeyValue
	claims   jetstream.KeyValue
	seen     jetstream.KeyValue
	recent   *recentSeen // spares a poll the lookups of items it relists
	hosts    *hostGate
	robots   *robotsCache
	sites    *siteLabels // the site label of the metrics
	owner    []byte      // this replica, as written into claims
	// claimTTL is how long a poll claim lasts; a poll must end before it.
	claimTTL time.Duration
}

// Needs are the streams and buckets the fetcher uses: it checks that they
// exist at start and never creates them (`newsflow provision` does).
var Needs = []events.Resource{
	events.Stream(events.StreamJobs), events.Stream(events.StreamRaw), events.Stream(events.StreamDLQ),
	events.KV(events.BucketFeeds), events.KV(events.BucketClaims), events.KV(events.BucketSeen),
	events.KV(events.BucketHosts), events.KV(events.BucketPauses), events.KV(events.BucketFailures),
	events.ObjectStore(events.BucketPages),
}

// New checks the topology and opens the fetcher's buckets.
func New(ctx context.Context, cfg Config, deps service.Deps) (*Fetcher, error) {
	if err := events.Check(ctx, deps.JS, Needs...); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	f := &Fetcher{cfg: cfg, deps: deps, sites: newSiteLabels(cfg.MetricSites)}
	f.client = web.New(web.Options{UserAgent: cfg.UserAgent, Timeout: cfg.Timeout,
		MaxBytes: cfg.MaxBytes, AllowPrivate: cfg.AllowPrivate, Allow: cfg.AllowNets})
	f.robots = &robotsCache{client: f.client, agent: robots.ProductToken(cfg.UserAgent), ttl: cfg.RobotsTTL, hosts: map[string]*robotsEntry{}}
	var err error
	open := func(name string) jetstream.KeyValue {
		if err != nil {
			return nil
		}
		var kv jetstream.KeyValue
		err = events.WhileUnavailable(ctx, func() (err error) {
			kv, err = deps.JS.KeyValue(ctx, name)
			return err
		})
		if err != nil {
			err = fmt.Errorf("open bucket %s: %w", name, err)
		}
		return kv
	}
	f.feeds, f.claims, f.seen = open(events.BucketFeeds), open(events.BucketClaims), open(events.BucketSeen)
	f.failures = open(events.BucketFailures)
	hostsKV, pausesKV := open(events.BucketHosts), open(events.BucketPauses)
	if err != nil {
		return nil, err
	}
	f.owner = []byte(fmt.Sprintf("%s-%d", deps.NC.Opts.Name, time.Now().UnixNano()))
	if f.claimTTL, err = bucketTTL(ctx, f.claims); err != nil {
		return nil, err
	}
	if f.claimTTL <= 0 {
		f.claimTTL = 2 * time.Minute
	}
	seenTTL, err := bucketTTL(ctx, f.seen)
	if err != nil {
		return nil, err
	}
	f.recent = newRecentSeen(seenTTL)
	f.hosts = &hostGate{kv: hostsKV, pauses: pausesKV, perHost: cfg.HostConcurrency, delay: cfg.HostDelay, owner: f.owner}
	return f, nil
}

// bucketTTL is how long kv keeps a key (0: for ever).
func bucketTTL(ctx context.Context, kv jetstream.KeyValue) (time.Duration, error) {
	var st jetstream.KeyValueStatus
	err := events.WhileUnavailable(ctx, func() (err error) {
		st, err = kv.Status(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("bucket %s status: %w", kv.Bucket(), err)
	}
	return st.TTL(), nil
}

// jobAckWait is how long a fetch job taken by a replica that died stays
// away before another replica gets it. It used to be the longest a job may
// take (60 s with FETCHER_TIMEOUT=10s, 100 s by default): in the fault suite
// a killed replica's jobs then came back only once the rest of the backlog
// was fetched, the last pages of a run waiting for them.
const jobAckWait = 10 * time.Second

// Run adds the configured feeds, then polls and fetches until ctx is done.
func Run(ctx context.Context, cfg Config, deps service.Deps) error {
	if name, shown, err := cfg.checkAPI(); err != nil {
		return fmt.Errorf("%w: %s=%q: %w", config.ErrInvalid, name, shown, err)
	}
	f, err := New(ctx, cfg, deps)
	if err != nil {
		return err
	}
	cfg = f.cfg
	if cfg.FeedsFile != "" {
		data, err := os.ReadFile(cfg.FeedsFile)
		if err != nil {
			return fmt.Errorf("FETCHER_FEEDS_FILE: %w", err)
		}
		list, err := ParseFeedList(data)
		if err != nil {
			return fmt.Errorf("FETCHER_FEEDS_FILE %s: %w", cfg.FeedsFile, err)
		}
		cfg.Feeds = append(cfg.Feeds, list...)
	}
	for _, u := range cfg.Feeds {
		if err := AddFeed(ctx, f.feeds, u); err != nil {
			return err
		}
	}
	// A job may wait for robots.txt, then for the host's turn, then fetch.
	// Meanwhile its handler tells the server every jobAckWait/3 that it is
	// in progress, so the jobs of a replica that died come back to the
	// others after jobAckWait, not after the longest a job may take.
	const parkedPerWorker = 32
	jobs, err := events.EnsureConsumer(ctx, deps.JS, events.StreamJobs,
		events.ConsumerConfig(events.ConsumerFetcher, "", jobAckWait))
	if err != nil {
		return err
	}
	h := router.Chain(f.HandleJob,
		router.Trace("fetcher"),
		// Deferred jobs (a busy host) are redelivered without being tried:
		// only failures count towards the dead-letter stream.
		router.DeadLetter(deps.JS, "fetcher", cfg.MaxDeliver, deps.Log, router.CountFailures(f.failures)),
		router.Recover(),
		// No router.Timeout: HandleJob bounds a job from the moment it has
		// its host (jobTimeout), so time spent parked does not count.
	)
	// One part failing (the address in use, say) stops the others: a fetcher
	// that polls without fetching, or without health checks, would look alive.
	// Each part returns nil only once ctx is done.
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		// Jobs come in runs of one feed's host: up to parkedPerWorker of them per
		// worker wait for the host's slots without holding a worker.
		return router.Run(ctx, jobs, h, router.Options{Stage: "fetcher", Workers: cfg.Workers, Log: deps.Log,
			InProgress: jobAckWait / 3, MaxParked: cfg.Workers * parkedPerWorker})
	})
	g.Go(func() error { return f.pollLoop(ctx) })
	if cfg.AdminAddr != "" {
		g.Go(func() error {
			return obs.Serve(ctx, cfg.AdminAddr, obs.AdminHandler(deps.NATSReady, obs.WithPprof(cfg.Pprof)), deps.Log.With("listener", "admin"))
		})
	}
	if cfg.APIAddr != "" {
		g.Go(func() error {
			return obs.Serve(ctx, cfg.APIAddr, f.Handler(), deps.Log.With("listener", "api", "bearer_token", cfg.APIToken != ""))
		})
	}
	return g.Wait()
}
