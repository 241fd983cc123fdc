package fetcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
// limits together. A slot is a lease its holder renews (take, renew), so the
// slot of a replica that died frees within seconds; the pauses keep long
// enough for the longest Retry-After honoured.
type hostGate struct {
	kv      jetstream.KeyValue // slots, with a short TTL
	pauses  jetstream.KeyValue // next start times, kept as long as the longest pause
	perHost int
	delay   time.Duration
	owner   []byte
	lease   time.Duration // slot lease; 0: leaseTTL

	local localHosts // this replica's own use of each host
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

// errNoSlot means every slot of a host stayed busy for slotWait, or this
// replica's own workers hold or wait for all of them.
var errNoSlot = errors.New("no free host slot")

// slotWait is how long acquire waits for a busy host's slot before the job
// is deferred; slotRetry spaces the deferred job's return.
const slotWait = 2 * time.Second

var slotRetry = backoff.Policy{Base: 2 * time.Second, Max: 2 * time.Second}

// retryIn is when a job turned away from host (errNoSlot) should come back:
// in its turn behind the host's other turned-away jobs, when this replica
// has measured its slot holds there (bookReturn), so a fast host's jobs do
// not idle 2 s (the last jobs of a run did, for up to 4 s); otherwise
// slotRetry.
func (g *hostGate) retryIn(host string) time.Duration {
	d, ok := g.local.bookReturn(host, g.perHost, time.Now(), maxSlotReturn)
	if !ok {
		return slotRetry.Delay(0)
	}
	return max(d, minSlotRetry)
}

// A turned-away job waits at least minSlotRetry (each return costs a
// redelivery) and at most maxSlotReturn, however long the host's queue.
// The queue bookReturn counts is this replica's: where several replicas
// turn away jobs of one host, each books as if it alone served the host,
// and their returns outrun it, are turned away again and book further out.
// So the last job of a host can come back up to maxSlotReturn after the
// host drained, while nothing else is left (with 30 s, a fault run's last
// article waited 31 s).
const (
	minSlotRetry  = 10 * time.Millisecond
	maxSlotReturn = 8 * time.Second
)

// acquire waits (up to slotWait, then errNoSlot) for a slot and then for the
// host's next start time; the caller must call release when the fetch is done.
// busy is what busyFor said just before: with no delay to book, acquire
// waits that out instead of booking the next start (two KV round trips less
// per page for sources fetched without a delay). lease is the slot a job
// of this replica handed over with its place (wait), or nil.
//
// The caller has entered host in g.local (enter or wait); acquire leaves it
// on failure, release on success.
func (g *hostGate) acquire(ctx context.Context, host string, delay, busy time.Duration, lease *slotLease) (release func(), err error) {
	held := lease
	if held != nil && held.lost() {
		// Taken over by another replica after it lapsed: no slot to fetch
		// on. Take one afresh, as a job with no lease does.
		held.release()
		held = nil
	}
	acquired := false
	defer func() {
		// On a panic too: a lease outlives the job's context, and only
		// its release stops its renewals.
		if !acquired {
			g.leave(host, 0, held)
		}
	}()
	giveUp := time.Now().Add(slotWait)
	for attempt := 0; held == nil; attempt++ {
		if attempt > 0 && time.Now().After(giveUp) {
			return nil, errNoSlot
		}
		for i := range g.perHost {
			l, err := g.take(ctx, host+".slot."+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			if l != nil {
				held = l
				break
			}
		}
		if held == nil {
			if err := sleep(ctx, slotBackoff.Delay(attempt)); err != nil {
				return nil, err
			}
		}
	}
	heldSince := time.Now()
	var once sync.Once
	release = func() { once.Do(func() { g.leave(host, time.Since(heldSince), held) }) }
	start := time.Now().Add(busy)
	if delay = max(delay, g.delay); delay > 0 {
		if start, err = g.reserve(ctx, host, delay, 0); err != nil {
			return nil, err
		}
	}
	if err := sleep(ctx, time.Until(start)); err != nil {
		return nil, err
	}
	acquired = true
	return release, nil
}

// leave counts a worker out of host. The slot lease it held goes to the
// next job of this replica waiting for the host, so a run of one host's jobs
// keeps its slots rather than giving each back to the bucket and taking it
// again (two KV round trips per page); with no job waiting it is released.
func (g *hostGate) leave(host string, held time.Duration, lease *slotLease) {
	if lease != nil && !g.local.waiting(host) {
		lease.release() // first, so that a job entering next finds the slot free
		lease = nil
	}
	if !g.local.leave(host, held, lease) && lease != nil {
		lease.release() // the job waiting gave up meanwhile
	}
}

// A slot is a lease: its value is the instant it lapses and its holder. The
// holder renews it while the fetch runs; a replica that dies stops renewing,
// and another takes the slot over (compare-and-set on the lapsed value)
// within leaseTTL, not after the bucket's TTL of minutes.
//
// Until then the dead replica's hosts fetch on fewer slots — none, when it
// held all of a host's — and every job for them costs a worker slotWait:
// with a 15 s lease the fault suite measured the site-wide fetch rate at a
// tenth of normal for 14 s after a fetcher was killed. Renewed every
// leaseTTL/3, a 5 s lease outlives a NATS restart of a few seconds (a lease
// that lapses meanwhile can be taken over: a host may then see one fetch
// more than its limit, once).
const leaseTTL = 5 * time.Second

type slotLease struct {
	stop  chan struct{}
	done  chan struct{}
	until atomic.Int64 // when the lease lapses unless renewed (unix ns)
}

// lost says whether the slot is no longer the holder's: its renewer found
// it taken over, or renewals have not got through for a whole lease. A
// lease handed from job to job is checked before each fetch, or a replica
// whose lease lapsed would keep fetching on it, beside the replica that
// took the slot over, for as long as its run of the host lasted.
func (l *slotLease) lost() bool {
	return isClosed(l.done) || time.Now().UnixNano() > l.until.Load()
}

func (l *slotLease) release() {
	close(l.stop)
	<-l.done
}

func (g *hostGate) ttl() time.Duration { return cmp.Or(g.lease, leaseTTL) }

// leaseUntil is a lease's value and the instant it lapses.
func (g *hostGate) leaseUntil() ([]byte, int64) {
	until := time.Now().Add(g.ttl()).UnixNano()
	return fmt.Appendf(nil, "%d %s", until, g.owner), until
}

// lapsed says whether a slot's value is a lease that ran out. A value of
// another form (a replica of an older version) is held until the bucket's TTL.
func lapsed(v []byte, now time.Time) bool {
	n, _, ok := strings.Cut(string(v), " ")
	if !ok {
		return false
	}
	until, err := strconv.ParseInt(n, 10, 64)
	return err == nil && now.UnixNano() > until
}

// take tries to lease key: free, or lapsed. It returns nil, nil when another
// replica holds it.
func (g *hostGate) take(ctx context.Context, key string) (*slotLease, error) {
	value, until := g.leaseUntil()
	rev, err := g.kv.Create(ctx, key, value)
	if err != nil && events.IsKVConflict(err) {
		var e jetstream.KeyValueEntry
		e, err = g.kv.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			return nil, nil // released meanwhile: the next round creates it
		case err != nil:
		case !lapsed(e.Value(), time.Now()):
			return nil, nil
		default:
			rev, err = g.kv.Update(ctx, key, value, e.Revision())
			if err != nil && events.IsKVConflict(err) {
				return nil, nil // another replica took it over first
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("host slot %s: %w", key, err)
	}
	l := &slotLease{stop: make(chan struct{}), done: make(chan struct{})}
	l.until.Store(until)
	// The lease outlives the job that took it when it is handed over; its
	// last holder releases it.
	go g.renew(context.WithoutCancel(ctx), key, rev, l)
	return l, nil
}

// renew keeps the lease on key until it is released, then frees it. (A
// replica that dies does neither: its lease lapses.)
func (g *hostGate) renew(ctx context.Context, key string, rev uint64, l *slotLease) {
	defer close(l.done)
	t := time.NewTicker(g.ttl() / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
		case <-t.C:
			value, until := g.leaseUntil()
			next, err := g.kv.Update(ctx, key, value, rev)
			if err != nil {
				if events.IsKVConflict(err) {
					return // lapsed and taken over: nothing left to renew or free
				}
				continue // NATS unreachable for now: try again next tick
			}
			rev = next
			l.until.Store(until)
			continue
		}
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		// Only our own lease: a slot taken over after a lapse is not ours to free.
		_ = g.kv.Delete(dctx, key, jetstream.LastRevision(rev))
		cancel()
		return
	}
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
	defer resp.Release() // the rules hold copies
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
