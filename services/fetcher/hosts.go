package fetcher

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/backoff"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/services/fetcher/internal/robots"
	"github.com/newsflow/newsflow/services/fetcher/internal/web"
)

// hostGate enforces per-host politeness across every fetcher replica through
// two KV buckets:
//
//	newsflow_hosts   <site>.slot.<i>  a fetch in progress (at most perHost at once)
//	newsflow_pauses  <site>.next      the earliest start of the next fetch (min delay, crawl-delay, Retry-After)
//
// Both are taken with KV create/compare-and-set, so replicas never exceed the
// limits together. The slots' short TTL frees the slot of a replica that
// died; the pauses keep long enough for the longest Retry-After honoured.
type hostGate struct {
	kv      jetstream.KeyValue // slots, with a short TTL
	pauses  jetstream.KeyValue // next start times, kept as long as the longest pause
	perHost int
	delay   time.Duration
	owner   []byte
}

// hostKey is the politeness key of a URL's host; the port counts, since two
// ports are two servers.
func hostKey(u *url.URL) string { return events.SiteToken(u.Host) + "_" + u.Port() }

// ErrHostBusy means a host's next fetch is booked too far ahead to wait for
// inside one job: the job is deferred, so it neither holds a worker nor uses
// up a delivery.
var ErrHostBusy = errors.New("fetcher: host busy, job deferred")

// deferBeyond is the longest wait for a host a job spends inside its handler.
const deferBeyond = 5 * time.Second

// busyFor is how long until host's next booked start (0 when free now).
func (g *hostGate) busyFor(ctx context.Context, host string) time.Duration {
	e, err := g.pauses.Get(ctx, host+".next")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(string(e.Value()), 10, 64)
	if err != nil {
		return 0
	}
	return max(time.Until(time.Unix(0, n)), 0)
}

// acquire waits for a slot and for the host's next start time; the caller
// must call release when the fetch is done.
func (g *hostGate) acquire(ctx context.Context, host string, delay time.Duration) (release func(), err error) {
	slot := ""
	for attempt := 0; slot == ""; attempt++ {
		for i := range g.perHost {
			key := host + ".slot." + strconv.Itoa(i)
			if _, err := g.kv.Create(ctx, key, g.owner); err == nil {
				slot = key
				break
			} else if !isKVConflict(err) {
				return nil, fmt.Errorf("host slot %s: %w", key, err)
			}
		}
		if slot == "" {
			if err := sleep(ctx, slotBackoff.Delay(attempt)); err != nil {
				return nil, err
			}
		}
	}
	release = func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = g.kv.Delete(ctx, slot)
	}
	start, err := g.reserve(ctx, host, max(delay, g.delay), 0)
	if err != nil {
		release()
		return nil, err
	}
	if err := sleep(ctx, time.Until(start)); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// reserve books the host's next start: max(now, next), then pushes next by
// delay (and by extra, for a Retry-After). It returns the booked start.
func (g *hostGate) reserve(ctx context.Context, host string, delay, extra time.Duration) (time.Time, error) {
	key := host + ".next"
	for attempt := 0; ; attempt++ {
		now := time.Now()
		start := now
		e, err := g.pauses.Get(ctx, key)
		var rev uint64
		switch {
		case err == nil:
			rev = e.Revision()
			if n, perr := strconv.ParseInt(string(e.Value()), 10, 64); perr == nil {
				if t := time.Unix(0, n); t.After(start) {
					start = t
				}
			}
		case errors.Is(err, jetstream.ErrKeyNotFound):
		default:
			return time.Time{}, fmt.Errorf("host next %s: %w", key, err)
		}
		next := []byte(strconv.FormatInt(start.Add(delay+extra).UnixNano(), 10))
		if rev == 0 {
			_, err = g.pauses.Create(ctx, key, next)
		} else {
			_, err = g.pauses.Update(ctx, key, next, rev)
		}
		if err == nil {
			return start, nil
		}
		if ctx.Err() != nil {
			return time.Time{}, ctx.Err()
		}
		// Another replica booked first: read again.
		if err := sleep(ctx, bookBackoff.Delay(attempt)); err != nil {
			return time.Time{}, err
		}
	}
}

// Waits between tries for a host slot, and between lost races to book a
// host's next start; jittered so the replicas that collided spread out.
var (
	slotBackoff = backoff.Policy{Base: 50 * time.Millisecond, Max: 800 * time.Millisecond}
	bookBackoff = backoff.Policy{Base: 5 * time.Millisecond, Max: 80 * time.Millisecond}
)

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// robotsCache fetches and keeps each host's robots.txt for this replica.
type robotsCache struct {
	client *web.Client
	agent  string
	ttl    time.Duration
	mu     sync.Mutex
	hosts  map[string]*robotsEntry
}

type robotsEntry struct {
	ready   chan struct{}
	rules   *robots.Rules
	expires time.Time
	err     error // set when robots.txt could not be read: retry the page later
}

// rules returns the robots rules of u's host, fetching robots.txt once per
// TTL; concurrent callers for one host share the fetch. A 4xx means no rules.
// A 5xx or an unreachable server means "disallow all for now" (RFC 9309): the
// error says so, and the page is retried later rather than dropped.
func (c *robotsCache) rules(ctx context.Context, u *url.URL) (*robots.Rules, error) {
	origin := u.Scheme + "://" + u.Host
	c.mu.Lock()
	e, ok := c.hosts[origin]
	// expires is written by the fetching goroutine before it closes ready:
	// read it only once ready is closed.
	if ok && isClosed(e.ready) && time.Now().After(e.expires) {
		ok = false
	}
	if !ok {
		e = &robotsEntry{ready: make(chan struct{})}
		c.hosts[origin] = e
		if len(c.hosts) > 50000 {
			for k, v := range c.hosts {
				if isClosed(v.ready) && time.Now().After(v.expires) {
					delete(c.hosts, k)
				}
			}
		}
		c.mu.Unlock()
		// The fetch is shared: the first caller's cancellation must not make
		// robots.txt look unavailable to everyone else.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		e.rules, e.expires, e.err = c.fetch(fctx, origin)
		cancel()
		close(e.ready)
		return e.rules, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.ready:
		return e.rules, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *robotsCache) fetch(ctx context.Context, origin string) (*robots.Rules, time.Time, error) {
	resp, err := c.client.Get(ctx, web.Request{URL: origin + "/robots.txt", Accept: "text/plain"})
	now := time.Now()
	switch {
	case err == nil:
		return robots.Parse(resp.Body, c.agent), now.Add(c.ttl), nil
	case resp != nil && resp.Status >= 400 && resp.Status < 500 && resp.Status != http.StatusTooManyRequests:
		return robots.AllowAll, now.Add(c.ttl), nil
	case errors.Is(err, web.ErrTooLarge), errors.Is(err, web.ErrContentType):
		return robots.AllowAll, now.Add(c.ttl), nil
	default:
		return robots.DisallowAll, now.Add(time.Minute), fmt.Errorf("robots.txt of %s unavailable: %w", origin, err)
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
