package fetcher

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/feeds"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/urls"
	"github.com/newsflow/newsflow/services/fetcher/internal/web"
)

// pollLoop looks for due feeds every tick.
func (f *Fetcher) pollLoop(ctx context.Context) error {
	tick := max(min(f.cfg.MinInterval/4, 5*time.Second), 100*time.Millisecond)
	t := time.NewTicker(tick)
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
	due := []string{}
	for key := range keys.Keys() {
		due = append(due, key)
	}
	for _, key := range due {
		if ctx.Err() != nil {
			return
		}
		st, _, err := getFeed(ctx, f.feeds, key)
		if err != nil || time.Now().Before(st.NextPoll) {
			continue
		}
		// One replica polls a feed at a time: the claim is a KV create, which
		// fails while another replica holds it; the bucket's TTL frees the
		// claim of a replica that died mid-poll.
		rev, err := f.claims.Create(ctx, key, f.owner)
		if err != nil {
			continue
		}
		pollCtx, cancelPoll := context.WithTimeout(ctx, f.claimTTL*3/4)
		f.pollClaimed(pollCtx, key)
		cancelPoll()
		release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		// Delete only our own claim: if it expired and another replica took
		// the feed, its claim stays.
		if err := f.claims.Delete(release, key, jetstream.LastRevision(rev)); err != nil && !isKVConflict(err) {
			f.deps.Log.Warn("release claim", "feed", st.URL, "err", err)
		}
		cancel()
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
	ctx, span := obs.StartSpan(ctx, "fetcher", "poll feed", trace.WithAttributes(attribute.String("url.full", st.URL)))
	defer span.End()
	now := time.Now().UTC()
	st.LastPoll = now
	res, pollErr := f.poll(ctx, &st)
	if pollErr != nil {
		st.failed(now, pollErr)
		wait := min(f.cfg.MinInterval<<min(st.Errors, 16), f.cfg.MaxBackoff)
		if res.retryAfter > wait {
			wait = min(res.retryAfter, f.cfg.MaxBackoff)
		}
		st.NextPoll = now.Add(wait)
		log.Warn("poll failed", "err", pollErr, "errors", st.Errors, "next_poll", st.NextPoll)
	} else {
		st.Errors, st.LastError, st.LastSuccess = 0, "", now
		st.Interval = f.interval(st, res)
		st.NextPoll = now.Add(st.Interval)
		st.Items += res.queued
		log.Debug("polled", "new", res.queued, "next_poll", st.NextPoll)
	}
	if err := putFeed(ctx, f.feeds, key, st, rev); err != nil && ctx.Err() == nil {
		log.Warn("save feed state", "err", err)
	}
}

// pollResult is what one poll learned.
type pollResult struct {
	queued     int
	notMod     bool
	dates      []time.Time   // entry dates, for the adaptive interval
	ttl        time.Duration // the feed's own <ttl> or sy:updatePeriod
	maxAge     time.Duration // Cache-Control max-age
	retryAfter time.Duration
}

// interval adapts the poll interval to how often the feed publishes: half
// the median gap between its newest entries, never below the feed's TTL or
// Cache-Control max-age, within [MinInterval, MaxInterval]. A feed that
// answered "not modified" or had nothing new waits half as long again.
func (f *Fetcher) interval(st FeedState, r pollResult) time.Duration {
	iv := st.Interval
	if iv <= 0 {
		iv = f.cfg.PollInterval
	}
	if gap := medianGap(r.dates); gap > 0 {
		iv = gap / 2
	} else if r.notMod || r.queued == 0 {
		iv = iv * 3 / 2
	}
	iv = max(iv, r.ttl, r.maxAge)
	return min(max(iv, f.cfg.MinInterval), f.cfg.MaxInterval)
}

func medianGap(dates []time.Time) time.Duration {
	ds := slices.Clone(dates)
	ds = slices.DeleteFunc(ds, func(t time.Time) bool { return t.IsZero() })
	if len(ds) < 3 {
		return 0
	}
	slices.SortFunc(ds, func(a, b time.Time) int { return b.Compare(a) })
	ds = ds[:min(len(ds), 11)]
	gaps := make([]time.Duration, 0, len(ds)-1)
	for i := 1; i < len(ds); i++ {
		gaps = append(gaps, ds[i-1].Sub(ds[i]))
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

// poll fetches and parses a source and queues its new URLs. A source that
// turns out to be an HTML page is searched for feeds, then for article links.
func (f *Fetcher) poll(ctx context.Context, st *FeedState) (pollResult, error) {
	var res pollResult
	host := urlHost(st.URL)
	start := time.Now()
	resp, err := f.client.Get(ctx, web.Request{
		URL: st.URL, ETag: st.ETag, LastModified: st.LastModified,
		Accept: "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.3",
	})
	fetchSeconds.WithLabelValues("feed", host).Observe(time.Since(start).Seconds())
	if resp != nil {
		res.maxAge, res.retryAfter = resp.MaxAge, resp.RetryAfter
		if resp.Status == http.StatusServiceUnavailable || resp.Status == http.StatusTooManyRequests {
			res.retryAfter = max(res.retryAfter, f.cfg.MinInterval)
		}
	}
	if errors.Is(err, web.ErrNotModified) {
		feedPolls.WithLabelValues(st.URL, "not_modified").Inc()
		res.notMod = true
		return res, nil
	}
	if err != nil {
		feedPolls.WithLabelValues(st.URL, web.Kind(err)).Inc()
		return res, err
	}
	fetchedBytes.WithLabelValues("feed", host).Add(float64(len(resp.Body)))
	feed, err := feeds.Parse(resp.Body, resp.FinalURL, resp.ContentType)
	if errors.Is(err, feeds.ErrNotFeed) {
		feed, err = f.fromPage(ctx, st, resp)
	}
	if err != nil {
		feedPolls.WithLabelValues(st.URL, "parse").Inc()
		return res, fmt.Errorf("parse %s: %w", st.URL, err)
	}
	feedPolls.WithLabelValues(st.URL, "ok").Inc()
	if st.Kind == "" || st.Kind != "page" {
		st.Kind = string(feed.Kind)
	}
	res.ttl = feed.TTL
	for _, child := range feed.Sitemaps {
		if err := AddFeed(ctx, f.feeds, child); err != nil {
			f.deps.Log.Warn("add child sitemap", "sitemap", child, "err", err)
		}
	}
	for _, it := range feed.Items {
		res.dates = append(res.dates, it.Published)
		isNew, err := f.queue(ctx, st.URL, it)
		if err != nil {
			// Stop here: the feed is polled again later and the URLs not yet
			// queued are still unseen.
			return res, err
		}
		if isNew {
			res.queued++
		}
	}
	// Validators are saved only once every item is queued, so a failed poll
	// is repeated in full rather than answered with 304; a feed that broke
	// off part-way is fetched whole next time too.
	if !feed.Partial {
		st.ETag, st.LastModified = resp.ETag, resp.LastModified
	}
	return res, nil
}

// fromPage handles a source that is an HTML page: feeds it announces (or that
// sit at the usual paths) join the registry; without any, the page's article
// links are its items.
func (f *Fetcher) fromPage(ctx context.Context, st *FeedState, resp *web.Response) (*feeds.Feed, error) {
	st.Kind = "page"
	found := feeds.Discover(resp.Body, resp.FinalURL)
	if len(found) == 0 && len(st.Discovered) == 0 && !st.Probed {
		found = f.probeCommonPaths(ctx, resp.FinalURL)
		st.Probed = true
	}
	if len(found) > 0 {
		for _, u := range found {
			if err := AddFeed(ctx, f.feeds, u); err != nil {
				return nil, err
			}
		}
		st.Discovered = found
		return &feeds.Feed{Kind: "page"}, nil
	}
	if len(st.Discovered) > 0 {
		return &feeds.Feed{Kind: "page"}, nil
	}
	return &feeds.Feed{Kind: "page", Items: articleLinks(resp.Body, resp.FinalURL)}, nil
}

// probeCommonPaths tries the usual feed locations of a site once, when its
// page announces no feed.
func (f *Fetcher) probeCommonPaths(ctx context.Context, pageURL string) []string {
	base, err := urls.Canonical(pageURL)
	if err != nil {
		return nil
	}
	origin := base[:len(base)-len(urlPath(base))]
	for _, p := range feeds.CommonFeedPaths {
		resp, err := f.client.Get(ctx, web.Request{URL: origin + p})
		if err != nil {
			continue
		}
		if feed, err := feeds.Parse(resp.Body, resp.FinalURL, resp.ContentType); err == nil && (len(feed.Items) > 0 || len(feed.Sitemaps) > 0) {
			return []string{resp.FinalURL}
		}
	}
	return nil
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
		Author: it.Author, Image: it.Image}
	m, err := job.msg(f.deps.Source, key)
	if err != nil {
		return false, nil
	}
	// Each article starts a trace of its own, linked to the poll that found it.
	ctx, span := obs.StartSpan(ctx, "fetcher", "queue article", trace.WithNewRoot(),
		trace.WithLinks(trace.LinkFromContext(ctx)), trace.WithAttributes(attribute.String("url.full", it.URL)))
	defer span.End()
	obs.InjectTrace(ctx, m.Header)
	if _, err := f.deps.JS.PublishMsg(ctx, m); err != nil {
		return false, fmt.Errorf("queue %s: %w", it.URL, err)
	}
	if _, err := f.seen.Put(ctx, key, []byte(canon)); err != nil {
		return false, fmt.Errorf("mark seen %s: %w", it.URL, err)
	}
	queued.Inc()
	return true, nil
}
