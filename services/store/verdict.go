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
// verdict: "<NEWSFLOW_ARTICLES sequence> <1 duplicate | 0 not>". The store
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

// verdicts holds the recent duplicate verdicts by stream sequence and wakes
// the streams waiting for one.
type verdicts struct {
	mu      sync.Mutex
	known   map[uint64]bool // sequence -> duplicate
	ring    []uint64        // the order they came in, to forget the oldest
	next    int
	waiting map[uint64]*waiter
}

type waiter struct {
	heard chan struct{} // closed when the verdict comes
	n     int           // streams waiting on it
}

func newVerdicts(n int) *verdicts {
	return &verdicts{known: make(map[uint64]bool, n), ring: make([]uint64, n), waiting: map[uint64]*waiter{}}
}

// record notes seq's verdict and wakes whoever waits for it.
func (v *verdicts) record(seq uint64, dup bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.known[seq]; !ok {
		// A redelivered event's verdict replaces its first without taking
		// a second slot.
		if old := v.ring[v.next]; old != 0 {
			delete(v.known, old)
		}
		v.ring[v.next] = seq
		v.next = (v.next + 1) % len(v.ring)
	}
	v.known[seq] = dup
	if w, ok := v.waiting[seq]; ok {
		close(w.heard)
		delete(v.waiting, seq)
	}
}

// await returns seq's verdict if it is known, else a channel closed when it
// comes; release must be called once the caller stops waiting.
func (v *verdicts) await(seq uint64) (dup, known bool, heard <-chan struct{}, release func()) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if d, ok := v.known[seq]; ok {
		return d, true, nil, func() {}
	}
	w, ok := v.waiting[seq]
	if !ok {
		w = &waiter{heard: make(chan struct{})}
		v.waiting[seq] = w
	}
	w.n++
	return false, false, w.heard, func() {
		v.mu.Lock()
		defer v.mu.Unlock()
		if w.n--; w.n == 0 && v.waiting[seq] == w {
			delete(v.waiting, seq) // no verdict came: nobody is left to wake
		}
	}
}

// lookup is seq's verdict, if it is known.
func (v *verdicts) lookup(seq uint64) (dup, known bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	dup, known = v.known[seq]
	return dup, known
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
	seq := md.Sequence.Stream
	s.verdicts.record(seq, dup)
	if s.deps.NC == nil {
		return
	}
	if err := s.deps.NC.Publish(VerdictSubject, formatVerdict(seq, dup)); err != nil {
		s.deps.Log.Debug("publish duplicate verdict", "seq", seq, "err", err)
	}
}

// hearVerdicts subscribes to every store's verdicts until ctx is done.
func (s *Store) hearVerdicts(ctx context.Context) error {
	sub, err := s.deps.NC.Subscribe(VerdictSubject, func(m *nats.Msg) {
		if seq, dup, err := parseVerdict(m.Data); err == nil {
			s.verdicts.record(seq, dup)
		}
	})
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", VerdictSubject, err)
	}
	<-ctx.Done()
	_ = sub.Unsubscribe()
	return nil
}

func formatVerdict(seq uint64, dup bool) []byte {
	b := strconv.AppendUint(nil, seq, 10)
	if dup {
		return append(b, " 1"...)
	}
	return append(b, " 0"...)
}

func parseVerdict(data []byte) (uint64, bool, error) {
	seq, flag, ok := strings.Cut(string(data), " ")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil || n == 0 || (flag != "0" && flag != "1") {
		return 0, false, fmt.Errorf("duplicate verdict %q: want \"<sequence> <0|1>\"", data)
	}
	return n, flag == "1", nil
}
