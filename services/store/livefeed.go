package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
)

// liveFeed is the one ordered consumer a store process follows the live end
// of NEWSFLOW_ARTICLES with, for every /v1/stream client that is there, so
// that NATS delivers each event to a store once rather than once per client.
// It starts with its first client and stops when its last leaves (or the
// store stops). Each client filters the shared events itself, from a bounded
// buffer of its own: one that falls behind by a whole buffer is dropped
// rather than holding the others back, and goes on from a consumer of its
// own until it can join again (stream).
type liveFeed struct {
	s      *Store
	buffer int // events a client may fall behind by

	mu     sync.Mutex
	run    *feedRun // the running consumer; nil while no client follows
	closed bool     // the store is stopping: no new run
	runs   sync.WaitGroup
}

// feedRun is one start of the feed's consumer, with the clients following it.
type feedRun struct {
	f    *follower
	subs map[*feedSub]struct{}
	last uint64 // the sequence of the last event handed out (at start: the stream's last)
}

// feedSub is one client's place on the feed.
type feedSub struct {
	run    *feedRun
	from   uint64          // the client gets every event after this sequence
	events chan *feedEvent // the events after from, in order
	ended  chan struct{}   // closed when the feed dropped the client
	// overflowed says why ended was closed: the client fell a buffer
	// behind (else the feed's consumer failed, or the store is stopping).
	// Written before ended is closed, read after.
	overflowed bool
	// replaying: the client is still catching up on a consumer of its own,
	// and loses only its place on the feed by falling behind (guarded by
	// the feed's mu).
	replaying bool
}

func newLiveFeed(s *Store, buffer int) *liveFeed { return &liveFeed{s: s, buffer: buffer} }

// errFeedClosed is join's answer once the store is stopping.
var errFeedClosed = errors.New("the live feed is closed: the store is stopping")

// join adds a client to the feed, starting the feed's consumer if it is the
// first. The client gets every event after sub.from, exactly once, until
// sub.ended is closed; it must call leave. A client still replaying says so,
// and calls caughtUp once it takes its events from the feed.
func (lf *liveFeed) join(ctx context.Context, replaying bool) (*feedSub, error) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if lf.closed {
		return nil, errFeedClosed
	}
	if lf.run == nil {
		r, err := lf.start(ctx)
		if err != nil {
			return nil, err
		}
		lf.run = r
	}
	sub := &feedSub{run: lf.run, from: lf.run.last, events: make(chan *feedEvent, lf.buffer), ended: make(chan struct{}), replaying: replaying}
	lf.run.subs[sub] = struct{}{}
	return sub, nil
}

// start starts a run at the stream's end. The caller holds lf.mu: clients
// joining meanwhile wait for this consumer rather than starting their own.
func (lf *liveFeed) start(ctx context.Context) (*feedRun, error) {
	s := lf.s
	// "New" as a sequence, so that the clients' positions are exact.
	last, err := s.lastSeq(ctx)
	if err != nil {
		return nil, fmt.Errorf("live feed: %w", err)
	}
	r := &feedRun{subs: map[*feedSub]struct{}{}, last: last}
	cfg := jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: r.last + 1,
		InactiveThreshold: 30 * time.Second,
	}
	// The run's buffer only bridges the fan-out; the clients' buffers
	// absorb their own slowness.
	r.f, err = s.follow(ctx, cfg, 64, func(_ context.Context, ev *feedEvent) bool { lf.fanOut(r, ev); return true }, func(error) { lf.ended(r) })
	if err != nil {
		return nil, fmt.Errorf("live feed: %w", err)
	}
	lf.runs.Add(1)
	go func() {
		defer lf.runs.Done()
		<-r.f.done
	}()
	return r, nil
}

// lastSeq is the sequence of the last event NEWSFLOW_ARTICLES has had.
func (s *Store) lastSeq(ctx context.Context) (uint64, error) {
	// Looking the stream up fetches its info: no second request.
	st, err := s.deps.JS.Stream(ctx, events.StreamArticles)
	if err != nil {
		return 0, fmt.Errorf("stream info: %w", err)
	}
	return st.CachedInfo().State.LastSeq, nil
}

// fanOut hands ev to every client of r; one whose buffer is full is dropped.
func (lf *liveFeed) fanOut(r *feedRun, ev *feedEvent) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	r.last = ev.seq
	for sub := range r.subs {
		select {
		case sub.events <- ev:
		default:
			if !sub.replaying {
				sseOverflows.Inc()
			}
			sub.overflowed = true
			delete(r.subs, sub)
			close(sub.ended)
		}
	}
}

// ended drops every client of r, whose consumer stopped (on its own: its
// clients reconnect and resume; or because it was stopped: none are left).
func (lf *liveFeed) ended(r *feedRun) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if lf.run == r {
		lf.run = nil
	}
	for sub := range r.subs {
		delete(r.subs, sub)
		close(sub.ended)
	}
}

// caughtUp notes that sub's client now takes its events from the feed; false
// if the feed has dropped it meanwhile (sub.ended is closed).
func (lf *liveFeed) caughtUp(sub *feedSub) bool {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if _, ok := sub.run.subs[sub]; !ok {
		return false
	}
	sub.replaying = false
	return true
}

// leave takes sub off the feed, and stops the feed's consumer if sub was
// its last client.
func (lf *liveFeed) leave(sub *feedSub) {
	lf.mu.Lock()
	r := sub.run
	if _, ok := r.subs[sub]; ok {
		delete(r.subs, sub)
		close(sub.ended)
	}
	stop := lf.run == r && len(r.subs) == 0
	if stop {
		lf.run = nil
	}
	lf.mu.Unlock()
	if stop {
		// Outside the lock: the consumer's goroutine takes it to fan out.
		r.f.stop()
	}
}

// close stops the feed for good and waits for its consumer to be gone.
func (lf *liveFeed) close() {
	lf.mu.Lock()
	lf.closed = true
	r := lf.run
	lf.run = nil
	lf.mu.Unlock()
	if r != nil {
		r.f.stop()
	}
	lf.runs.Wait()
}

// liveBuffer is how many events a client of the live feed may fall behind
// by: a few seconds of a busy stream, while its writes wait on the network.
const liveBuffer = 512
