// Package parser is newsflow's parse stage: it consumes raw pages from
// NEWSFLOW_RAW, extracts the article and publishes an article.parsed event.
//
//	raw page ──DecodeRawPage──▶ extract.Extract ──Validate──▶ publish ──▶ ack
//
// A page that can never parse (malformed message, not HTML, invalid article)
// goes to the dead-letter stream with its reason; a failed publish is retried.
// (Article.Msg validates the event against the Article v1 schema.)
package parser

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/extract"
	"github.com/newsflow/newsflow/pkg/extract/meta"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/router"
	"github.com/newsflow/newsflow/pkg/service"
)

// Config of the parser.
type Config struct {
	Workers    int           // PARSER_WORKERS: pages parsed at once
	MaxDeliver int           // PARSER_MAX_DELIVER: attempts before the DLQ
	Timeout    time.Duration // PARSER_TIMEOUT: per page
	RulesFile  string        // PARSER_RULES: optional site rules (JSON)
	AdminAddr  string        // ADMIN_ADDR: /healthz /readyz /metrics ("" = off); the parser has no public API
	Pprof      bool          // ADMIN_PPROF: /debug/pprof/ on the admin address
}

// DefaultAdminAddr is ADMIN_ADDR when unset: every interface, for probes
// and scrapers from outside the container.
const DefaultAdminAddr = ":9081"

// ConfigFromEnv reads the parser's variables.
func ConfigFromEnv(env *config.Env) Config {
	return Config{
		Workers:    env.Int("PARSER_WORKERS", 4, 1, 256, "pages parsed at once"),
		MaxDeliver: env.Int("PARSER_MAX_DELIVER", 5, 1, 100, "attempts per page before the dead-letter stream"),
		Timeout:    env.Duration("PARSER_TIMEOUT", 30*time.Second, "time allowed to parse one page"),
		RulesFile:  env.File("PARSER_RULES", "site rules file (JSON: per-site body, author and date selectors)"),
		AdminAddr:  env.String("ADMIN_ADDR", DefaultAdminAddr, "listen address of /healthz, /readyz and /metrics (empty: none)"),
		Pprof:      env.Bool("ADMIN_PPROF", false, "also serve Go's profiles under /debug/pprof/ on the admin address"),
	}
}

var (
	parsed = promauto.NewCounter(prometheus.CounterOpts{
		Name: "newsflow_parser_articles_total", Help: "Articles parsed and published."})
	parseSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "newsflow_parser_extract_seconds", Help: "Time to extract one page.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)})
	_ = promauto.NewCounterFunc(prometheus.CounterOpts{
		Name: "newsflow_parser_recovered_panics_total",
		Help: "Panics the metadata reader recovered from (each a bug; the page kept what was read before it)."},
		func() float64 { return float64(meta.RecoveredPanics()) })
)

// ErrNoArticle means the page holds neither a title nor a body.
var ErrNoArticle = errors.New("parser: no article in page")

// Parser turns raw pages into articles.
type Parser struct {
	deps  service.Deps
	rules *extract.Rules
}

// New returns a parser publishing through deps.
func New(deps service.Deps, rules *extract.Rules) *Parser {
	return &Parser{deps: deps, rules: rules}
}

// Handle parses one raw page and publishes its article.
func (p *Parser) Handle(ctx context.Context, m jetstream.Msg) error {
	body, err := events.LoadBody(ctx, p.deps.JS, m.Headers(), m.Data())
	if err != nil {
		return err // the object store may be back shortly
	}
	page, err := events.DecodeRawPage(m.Headers(), body)
	if err != nil {
		return router.Permanent(err)
	}
	a, err := p.Parse(page)
	if err != nil {
		return router.Permanent(err)
	}
	msg, err := a.Msg(p.deps.Source)
	if err != nil {
		return router.Permanent(err)
	}
	obs.InjectTrace(ctx, msg.Header)
	if _, err := p.deps.JS.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("publish article %s: %w", a.ID, err)
	}
	parsed.Inc()
	p.deps.Log.Debug("article parsed", "article_id", a.ID, "url", a.URL, "title", a.Title, obs.TraceID(ctx))
	return nil
}

// Parse extracts the article of one page; it is what Handle does before
// publishing, without NATS.
func (p *Parser) Parse(page events.RawPage) (*events.Article, error) {
	start := time.Now()
	pageURL := page.FinalURL
	if pageURL == "" {
		pageURL = page.URL
	}
	a, err := extract.Extract(extract.Input{
		HTML: page.Body, URL: pageURL, ContentType: page.ContentType,
		FetchedAt: page.FetchedAt, Hints: page.Entry, Rules: p.rules,
	})
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", page.URL, err)
	}
	parseSeconds.Observe(time.Since(start).Seconds())
	if a.Title == "" && a.BodyText == "" {
		return nil, fmt.Errorf("%w: %s", ErrNoArticle, page.URL)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	a.ParsedAt = &now
	if !page.FetchedAt.IsZero() {
		f := page.FetchedAt.UTC()
		a.FetchedAt = &f
	}
	a.SourceFeed = page.SourceFeed
	return a, nil
}

// Needs are the streams and buckets the parser uses: it checks that they
// exist at start and never creates them (`newsflow provision` does).
var Needs = []events.Resource{
	events.Stream(events.StreamRaw), events.Stream(events.StreamArticles), events.Stream(events.StreamDLQ),
	events.ObjectStore(events.BucketPages),
}

// Run consumes raw pages until ctx is done.
func Run(ctx context.Context, cfg Config, deps service.Deps) error {
	if err := events.Check(ctx, deps.JS, Needs...); err != nil {
		return err
	}
	var rules *extract.Rules
	if cfg.RulesFile != "" {
		r, err := extract.LoadRules(cfg.RulesFile)
		if err != nil {
			return err
		}
		rules = r
	}
	c, err := events.EnsureConsumer(ctx, deps.JS, events.StreamRaw,
		events.ConsumerConfig(events.ConsumerParser, "", cfg.Timeout+30*time.Second))
	if err != nil {
		return err
	}
	p := New(deps, rules)
	h := router.Chain(p.Handle,
		router.Trace("parser"),
		router.DeadLetter(deps.JS, "parser", cfg.MaxDeliver, deps.Log),
		router.Recover(),
		router.Timeout(cfg.Timeout),
	)
	// One part failing (the address in use, say) stops the other: a parser
	// that consumes without health checks, or the reverse, would look alive.
	// Each part returns nil only once ctx is done.
	g, ctx := errgroup.WithContext(ctx)
	if cfg.AdminAddr != "" {
		g.Go(func() error {
			return obs.Serve(ctx, cfg.AdminAddr, obs.AdminHandler(deps.NATSReady, obs.WithPprof(cfg.Pprof)), deps.Log.With("listener", "admin"))
		})
	}
	g.Go(func() error {
		return router.Run(ctx, c, h, router.Options{Stage: "parser", Workers: cfg.Workers, Log: deps.Log})
	})
	return g.Wait()
}
