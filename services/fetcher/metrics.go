package fetcher

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/newsflow/newsflow/pkg/events"
)

// Per-site counters. The site label is bounded by siteLabels: feed URLs and
// hosts themselves would add series without end, since sitemap children,
// discovered feeds and article links to new hosts keep coming.
var (
	feedPolls = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_fetcher_feed_polls_total",
		Help: "Feed polls by site and result (ok, not_modified, or the error kind).",
	}, []string{"site", "result"})
	pageFetches = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_fetcher_page_fetches_total",
		Help: "Article page fetches by site and result (ok, robots_disallowed, or the error kind).",
	}, []string{"site", "result"})
	fetchedBytes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_fetcher_bytes_total", Help: "Response bytes read, by target (feed, page) and site.",
	}, []string{"target", "site"})
	trimmedBytes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_fetcher_page_bytes_trimmed_total",
		Help: "Page bytes left out of the published pages (unless FETCHER_WHOLE_PAGES), by site.",
	}, []string{"site"})
	fetchSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "newsflow_fetcher_request_seconds", Help: "HTTP request latency by target and site.",
		Buckets: prometheus.ExponentialBuckets(0.02, 2.5, 8),
	}, []string{"target", "site"})
	queued = promauto.NewCounter(prometheus.CounterOpts{
		Name: "newsflow_fetcher_articles_queued_total", Help: "New article URLs queued for fetching."})
	published = promauto.NewCounter(prometheus.CounterOpts{
		Name: "newsflow_fetcher_pages_published_total", Help: "Raw pages published to NEWSFLOW_RAW."})
)

// otherSites is the site label of every site past the limit.
const otherSites = "other"

// siteLabels gives the site label of a host: its site token (as in the
// subjects: "www.bbc.co.uk" → "bbc_co_uk") for the first max sites this
// fetcher meets, "other" for the rest. Sites are met in the order they are
// polled and fetched, so the registered sources come first.
type siteLabels struct {
	mu    sync.Mutex
	max   int
	known map[string]struct{}
}

func newSiteLabels(max int) *siteLabels {
	return &siteLabels{max: max, known: map[string]struct{}{}}
}

func (s *siteLabels) of(host string) string {
	site := events.SiteToken(host)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.known[site]; ok {
		return site
	}
	if len(s.known) >= s.max {
		return otherSites
	}
	s.known[site] = struct{}{}
	return site
}
