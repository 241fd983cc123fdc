package fetcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/extract/trim"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/router"
	"github.com/newsflow/newsflow/pkg/urls"
	"github.com/newsflow/newsflow/services/fetcher/internal/web"
)

// HandleJob fetches one page — robots.txt permitting, within the host's
// limits — and publishes it to NEWSFLOW_RAW.
func (f *Fetcher) HandleJob(ctx context.Context, m jetstream.Msg) error {
	var job Job
	if err := json.Unmarshal(m.Data(), &job); err != nil || job.URL == "" {
		return router.Permanent(fmt.Errorf("bad fetch job: %v", err))
	}
	u, err := url.Parse(job.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return router.Permanent(fmt.Errorf("bad job url %q", job.URL))
	}
	host := u.Host
	site := f.sites.of(host)
	log := f.deps.Log.With("url", urls.Redact(job.URL), "article_id", jobArticleID(job.URL))

	delay := f.cfg.HostDelay
	if !f.cfg.IgnoreRobots {
		rules, err := f.robots.rules(ctx, u)
		if err != nil {
			pageFetches.WithLabelValues(site, "robots_unavailable").Inc()
			if errors.Is(err, web.ErrPrivateAddress) {
				return router.Permanent(err)
			}
			return err
		}
		if !rules.Allowed(u.EscapedPath() + queryOf(u)) {
			// Not an error: the site asked not to be fetched there. The job is
			// done, and the count shows it.
			pageFetches.WithLabelValues(site, "robots_disallowed").Inc()
			log.Info("robots.txt disallows page")
			return nil
		}
		delay = max(delay, min(rules.CrawlDelay, f.cfg.MaxCrawlDelay))
	}

	key := hostKey(u)
	var lease *slotLease
	if !f.hosts.local.enter(key, f.hosts.perHost) {
		// This replica's own workers hold or wait for every slot of the
		// host: wait for one of them without holding a worker, or, when
		// enough jobs wait already, take the job up again later.
		if lease, err = f.waitForHost(ctx, key); err != nil {
			retry := f.hosts.retryIn(key)
			if errors.Is(err, router.ErrStopping) {
				retry = 0 // this replica is stopping: another takes the job now
			}
			return router.Defer(slotsInUse(host), retry)
		}
	}
	// The job's time runs from here: time spent parked does not count.
	ctx, cancel := context.WithTimeout(ctx, f.cfg.jobTimeout())
	defer cancel()
	busy := f.hosts.busyFor(ctx, key)
	if busy > deferBeyond {
		f.hosts.leave(key, 0, lease)
		return router.Defer(fmt.Errorf("%w: %s for %v", ErrHostBusy, host, busy.Round(time.Second)), busy)
	}
	release, err := f.hosts.acquire(ctx, key, delay, busy, lease)
	if errors.Is(err, errNoSlot) {
		// Another replica holds every slot of the host: take another host's
		// job meanwhile rather than hold this worker; waiting is no failure.
		return router.Defer(slotsInUse(host), slotRetry.Delay(0))
	}
	if err != nil {
		return fmt.Errorf("host slot for %s: %w", host, err)
	}
	defer release() // a lease is renewed until released: released even if the fetch panics
	start := time.Now()
	resp, err := f.client.Get(ctx, web.Request{URL: job.URL, Accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
		ContentTypes: []string{"text/html", "application/xhtml+xml", "text/plain"}})
	fetchSeconds.WithLabelValues("page", site).Observe(time.Since(start).Seconds())
	retryAfter := err != nil && resp != nil && resp.RetryAfter > 0
	if retryAfter {
		// Slow the whole host down, on every replica, not just this page;
		// booked before the slot goes, or the job of this replica waiting
		// for it looks at the host's next start before the pause is there,
		// and fetches at once.
		if _, rerr := f.hosts.reserve(ctx, key, delay, resp.RetryAfter); rerr != nil {
			log.Warn("push back host", "err", rerr)
		}
	}
	release()
	if err != nil {
		resp.Release()
		pageFetches.WithLabelValues(site, web.Kind(err)).Inc()
		if retryAfter {
			return router.RetryAfter(err, resp.RetryAfter)
		}
		if permanentFetchError(resp, err) {
			return router.Permanent(err)
		}
		return err
	}
	// Publishing copies the message (a small page's body included) onto the
	// connection: once it returns, the body's buffer serves the next fetch.
	defer resp.Release()
	pageFetches.WithLabelValues(site, "ok").Inc()
	fetchedBytes.WithLabelValues("page", site).Add(float64(len(resp.Body)))
	if !f.cfg.WholePages && (resp.ContentType == "text/html" || resp.ContentType == "application/xhtml+xml") {
		// In place: the body's buffer is this job's until Release.
		n := len(resp.Body)
		resp.Body = trim.Page(resp.Body)
		trimmedBytes.WithLabelValues(site).Add(float64(n - len(resp.Body)))
	}

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
	msg, err := page.Msg(f.deps.Source)
	if err != nil {
		return router.Permanent(err)
	}
	obs.InjectTrace(ctx, msg.Header)
	if _, err := events.PublishLarge(ctx, f.deps.JS, msg, f.deps.NC.MaxPayload()); err != nil {
		return fmt.Errorf("publish page %s: %w", urls.Redact(job.URL), err)
	}
	published.Inc()
	log.Debug("page fetched", "final_url", urls.Redact(resp.FinalURL), "bytes", len(page.Body), obs.TraceID(ctx))
	return nil
}

// slotsInUse is the deferral of a job whose host has no slot free.
func slotsInUse(host string) error {
	return fmt.Errorf("%w: every slot of %s is in use", ErrHostBusy, host)
}

// waitForHost parks the job (router.Park) until a worker of this replica
// leaves host, and enters it for the job, with the slot lease that worker
// handed over, if any.
func (f *Fetcher) waitForHost(ctx context.Context, host string) (*slotLease, error) {
	wait, resume, ok := router.Park(ctx)
	if !ok {
		return nil, errNoSlot
	}
	// Turns are handed over in order, so this ends only if the host's own
	// fetches stall past their timeouts.
	wait, cancel := context.WithTimeout(wait, f.cfg.jobTimeout())
	defer cancel()
	lease, werr := f.hosts.local.wait(wait, host, f.hosts.perHost)
	if err := resume(); err != nil {
		if werr == nil {
			f.hosts.leave(host, 0, lease)
		}
		return nil, err
	}
	return lease, werr
}

// jobArticleID is the id the article will have if the page names no other
// canonical URL; it ties the fetcher's log lines to the article's.
func jobArticleID(raw string) string {
	c, err := urls.Canonical(raw)
	if err != nil {
		return ""
	}
	return events.ArticleID(c)
}

func queryOf(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	return "?" + u.RawQuery
}

func urlHost(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Host
}

func urlPath(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
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
