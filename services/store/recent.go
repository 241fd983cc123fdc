package store

import "time"

// eventKey names one event of NEWSFLOW_ARTICLES: its sequence, and its
// stream time, so that a stream deleted and provisioned again, whose
// sequences start over, never finds another event's entry.
type eventKey struct {
	seq uint64
	at  int64 // unix ns
}

func keyOf(seq uint64, at time.Time) eventKey { return eventKey{seq: seq, at: at.UnixNano()} }

// recent maps the last n events put to their values; the oldest goes first.
// It is not safe for concurrent use.
type recent[V any] struct {
	m    map[eventKey]V
	ring []eventKey
	next int
}

func newRecent[V any](n int) *recent[V] {
	return &recent[V]{m: make(map[eventKey]V, n), ring: make([]eventKey, n)}
}

func (r *recent[V]) get(k eventKey) (V, bool) {
	v, ok := r.m[k]
	return v, ok
}

// put sets k's value; a key put again keeps its place.
func (r *recent[V]) put(k eventKey, v V) {
	if _, ok := r.m[k]; !ok {
		if old := r.ring[r.next]; old.seq != 0 {
			delete(r.m, old)
		}
		r.ring[r.next] = k
		r.next = (r.next + 1) % len(r.ring)
	}
	r.m[k] = v
}
