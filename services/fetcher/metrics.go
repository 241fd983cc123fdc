package fetcher

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Per-source and per-host counters. Label values are feed URLs and hosts:
// as many as the sources an operator registered, not one per article.
var (
	feedPolls = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_fetcher_feed_polls_total",
		Help: "Feed polls by feed and result (ok, not_modified, or the error kind).",
	}, []string{"feed", "result"})
	pageFetches = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_fetcher_page_fetches_total",
		Help: "Article page fetches by host and result (ok, robots_disallowed, or the error kind).",
	}, []string{"host", "result"})
	fetchedBytes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_fetcher_bytes_total", Help: "Response bytes read, by target (feed, page) and host.",
	}, []string{"target", "host"})
	fetchSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "newsflow_fetcher_request_seconds", Help: "HTTP request latency by target and host.",
		Buckets: prometheus.ExponentialBuckets(0.02, 2.5, 8),
	}, []string{"target", "host"})
	queued = promauto.NewCounter(prometheus.CounterOpts{
		Name: "newsflow_fetcher_articles_queued_total", Help: "New article URLs queued for fetching."})
	published = promauto.NewCounter(prometheus.CounterOpts{
		Name: "newsflow_fetcher_pages_published_total", Help: "Raw pages published to NEWSFLOW_RAW."})
)
