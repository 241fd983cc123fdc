package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// VerdictSubject carries, on core NATS, each stored event's duplicate
// verdict: "<NEWSFLOW_ARTICLES sequence> <its stream time, unix ns> <1
// duplicate | 0 not>", and a 0 for each event refused as no article. The store
// that wrote the event decides it once (the upsert script links duplicates)
// and every store replica hears it, so an SSE client on any replica learns
// it within a round trip instead of each client asking Redis. Core NATS may
// drop a message: a stream that has not heard a verdict asks Redis.
const VerdictSubject = "newsflow.store.verdict"

// How many recent verdicts a store keeps: a minute of events at a few
// hundred a second, the window in which clients wait for a fresh event's.
// Older events are looked up in Redis, as replays always are.
const verdictsKept = 1 << 15

// verdictGrace is how long a stream waits on the hub before it also asks
// Redis, again every verdictGrace: the answer when a verdict message was
// lost, or when Redis is down (then no store is deciding anything).
const verdictGrace = 200 * time.Millisecond

// verdicts holds the recent duplicate verdicts by event and wakes the
// streams waiting for one.
type verdicts struct {
	mu      sync.Mutex
	known   *recent[bool] // duplicate or not
	waiting map[eventKey]*waiter
}

type waiter struct {
	heard chan struct{} // closed when the verdict comes
	n     int           // streams waiting on it
}

func newVerdicts(n int) *verdicts {
	return &verdicts{known: newRecent[bool](n), waiting: map[eventKey]*waiter{}}
}

// record notes k's verdict (a redelivered event's replaces its first) and
// wakes whoever waits for it.
func (v *verdicts) record(k eventKey, dup bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.known.put(k, dup)
	if w, ok := v.waiting[k]; ok {
		close(w.heard)
		delete(v.waiting, k)
	}
}

// await returns k's verdict if it is known, else a channel closed when it
// comes; release must be called once the caller stops waiting.
func (v *verdicts) await(k eventKey) (dup, known bool, heard <-chan struct{}, release func()) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if d, ok := v.known.get(k); ok {
		return d, true, nil, func() {}
	}
	w, ok := v.waiting[k]
	if !ok {
		w = &waiter{heard: make(chan struct{})}
		v.waiting[k] = w
	}
	w.n++
	return false, false, w.heard, func() {
		v.mu.Lock()
		defer v.mu.Unlock()
		if w.n--; w.n == 0 && v.waiting[k] == w {
			delete(v.waiting, k) // no verdict came: nobody is left to wake
		}
	}
}

// lookup is k's verdict, if it is known.
func (v *verdicts) lookup(k eventKey) (dup, known bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.known.get(k)
}

// announce records the verdict of the event m, just stored, and publishes it
// to every store. A failed publish costs only speed: streams ask Redis.
func (s *Store) announce(ctx context.Context, m jetstream.Msg, res PutResult) {
	md, err := m.Metadata()
	if err != nil {
		return
	}
	dup := res.DuplicateOf != ""
	if dup && (res.Result == Unchanged || res.Result == Stale) {
		// The stored version's link may name an original that has expired
		// since; a fresh write checked its original just now.
		n, err := s.rdb.Exists(ctx, s.articles.recordKey(res.DuplicateOf)).Result()
		if err != nil {
			return
		}
		dup = n == 1
	}
	s.tell(keyOf(md.Sequence.Stream, md.Timestamp), dup)
}

// refuse announces that the event m is no duplicate because it is no
// article: the streams that wait for its verdict go on at once (they show
// it to nobody).
func (s *Store) refuse(m jetstream.Msg) {
	if md, err := m.Metadata(); err == nil {
		s.tell(keyOf(md.Sequence.Stream, md.Timestamp), false)
	}
}

func (s *Store) tell(k eventKey, dup bool) {
	s.verdicts.record(k, dup)
	if s.deps.NC == nil {
		return
	}
	if err := s.deps.NC.Publish(VerdictSubject, formatVerdict(k, dup)); err != nil {
		s.deps.Log.Debug("publish duplicate verdict", "seq", k.seq, "err", err)
	}
}

// hearVerdicts subscribes to every store's verdicts until ctx is done.
func (s *Store) hearVerdicts(ctx context.Context) error {
	if s.deps.NC == nil { // no NATS: no streams either
		<-ctx.Done()
		return nil
	}
	sub, err := s.deps.NC.Subscribe(VerdictSubject, func(m *nats.Msg) {
		if k, dup, err := parseVerdict(m.Data); err == nil {
			s.verdicts.record(k, dup)
		}
	})
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", VerdictSubject, err)
	}
	<-ctx.Done()
	_ = sub.Unsubscribe()
	return nil
}

func formatVerdict(k eventKey, dup bool) []byte {
	b := strconv.AppendUint(nil, k.seq, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, k.at, 10)
	if dup {
		return append(b, " 1"...)
	}
	return append(b, " 0"...)
}

func parseVerdict(data []byte) (eventKey, bool, error) {
	f := strings.Fields(string(data))
	if len(f) == 3 && (f[2] == "0" || f[2] == "1") {
		seq, err1 := strconv.ParseUint(f[0], 10, 64)
		at, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 == nil && err2 == nil && seq != 0 {
			return eventKey{seq: seq, at: at}, f[2] == "1", nil
		}
	}
	return eventKey{}, false, fmt.Errorf("duplicate verdict %q: want \"<sequence> <unix ns> <0|1>\"", data)
}
