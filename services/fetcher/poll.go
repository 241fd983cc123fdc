package fetcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/pkg/backoff"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/feeds"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/urls"
	"github.com/newsflow/newsflow/services/fetcher/internal/web"
)

// maxPollWait bounds the poll loop's sleep: next polls are wall-clock times
// and the loop's timer is not, so it looks again at least this often.
const maxPollWait = time.Minute

// pollLoop polls the feeds that are due, by this replica's view of the
// registry, then sleeps until the next one is due or the view changes.
func (f *Fetcher) pollLoop(ctx context.Context) error {
	view := newFeedView()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return view.watch(ctx, f.feeds, f.deps.Log) })
	g.Go(func() error {
		timer := time.NewTimer(maxPollWait)
		defer timer.Stop()
		for {
			f.pollDue(ctx, view)
			wait := maxPollWait
			switch due, next := view.due(time.Now()); {
			case len(due) > 0: // fell due while the others were polled
				wait = 0
			case !next.IsZero():
				wait = min(time.Until(next), maxPollWait)
			}
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return nil
			case <-view.changed:
			case <-timer.C:
			}
		}
	})
	return g.Wait()
}

// retryWait is how long a due feed this replica could not poll is left
// alone: another replica may be polling it, or NATS may be away.
func (f *Fetcher) retryWait() time.Duration {
	return max(min(f.cfg.MinInterval/4, 5*time.Second), 100*time.Millisecond)
}

func (f *Fetcher) pollDue(ctx context.Context, view *feedView) {
	due, _ := view.due(time.Now())
	for _, key := range due {
		if ctx.Err() != nil {
			return
		}
		// One replica polls a feed at a time: the claim is a KV create, which
		// fails while another replica holds it; the bucket's TTL frees the
		// claim of a replica that died mid-poll.
		rev, err := f.claims.Create(ctx, key, f.owner)
		if err != nil {
			view.later(key, time.Now().Add(f.retryWait()))
			continue
		}
		pollCtx, cancelPoll := context.WithTimeout(ctx, f.claimTTL*3/4)
		st, stRev, err := f.pollClaimed(pollCtx, key)
		cancelPoll()
		if err != nil {
			view.later(key, time.Now().Add(f.retryWait()))
		} else {
			// The watch brings the same state too; recording it now keeps the
			// loop from taking the feed for due again in the meantime.
			view.set(key, viewEntry{st: st, rev: stRev})
		}
		release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		// Delete only our own claim: if it expired and another replica took
		// the feed, its claim stays.
		if err := f.claims.Delete(release, key, jetstream.LastRevision(rev)); err != nil && !events.IsKVConflict(err) {
			f.deps.Log.Warn("release claim", "feed", urls.Redact(cmp.Or(st.URL, key)), "err", err)
		}
		cancel()
	}
}

// pollClaimed polls one feed this replica has claimed. The state is read
// again under the claim, so a poll another replica just finished is not
// repeated. It returns the feed's state as saved (or as read, when the feed
// was not due after all) with its revision.
func (f *Fetcher) pollClaimed(ctx context.Context, key string) (FeedState, uint64, error) {
	st, rev, err := getFeed(ctx, f.feeds, key)
	if err != nil || time.Now().Before(st.NextPoll) {
		return st, rev, err
	}
	log := f.deps.Log.With("feed", urls.Redact(st.URL))
	ctx, span := obs.StartSpan(ctx, "fetcher", "poll feed", trace.WithAttributes(attribute.String("url.full", st.URL)))
	defer span.End()
	now := time.Now().UTC()
	st.LastPoll = now
	res, pollErr := f.poll(ctx, &st)
	if pollErr != nil {
		st.failed(now, pollErr)
		// Doubles from twice the minimum interval: the n-th failure in a row waits up to MinInterval·2ⁿ.
		wait := backoff.Policy{Base: 2 * f.cfg.MinInterval, Max: f.cfg.MaxBackoff}.Delay(st.Errors - 1)
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
	rev, err = putFeed(ctx, f.feeds, key, st, rev)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("save feed state", "err", err)
		}
		return st, 0, err
	}
	return st, rev, nil
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
	site := f.sites.of(urlHost(st.URL))
	start := time.Now()
	resp, err := f.client.Get(ctx, web.Request{
		URL: st.URL, ETag: st.ETag, LastModified: st.LastModified,
		Accept: "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.3",
	})
	fetchSeconds.WithLabelValues("feed", site).Observe(time.Since(start).Seconds())
	defer resp.Release() // the parsed feed holds copies: the buffer serves the next fetch
	if resp != nil {
		res.maxAge, res.retryAfter = resp.MaxAge, resp.RetryAfter
		if resp.Status == http.StatusServiceUnavailable || resp.Status == http.StatusTooManyRequests {
			res.retryAfter = max(res.retryAfter, f.cfg.MinInterval)
		}
	}
	if errors.Is(err, web.ErrNotModified) {
		feedPolls.WithLabelValues(site, "not_modified").Inc()
		res.notMod = true
		return res, nil
	}
	if err != nil {
		feedPolls.WithLabelValues(site, web.Kind(err)).Inc()
		return res, err
	}
	fetchedBytes.WithLabelValues("feed", site).Add(float64(len(resp.Body)))
	feed, err := feeds.Parse(resp.Body, resp.FinalURL, resp.ContentType)
	if errors.Is(err, feeds.ErrNotFeed) {
		feed, err = f.fromPage(ctx, st, resp)
	}
	if err != nil {
		feedPolls.WithLabelValues(site, "parse").Inc()
		return res, fmt.Errorf("parse %s: %w", urls.Redact(st.URL), err)
	}
	feedPolls.WithLabelValues(site, "ok").Inc()
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
		feed, err := feeds.Parse(resp.Body, resp.FinalURL, resp.ContentType)
		final := resp.FinalURL
		resp.Release()
		if err == nil && (len(feed.Items) > 0 || len(feed.Sitemaps) > 0) {
			return []string{final}
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
	if f.recent.has(key, time.Now()) {
		return false, nil
	}
	if _, err := f.seen.Get(ctx, key); err == nil {
		f.recent.add(key, time.Now())
		return false, nil
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, fmt.Errorf("seen lookup: %w", err)
	}
	// The feed's password stays with the feed: source_feed travels in
	// every event and reaches the API.
	job := Job{URL: it.URL, SourceFeed: urls.Redact(feedURL), Title: it.Title, Published: it.Published,
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
		return false, fmt.Errorf("queue %s: %w", urls.Redact(it.URL), err)
	}
	if _, err := f.seen.Put(ctx, key, []byte(canon)); err != nil {
		return false, fmt.Errorf("mark seen %s: %w", urls.Redact(it.URL), err)
	}
	f.recent.add(key, time.Now())
	queued.Inc()
	return true, nil
}
