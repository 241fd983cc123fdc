package fetcher

import (
	"encoding/hex"
	"sync"
	"time"
)

// recentSeen remembers the article URLs this replica lately found in the
// newsflow_seen bucket or marked there itself. A feed lists the same items
// poll after poll — tens of them, a few new — and each used to cost a KV
// round trip (two NATS messages) at every poll.
//
// A hit does not renew a key: what the bucket last confirmed sets its age,
// so a relisted item is asked about again once every one or two windows.
//
// It only says "seen" of what the bucket said or was told, and for no longer
// than twice its window, well inside the bucket's TTL: a key that expires or
// is purged from the bucket by hand is trusted here for at most that long.
// Other replicas' marks are not here, so they still cost a lookup.
type recentSeen struct {
	window time.Duration // a generation's longest life
	size   int           // a generation's most keys

	mu               sync.Mutex
	cur, prev        map[[16]byte]struct{}
	since, prevSince time.Time // when each generation began
}

// Defaults: a generation holds a quarter hour of keys, or 32768 of them
// (about 1 MB), enough for a poll round of a thousand feeds of thirty items
// at the default 10-minute interval.
const (
	recentSeenWindow = 15 * time.Minute
	recentSeenSize   = 32768
)

// newRecentSeen makes the cache for a bucket whose keys live ttl (0: for
// ever): it trusts a key for at most two windows, a quarter of that.
func newRecentSeen(ttl time.Duration) *recentSeen {
	w := recentSeenWindow
	if ttl > 0 {
		w = min(w, ttl/8)
	}
	return &recentSeen{window: w, size: recentSeenSize}
}

// has says whether key was seen lately; keys not of the bucket's form
// (ArticleID's 32 hex digits) never are.
func (r *recentSeen) has(key string, now time.Time) bool {
	k, ok := seenKey(key)
	if !ok || r.window <= 0 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rotate(now)
	if _, ok := r.cur[k]; ok {
		return true
	}
	if now.Sub(r.prevSince) >= 2*r.window {
		return false // the previous generation began two windows ago
	}
	_, ok = r.prev[k]
	return ok
}

// add is called once the bucket has the key: found there, or written.
func (r *recentSeen) add(key string, now time.Time) {
	k, ok := seenKey(key)
	if !ok || r.window <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rotate(now)
	r.cur[k] = struct{}{}
}

// rotate starts a new generation when the current one is full or a window
// old, and drops the one before it; has ignores a previous generation that
// began two windows ago, so no key is trusted longer than that.
func (r *recentSeen) rotate(now time.Time) {
	if r.cur != nil && len(r.cur) < r.size && now.Sub(r.since) < r.window {
		return
	}
	r.prev, r.prevSince = r.cur, r.since
	r.cur, r.since = make(map[[16]byte]struct{}), now
}

func seenKey(key string) (k [16]byte, ok bool) {
	if len(key) != 2*len(k) {
		return k, false
	}
	_, err := hex.Decode(k[:], []byte(key))
	return k, err == nil
}
