package fetcher

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/backoff"
)

// feedView is this replica's copy of the feed registry, kept current by a
// watch on the KV bucket. The poll loop finds due feeds in it instead of
// listing the bucket and reading every feed each few seconds, so a replica
// reads only the feeds it polls, and a feed added, changed or removed
// (by any replica, the API or the CLI) is seen at once.
type feedView struct {
	mu    sync.Mutex
	feeds map[string]viewEntry
	// changed holds a token once the view changed: the poll loop waits on it.
	changed chan struct{}
}

type viewEntry struct {
	st  FeedState
	rev uint64
	// gone marks a removed feed (or a value that is no feed), kept so that an
	// older revision arriving late cannot bring it back.
	gone bool
	// retryAt holds off a due feed this replica could not poll (another
	// replica has it claimed, or NATS failed) for a short while.
	retryAt time.Time
}

func newFeedView() *feedView {
	return &feedView{feeds: map[string]viewEntry{}, changed: make(chan struct{}, 1)}
}

// set records a feed's state at revision rev, unless a newer one is known.
func (v *feedView) set(key string, e viewEntry) {
	v.mu.Lock()
	defer v.mu.Unlock()
	old, ok := v.feeds[key]
	if ok && old.rev > e.rev {
		return
	}
	e.retryAt = old.retryAt
	v.feeds[key] = e
	v.signal()
}

// replace installs the initial values of a new watch.
func (v *feedView) replace(feeds map[string]viewEntry) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.feeds = feeds
	v.signal()
}

// later holds off a due feed until t.
func (v *feedView) later(key string, t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if e, ok := v.feeds[key]; ok {
		e.retryAt = t
		v.feeds[key] = e
	}
}

func (v *feedView) signal() {
	select {
	case v.changed <- struct{}{}:
	default:
	}
}

// due returns the feeds whose poll is due at now, longest overdue first, and
// the earliest time another one will be (zero when none will).
func (v *feedView) due(now time.Time) (keys []string, next time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	type dueFeed struct {
		key string
		at  time.Time
	}
	var ready []dueFeed
	for key, e := range v.feeds {
		if e.gone {
			continue
		}
		at := e.st.NextPoll
		if e.retryAt.After(at) {
			at = e.retryAt
		}
		if !at.After(now) {
			ready = append(ready, dueFeed{key, at})
		} else if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	slices.SortFunc(ready, func(a, b dueFeed) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.key, b.key)) })
	for _, d := range ready {
		keys = append(keys, d.key)
	}
	return keys, next
}

// watchBackoff spaces the restarts of a registry watch that ended.
var watchBackoff = backoff.Policy{Base: 500 * time.Millisecond, Max: 30 * time.Second}

// watch keeps the view current until ctx ends; a watch that ends early (the
// connection closed) is started again, with the registry read afresh.
func (v *feedView) watch(ctx context.Context, kv jetstream.KeyValue, log *slog.Logger) error {
	for attempt := 0; ; attempt++ {
		loaded, err := v.watchOnce(ctx, kv)
		if ctx.Err() != nil {
			return nil
		}
		if loaded {
			attempt = 0
		}
		wait := watchBackoff.Delay(attempt)
		log.Warn("feed registry watch ended, watching again", "err", err, "retry_in", wait.String())
		if sleep(ctx, wait) != nil {
			return nil
		}
	}
}

// errWatchClosed means the server or the connection ended a registry watch.
var errWatchClosed = errors.New("feed registry watch closed")

// watchOnce runs one watch: the latest value of every key, then (after the
// nil marker) each change as it happens. It reports whether the initial
// values were all read.
func (v *feedView) watchOnce(ctx context.Context, kv jetstream.KeyValue) (loaded bool, err error) {
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return false, fmt.Errorf("watch feed registry: %w", err)
	}
	defer func() { _ = w.Stop() }()
	initial := map[string]viewEntry{}
	for e := range w.Updates() {
		switch {
		case e == nil: // the initial values are in
			v.replace(initial)
			initial, loaded = nil, true
		case !loaded:
			initial[e.Key()] = entryOf(e)
		default:
			v.set(e.Key(), entryOf(e))
		}
	}
	return loaded, errWatchClosed
}

func entryOf(e jetstream.KeyValueEntry) viewEntry {
	if e.Operation() != jetstream.KeyValuePut {
		return viewEntry{rev: e.Revision(), gone: true}
	}
	var st FeedState
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return viewEntry{rev: e.Revision(), gone: true}
	}
	return viewEntry{st: st, rev: e.Revision()}
}
