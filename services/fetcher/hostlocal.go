package fetcher

import (
	"context"
	"sync"
	"time"
)

// localHosts is one replica's own use of each host: how many of its workers
// hold or wait for the host's slots, the jobs waiting their turn, and how
// long its recent slot holds lasted. The shared limits live in the KV
// buckets (hostGate); this only saves a worker from queueing behind its own
// replica's, and the slot's lease from going back to the bucket while a job
// of this replica waits for it.
type localHosts struct {
	mu      sync.Mutex
	in      map[string]int           // workers holding or waiting for a slot
	queue   map[string][]*turn       // waiting jobs, first come first served
	holds   map[string]time.Duration // moving average of a slot hold
	returns map[string]time.Time     // the latest return booked for a turned-away job
}

// maxHoldsKept bounds holds and returns: a fetcher polling many feeds meets
// many hosts, and both only matter while a run of one host's jobs lasts.
const maxHoldsKept = 4096

// enter counts a worker in for host's slots, unless as many as the host has
// slots are in already or jobs wait their turn: then no slot can come free
// for this one sooner than for them, and the worker is better spent on
// another host's job at once than waiting slotWait (jobs arrive in runs of
// one feed's host).
func (l *localHosts) enter(host string, slots int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.enterLocked(host, slots)
}

func (l *localHosts) enterLocked(host string, slots int) bool {
	if l.in[host] >= slots || len(l.queue[host]) > 0 {
		return false
	}
	if l.in == nil {
		l.in = make(map[string]int)
	}
	l.in[host]++
	return true
}

// A turn is a queued job's place: given when a worker leaves the host, with
// the slot lease that worker held, if any.
type turn struct {
	given chan struct{}
	lease *slotLease
}

// wait enters host as enter does or, when it is full, queues for the place
// of the next worker to leave (handed over in order, so a job that arrives
// later cannot take it first), until ctx ends. The place may come with the
// leaving worker's slot lease, which is then the caller's to use or pass on.
func (l *localHosts) wait(ctx context.Context, host string, slots int) (*slotLease, error) {
	l.mu.Lock()
	if l.enterLocked(host, slots) {
		l.mu.Unlock()
		return nil, nil
	}
	if l.queue == nil {
		l.queue = make(map[string][]*turn)
	}
	t := &turn{given: make(chan struct{})}
	l.queue[host] = append(l.queue[host], t)
	l.mu.Unlock()
	select {
	case <-t.given:
		return t.lease, nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queue[host]
	for i, c := range q {
		if c == t {
			l.setQueue(host, append(q[:i:i], q[i+1:]...))
			return nil, ctx.Err()
		}
	}
	// The place was handed over as ctx ended: it is the caller's all the same.
	return t.lease, nil
}

// waiting says whether jobs wait their turn for host.
func (l *localHosts) waiting(host string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue[host]) > 0
}

func (l *localHosts) setQueue(host string, q []*turn) {
	if len(q) == 0 {
		delete(l.queue, host)
		return
	}
	l.queue[host] = q
}

// leave counts a worker out, handing its place to the first job waiting for
// the host if any, along with lease, the slot it held (nil: none); held is
// how long it held a slot (0: it got none). It reports whether a job took
// the lease: if not, the caller releases it.
func (l *localHosts) leave(host string, held time.Duration, lease *slotLease) (handed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if q := l.queue[host]; len(q) > 0 {
		q[0].lease = lease
		close(q[0].given)
		l.setQueue(host, q[1:])
		handed = true
	} else if l.in[host] <= 1 {
		delete(l.in, host)
	} else {
		l.in[host]--
	}
	if held <= 0 {
		return handed
	}
	if l.holds == nil || len(l.holds) >= maxHoldsKept {
		l.holds = make(map[string]time.Duration)
	}
	if prev, ok := l.holds[host]; ok {
		held = (4*prev + held) / 5
	}
	l.holds[host] = held
	return handed
}

// hold is the moving average of this replica's slot holds on host, 0 when
// it has none.
func (l *localHosts) hold(host string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holds[host]
}

// bookReturn is how long a job turned away from host should wait to come
// back: behind the jobs turned away before it, one slot hold apart per
// slot, as the host's slots would serve them. Jobs arrive in runs of one
// feed's host; sent back all after the same wait, a run's jobs came back
// together and most were turned away again (4.4 times per page fetched).
// ok is false when this replica has no hold measured for the host.
func (l *localHosts) bookReturn(host string, slots int, now time.Time, most time.Duration) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hold := l.holds[host]
	if hold <= 0 {
		return 0, false
	}
	wait = hold
	if last := l.returns[host]; last.After(now) {
		wait = max(wait, last.Sub(now)+hold/time.Duration(max(slots, 1)))
	}
	wait = min(wait, most)
	if l.returns == nil || len(l.returns) >= maxHoldsKept {
		l.returns = make(map[string]time.Time)
	}
	l.returns[host] = now.Add(wait)
	return wait, true
}
