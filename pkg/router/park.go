package router

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrStopping is what a parked handler's resume returns once the stage is
// shutting down: the message should go back (a Defer) for another replica.
var ErrStopping = errors.New("router: stage stopping")

// Park lets a handler wait for something local — the fetcher, for a host
// its own workers fill — without holding one of the stage's workers: Run
// goes on to the next message while the handler waits on wait (a context
// that also ends when the stage stops), and the message stays in progress
// (heartbeats go on), neither acked nor naked. Before it works again the
// handler calls resume, which blocks until a worker is free; an error from
// resume means the handler must return without doing the work.
//
// ok is false when parking is off (Options.MaxParked 0), the handler is
// already parked, or MaxParked handlers are: the handler should then defer
// the message as it would without parking.
//
// Parking replaced a deferral (a nak, a redelivery and a fresh pull, for each
// job turned away) whenever a run of one host's jobs met its slots.
func Park(ctx context.Context) (wait context.Context, resume func() error, ok bool) {
	s, _ := ctx.Value(parkKey{}).(*parkSlot)
	if s == nil || s.parked {
		return ctx, nil, false
	}
	p := s.p
	if p.parked.Add(1) > int32(p.max) {
		p.parked.Add(-1)
		return ctx, nil, false
	}
	s.parked, s.unresumed = true, true
	s.freeWorker()
	wait, cancel := context.WithCancel(ctx)
	stopOnStop := context.AfterFunc(p.stopping, cancel)
	resume = func() error {
		stopOnStop()
		cancel()
		if !s.unresumed {
			return errors.New("router: resume called twice")
		}
		s.unresumed = false
		defer p.parked.Add(-1)
		select {
		case p.workers <- struct{}{}:
		case <-p.stopping.Done():
			return ErrStopping
		case <-ctx.Done():
			return fmt.Errorf("router: resume: %w", ctx.Err())
		}
		s.parked = false
		if p.stopping.Err() != nil {
			<-p.workers
			s.parked = true
			return ErrStopping
		}
		return nil
	}
	return wait, resume, true
}

type parkKey struct{}

// parking is a stage's account of its workers when handlers may park: a
// token in workers for each handler working (not parked), at most
// Options.Workers.
type parking struct {
	workers  chan struct{}
	parked   atomic.Int32
	max      int
	stopping context.Context // ends when the stage stops pulling
}

func newParking(stopping context.Context, workers, maxParked int) *parking {
	if maxParked <= 0 {
		return nil
	}
	return &parking{workers: make(chan struct{}, workers), max: maxParked, stopping: stopping}
}

// parkSlot is one message's handler's hold on a worker token.
type parkSlot struct {
	p      *parking
	parked bool // holds no token; touched only by the handler's goroutine
	// unresumed: parked and resume not called yet (a handler may return
	// or panic without it; the parked count must still come down).
	unresumed bool
	freed     chan struct{} // closed when the handler first parks: its worker goes on
	once      sync.Once
}

func (s *parkSlot) freeWorker() {
	<-s.p.workers
	s.once.Do(func() { close(s.freed) })
}

// handleParkable runs handle on a goroutine of its own (owned by wg) once it
// has a worker token, and returns when the handler is done or has parked.
// The pulled message waits for the token with its heartbeat on: handlers
// back from parking may hold every token, and a worker that held one while
// pulling would starve them when the consumer has nothing to give.
func handleParkable(wg *sync.WaitGroup, p *parking, work context.Context, m jetstream.Msg, heartbeat time.Duration, do func(ctx context.Context)) {
	s := &parkSlot{p: p, freed: make(chan struct{})}
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		stop := keepInProgress(work, m, heartbeat)
		select {
		case p.workers <- struct{}{}:
			stop()
		case <-work.Done():
			stop()
			_ = m.Nak() // shutdown's grace is over: back to another replica
			return
		}
		do(context.WithValue(work, parkKey{}, s))
		if s.unresumed {
			p.parked.Add(-1)
		}
		if !s.parked {
			<-p.workers
		}
	})
	select {
	case <-done:
	case <-s.freed:
	}
}
