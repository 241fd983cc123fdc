package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
)

// feedEvent is one event of NEWSFLOW_ARTICLES as the streams take it: read
// once per consumer, shared by every client of the live feed.
type feedEvent struct {
	m       jetstream.Msg
	seq     uint64 // stream sequence: the event's SSE id
	k       eventKey
	at      time.Time // stream time
	pending uint64    // events after it on its consumer when delivered
	e       *streamed // decoded by the first client that needs it
}

// eventOf is m as a feedEvent; nil for a message without JetStream metadata.
func (s *Store) eventOf(m jetstream.Msg) *feedEvent {
	md, err := m.Metadata()
	if err != nil {
		return nil
	}
	k := keyOf(md.Sequence.Stream, md.Timestamp)
	return &feedEvent{m: m, seq: md.Sequence.Stream, k: k, at: md.Timestamp, pending: md.NumPending, e: s.decoded.entry(k)}
}

// follower reads one ordered consumer on NEWSFLOW_ARTICLES in a goroutine
// of its own, which stop ends.
type follower struct {
	s    *Store
	cons jetstream.Consumer
	it   jetstream.MessagesContext
	// quit, cancelled by stop, ends a deliver that waits.
	quit context.CancelFunc
	done chan struct{} // closed once the goroutine has ended and the consumer is deleted
}

// follow starts an ordered consumer with cfg and passes its events to
// deliver, in order, until deliver returns false, the consumer fails or stop
// is called (which cancels the context deliver is given); then end is called
// with the failure, if any. ctx bounds the consumer's creation only; pull
// is how many messages the client library may hold ahead of deliver.
func (s *Store) follow(ctx context.Context, cfg jetstream.OrderedConsumerConfig, pull int, deliver func(context.Context, *feedEvent) bool, end func(error)) (*follower, error) {
	cons, err := s.deps.JS.OrderedConsumer(ctx, events.StreamArticles, cfg)
	if err != nil {
		return nil, fmt.Errorf("ordered consumer: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(pull))
	if err != nil {
		return nil, fmt.Errorf("consume: %w", err)
	}
	qctx, quit := context.WithCancel(context.Background())
	f := &follower{s: s, cons: cons, it: it, quit: quit, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		defer f.deleteConsumer()
		var err error
		defer func() { end(err) }()
		for {
			var m jetstream.Msg
			if m, err = it.Next(); err != nil {
				if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					err = nil
				} else {
					s.deps.Log.Warn("stream: next", "err", err)
				}
				return
			}
			if ev := s.eventOf(m); ev != nil && !deliver(qctx, ev) {
				it.Stop()
				return
			}
		}
	}()
	return f, nil
}

// stop ends the consumer and waits until it is gone.
func (f *follower) stop() {
	f.quit()
	f.it.Stop()
	<-f.done
}

// deleteConsumer deletes the consumer on the server now: the server would
// drop it after InactiveThreshold anyway, but reconnect storms must not pile
// consumers up meanwhile.
func (f *follower) deleteConsumer() {
	info := f.cons.CachedInfo()
	if info == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = f.s.deps.JS.DeleteConsumer(ctx, events.StreamArticles, info.Name)
}
