package events

import (
	"net"
	"strings"
)

// Stream names and subjects. Subscribers filter by site with the last token,
// e.g. "newsflow.article.parsed.koreaherald_com".
const (
	StreamRaw      = "NEWSFLOW_RAW"
	StreamArticles = "NEWSFLOW_ARTICLES"
	StreamDLQ      = "NEWSFLOW_DLQ"
	StreamJobs     = "NEWSFLOW_JOBS"

	SubjectRawPrefix     = "newsflow.raw."
	SubjectArticlePrefix = "newsflow.article.parsed."
	SubjectDLQPrefix     = "newsflow.dlq."
	SubjectJobPrefix     = "newsflow.job.fetch."

	// KV buckets.
	BucketSeen   = "newsflow_seen"   // canonical URL hash -> first seen; dedup of article URLs
	BucketClaims = "newsflow_claims" // feed polls claimed by one replica at a time
	BucketFeeds  = "newsflow_feeds"  // feed registry and poll state
	BucketHosts  = "newsflow_hosts"  // per-host fetch slots across fetcher replicas
	BucketPauses = "newsflow_pauses" // per-host next allowed start (delay, crawl-delay, Retry-After)
	// BucketFailures counts the failed attempts of a message of a stage that
	// defers work, whose redeliveries are not all failures.
	BucketFailures = "newsflow_failures"
	BucketPages    = "newsflow_pages" // object store for pages too large for one message

	// Durable consumer names.
	ConsumerFetcher = "fetcher"
	ConsumerParser  = "parser"
	ConsumerStore   = "store"
)

// RawSubject is the subject a fetched page of host is published on.
func RawSubject(host string) string { return SubjectRawPrefix + SiteToken(host) }

// ArticleSubject is the subject a parsed article of host is published on.
func ArticleSubject(host string) string { return SubjectArticlePrefix + SiteToken(host) }

// JobSubject is the subject a fetch job for a page on host is published on.
func JobSubject(host string) string { return SubjectJobPrefix + SiteToken(host) }

// DLQSubject is where stage publishes the messages it gave up on.
func DLQSubject(stage string) string { return SubjectDLQPrefix + SiteToken(stage) }

// SiteToken turns a host into one subject-safe token: lower case, port and
// a leading "www." dropped, every character outside [a-z0-9_-] replaced by "_".
// An empty host gives "unknown" so a subject never has an empty token.
func SiteToken(host string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimPrefix(host, "www.")
	var b strings.Builder
	for _, r := range host {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "unknown"
	}
	return b.String()
}
