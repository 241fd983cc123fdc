// Package fetcher is newsflow's fetch stage. Two loops share the work across
// replicas with no coordinator:
//
//	poll:  registry (KV) ──claim (KV create)──▶ GET feed ──feeds.Parse──▶ new URLs ──▶ fetch jobs (work queue)
//	fetch: fetch job ──GET page (polite, SSRF-safe)──▶ raw page ──▶ NEWSFLOW_RAW ──▶ ack job
//
// A URL is marked seen only after its job is stored, and a job is acked only
// after its page is stored: a replica that dies mid-way loses nothing.
package fetcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/feeds"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/router"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/urls"
	"github.com/newsflow/newsflow/services/fetcher/internal/web"
)

// Config of the fetcher.
type Config struct {
	Feeds        []string       // FETCHER_FEEDS: added to the registry at start
	PollInterval time.Duration  // FETCHER_POLL_INTERVAL
	MaxBackoff   time.Duration  // FETCHER_MAX_BACKOFF: longest wait after failures
	Workers      int            // FETCHER_WORKERS: pages fetched at once
	MaxDeliver   int            // FETCHER_MAX_DELIVER: attempts per page before the DLQ
	HostDelay    time.Duration  // FETCHER_HOST_DELAY: minimum gap between requests to one host
	UserAgent    string         // FETCHER_USER_AGENT
	Timeout      time.Duration  // FETCHER_TIMEOUT: per request, body included
	MaxBytes     int64          // FETCHER_MAX_BYTES: largest page or feed accepted
	AllowPrivate bool           // FETCHER_ALLOW_PRIVATE: fetch loopback/private addresses
	AllowNets    []netip.Prefix // FETCHER_ALLOW_NETWORKS: private networks allowed anyway (CIDR list)
	HTTPAddr     string         // HTTP_ADDR: /healthz /readyz /metrics ("" = off)
}

// ConfigFromEnv reads the fetcher's variables.
func ConfigFromEnv(env *config.Env) Config {
	return Config{
		Feeds:        env.List("FETCHER_FEEDS", nil),
		PollInterval: env.Duration("FETCHER_POLL_INTERVAL", 5*time.Minute),
		MaxBackoff:   env.Duration("FETCHER_MAX_BACKOFF", 6*time.Hour),
		Workers:      env.Int("FETCHER_WORKERS", 8, 1, 512),
		MaxDeliver:   env.Int("FETCHER_MAX_DELIVER", 5, 1, 100),
		HostDelay:    env.Duration("FETCHER_HOST_DELAY", time.Second),
		UserAgent:    env.String("FETCHER_USER_AGENT", ""),
		Timeout:      env.Duration("FETCHER_TIMEOUT", 30*time.Second),
		MaxBytes:     env.Int64("FETCHER_MAX_BYTES", 10<<20),
		AllowPrivate: env.Bool("FETCHER_ALLOW_PRIVATE", false),
		AllowNets:    env.Prefixes("FETCHER_ALLOW_NETWORKS"),
		HTTPAddr:     env.String("HTTP_ADDR", ":8082"),
	}
}

var (
	requests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_fetcher_requests_total",
		Help: "HTTP requests by target (feed, page) and result (ok, not_modified, or the error kind).",
	}, []string{"target", "result"})
	fetchedBytes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_fetcher_bytes_total", Help: "Response bytes read, by target.",
	}, []string{"target"})
	queued = promauto.NewCounter(prometheus.CounterOpts{
		Name: "newsflow_fetcher_articles_queued_total", Help: "New article URLs queued for fetching."})
	fetchSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "newsflow_fetcher_request_seconds", Help: "HTTP request latency by target.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
	}, []string{"target"})
)

// Fetcher polls feeds and fetches pages.
type Fetcher struct {
	cfg    Config
	deps   service.Deps
	client *web.Client
	feeds  jetstream.KeyValue
	claims jetstream.KeyValue
	seen   jetstream.KeyValue
	hosts  *hostGate
	id     string // this replica, as written into claims
}

// New opens the fetcher's buckets.
func New(ctx context.Context, cfg Config, deps service.Deps) (*Fetcher, error) {
	f := &Fetcher{cfg: cfg, deps: deps, hosts: newHostGate(cfg.HostDelay)}
	f.client = web.New(web.Options{UserAgent: cfg.UserAgent, Timeout: cfg.Timeout,
		MaxBytes: cfg.MaxBytes, AllowPrivate: cfg.AllowPrivate, Allow: cfg.AllowNets})
	var err error
	if f.feeds, err = deps.JS.KeyValue(ctx, events.BucketFeeds); err != nil {
		return nil, fmt.Errorf("open feeds bucket: %w", err)
	}
	if f.claims, err = deps.JS.KeyValue(ctx, events.BucketClaims); err != nil {
		return nil, fmt.Errorf("open claims bucket: %w", err)
	}
	if f.seen, err = deps.JS.KeyValue(ctx, events.BucketSeen); err != nil {
		return nil, fmt.Errorf("open seen bucket: %w", err)
	}
	f.id = deps.NC.ConnectedServerId() + "/" + fmt.Sprint(deps.NC.Opts.Name, "-", time.Now().UnixNano())
	return f, nil
}

// Run adds the configured feeds, then polls and fetches until ctx is done.
func Run(ctx context.Context, cfg Config, deps service.Deps) error {
	f, err := New(ctx, cfg, deps)
	if err != nil {
		return err
	}
	for _, u := range cfg.Feeds {
		if err := AddFeed(ctx, f.feeds, u); err != nil {
			return err
		}
	}
	jobs, err := events.EnsureConsumer(ctx, deps.JS, events.StreamJobs,
		events.ConsumerConfig(events.ConsumerFetcher, "", cfg.Timeout+cfg.HostDelay*4+30*time.Second))
	if err != nil {
		return err
	}
	h := router.Chain(f.HandleJob,
		router.DeadLetter(deps.JS, "fetcher", cfg.MaxDeliver, deps.Log),
		router.Recover(),
		router.Timeout(cfg.Timeout+cfg.HostDelay*4),
	)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	wg.Go(func() {
		errs[0] = router.Run(ctx, jobs, h, router.Options{Stage: "fetcher", Workers: cfg.Workers, Log: deps.Log})
	})
	wg.Go(func() { errs[1] = f.pollLoop(ctx) })
	if cfg.HTTPAddr != "" {
		wg.Go(func() {
			mux := http.NewServeMux()
			obs.Mount(mux, deps.NATSReady)
			errs[2] = obs.Serve(ctx, cfg.HTTPAddr, mux, deps.Log)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pollLoop looks for due feeds every tick.
func (f *Fetcher) pollLoop(ctx context.Context) error {
	tick := min(f.cfg.PollInterval/4, 5*time.Second)
	t := time.NewTicker(max(tick, 100*time.Millisecond))
	defer t.Stop()
	for {
		f.pollDue(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (f *Fetcher) pollDue(ctx context.Context) {
	keys, err := f.feeds.ListKeys(ctx)
	if err != nil {
		if !errors.Is(err, jetstream.ErrNoKeysFound) && ctx.Err() == nil {
			f.deps.Log.Warn("list feeds", "err", err)
		}
		return
	}
	for key := range keys.Keys() {
		if ctx.Err() != nil {
			return
		}
		st, _, err := getFeed(ctx, f.feeds, key)
		if err != nil || time.Now().Before(st.NextPoll) {
			continue
		}
		// One replica polls a feed at a time: the claim is a KV create, which
		// fails when another replica holds it; the bucket's TTL frees the
		// claim of a replica that died mid-poll.
		if _, err := f.claims.Create(ctx, key, []byte(f.id)); err != nil {
			continue
		}
		f.pollClaimed(ctx, key)
		if err := f.claims.Delete(ctx, key); err != nil {
			f.deps.Log.Warn("release claim", "feed", st.URL, "err", err)
		}
	}
}

// pollClaimed polls one feed this replica has claimed. The state is read
// again under the claim, so a poll another replica just finished is not repeated.
func (f *Fetcher) pollClaimed(ctx context.Context, key string) {
	st, rev, err := getFeed(ctx, f.feeds, key)
	if err != nil || time.Now().Before(st.NextPoll) {
		return
	}
	log := f.deps.Log.With("feed", st.URL)
	now := time.Now().UTC()
	st.LastPoll = now
	n, pollErr := f.poll(ctx, &st)
	if pollErr != nil {
		st.Errors++
		st.LastError = pollErr.Error()
		wait := min(f.cfg.PollInterval<<min(st.Errors, 10), f.cfg.MaxBackoff)
		st.NextPoll = now.Add(wait)
		log.Warn("poll failed", "err", pollErr, "errors", st.Errors, "next_poll", st.NextPoll)
	} else {
		st.Errors, st.LastError, st.LastSuccess = 0, "", now
		st.NextPoll = now.Add(f.cfg.PollInterval)
		st.Items = n
		log.Debug("polled", "new", n)
	}
	if err := putFeed(ctx, f.feeds, key, st, rev); err != nil {
		log.Warn("save feed state", "err", err)
	}
}

// poll fetches and parses the feed and queues its new URLs; it returns how
// many were new.
func (f *Fetcher) poll(ctx context.Context, st *FeedState) (int, error) {
	start := time.Now()
	resp, err := f.client.Get(ctx, web.Request{
		URL: st.URL, ETag: st.ETag, LastModified: st.LastModified,
		Accept: "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
	})
	fetchSeconds.WithLabelValues("feed").Observe(time.Since(start).Seconds())
	if errors.Is(err, web.ErrNotModified) {
		requests.WithLabelValues("feed", "not_modified").Inc()
		return 0, nil
	}
	if err != nil {
		requests.WithLabelValues("feed", web.Kind(err)).Inc()
		return 0, err
	}
	requests.WithLabelValues("feed", "ok").Inc()
	fetchedBytes.WithLabelValues("feed").Add(float64(len(resp.Body)))
	feed, err := feeds.Parse(resp.Body, resp.FinalURL, resp.ContentType)
	if err != nil {
		return 0, fmt.Errorf("parse feed: %w", err)
	}
	for _, child := range feed.Sitemaps {
		if err := AddFeed(ctx, f.feeds, child); err != nil {
			f.deps.Log.Warn("add child sitemap", "sitemap", child, "err", err)
		}
	}
	n := 0
	for _, it := range feed.Items {
		isNew, err := f.queue(ctx, st.URL, it)
		if err != nil {
			// Stop here: the feed is polled again later and the URLs not yet
			// queued are still unseen.
			return n, err
		}
		if isNew {
			n++
		}
	}
	// Validators are saved only once every item is queued, so a failed poll
	// is repeated in full rather than answered with 304.
	st.ETag, st.LastModified = resp.ETag, resp.LastModified
	return n, nil
}

// queue publishes a fetch job for an unseen item URL.
func (f *Fetcher) queue(ctx context.Context, feedURL string, it feeds.Item) (bool, error) {
	canon, err := urls.Canonical(it.URL)
	if err != nil {
		return false, nil // not an article URL we can fetch; nothing to retry
	}
	key := events.ArticleID(canon)
	if _, err := f.seen.Get(ctx, key); err == nil {
		return false, nil
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, fmt.Errorf("seen lookup: %w", err)
	}
	job := Job{URL: it.URL, SourceFeed: feedURL, Title: it.Title, Published: it.Published,
		Author: it.Author, Image: it.Image, Trace: events.NewTraceparent()}
	m, err := job.msg(f.deps.Source, key)
	if err != nil {
		return false, nil
	}
	if _, err := f.deps.JS.PublishMsg(ctx, m); err != nil {
		return false, fmt.Errorf("queue %s: %w", it.URL, err)
	}
	if _, err := f.seen.Put(ctx, key, []byte(canon)); err != nil {
		return false, fmt.Errorf("mark seen %s: %w", it.URL, err)
	}
	queued.Inc()
	return true, nil
}

// HandleJob fetches one page and publishes it to NEWSFLOW_RAW.
func (f *Fetcher) HandleJob(ctx context.Context, m jetstream.Msg) error {
	var job Job
	if err := json.Unmarshal(m.Data(), &job); err != nil || job.URL == "" {
		return router.Permanent(fmt.Errorf("bad fetch job: %v", err))
	}
	u, err := url.Parse(job.URL)
	if err != nil {
		return router.Permanent(fmt.Errorf("bad job url: %w", err))
	}
	if err := f.hosts.wait(ctx, u.Hostname()); err != nil {
		return err
	}
	start := time.Now()
	resp, err := f.client.Get(ctx, web.Request{URL: job.URL, Accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
		ContentTypes: []string{"text/html", "application/xhtml+xml", "text/plain"}})
	fetchSeconds.WithLabelValues("page").Observe(time.Since(start).Seconds())
	requests.WithLabelValues("page", web.Kind(err)).Inc()
	if err != nil {
		if permanentFetchError(resp, err) {
			return router.Permanent(err)
		}
		return err
	}
	fetchedBytes.WithLabelValues("page").Add(float64(len(resp.Body)))
	page := events.RawPage{
		URL: job.URL, FinalURL: resp.FinalURL, Status: resp.Status,
		ContentType: resp.ContentType, Charset: resp.Charset, ETag: resp.ETag,
		LastModified: resp.LastModified, FetchedAt: time.Now().UTC(), SourceFeed: job.SourceFeed,
		Entry: events.EntryHints{Title: job.Title, Published: job.Published, Author: job.Author, Image: job.Image},
		Body:  resp.Body,
	}
	if resp.Charset != "" {
		page.ContentType += "; charset=" + resp.Charset
	}
	msg, err := page.Msg(f.deps.Source, service.Traceparent(m.Headers()))
	if err != nil {
		return router.Permanent(err)
	}
	if _, err := f.deps.JS.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("publish page %s: %w", job.URL, err)
	}
	return nil
}

// permanentFetchError says whether retrying the page can help: refused
// addresses, wrong content, oversize bodies and client errors other than 429
// will not change.
func permanentFetchError(resp *web.Response, err error) bool {
	switch {
	case errors.Is(err, web.ErrPrivateAddress), errors.Is(err, web.ErrContentType),
		errors.Is(err, web.ErrTooLarge), errors.Is(err, web.ErrTooManyHops):
		return true
	case errors.Is(err, web.ErrStatus) && resp != nil:
		return resp.Status >= 400 && resp.Status < 500 && resp.Status != http.StatusTooManyRequests && resp.Status != http.StatusRequestTimeout
	}
	return false
}

// hostGate keeps a minimum delay between requests to one host within this
// replica.
type hostGate struct {
	delay time.Duration
	mu    sync.Mutex
	next  map[string]time.Time
}

func newHostGate(d time.Duration) *hostGate { return &hostGate{delay: d, next: map[string]time.Time{}} }

func (g *hostGate) wait(ctx context.Context, host string) error {
	g.mu.Lock()
	now := time.Now()
	at := g.next[host]
	if at.Before(now) {
		at = now
	}
	g.next[host] = at.Add(g.delay)
	if len(g.next) > 10000 { // forget hosts whose slot has passed
		for h, t := range g.next {
			if t.Before(now) {
				delete(g.next, h)
			}
		}
	}
	g.mu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(at)):
		return nil
	}
}
