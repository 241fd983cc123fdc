package router_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/router"
)

// A parked handler frees its worker: with one worker, the messages after a
// parked one are handled while it waits, and it finishes once let go — each
// message handled once and acked, none redelivered.
func TestParkFreesTheWorker(t *testing.T) {
	js, _ := setup(t)
	c, err := events.EnsureConsumer(t.Context(), js, events.StreamRaw, events.ConsumerConfig("park", "", time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"gate", "b", "c", "d"} {
		publish(t, js, d)
	}
	letGo := make(chan struct{})
	var mu sync.Mutex
	var order []string
	parkedOK := make(chan bool, 1)
	h := func(ctx context.Context, m jetstream.Msg) error {
		if string(m.Data()) == "gate" {
			wait, resume, ok := router.Park(ctx)
			parkedOK <- ok
			if !ok {
				return errors.New("could not park")
			}
			if _, _, again := router.Park(ctx); again {
				t.Error("a parked handler parked again")
			}
			select {
			case <-letGo:
			case <-wait.Done():
			}
			if err := resume(); err != nil {
				return err
			}
		}
		mu.Lock()
		order = append(order, string(m.Data()))
		n := len(order)
		mu.Unlock()
		if n == 3 {
			close(letGo) // b, c and d done while the gate waited
		}
		return nil
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		done <- router.Run(ctx, c, h, router.Options{Stage: "test", Workers: 1, MaxParked: 2,
			InProgress: 300 * time.Millisecond, Log: slog.Default()})
	}()
	if !<-parkedOK {
		t.Fatal("Park refused with MaxParked 2")
	}
	waitFor(t, "every message acked", func() bool {
		info, err := c.Info(t.Context())
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0 && info.Delivered.Consumer >= 4
	})
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 4 || order[3] != "gate" {
		t.Errorf("handled %v, want b, c and d while the gate waited, then the gate, each once", order)
	}
	if info, _ := c.Info(t.Context()); info.Delivered.Consumer != 4 {
		t.Errorf("%d deliveries for 4 messages: a parked message was redelivered", info.Delivered.Consumer)
	}
}

// Parking is refused when it is off and past MaxParked; a stage that stops
// ends the parked handlers' waits, and their resume says so.
func TestParkLimitsAndStop(t *testing.T) {
	if _, _, ok := router.Park(t.Context()); ok {
		t.Error("Park outside a handler said ok")
	}
	js, c := setup(t)
	for range 3 {
		publish(t, js, "m")
	}
	results := make(chan error, 3)
	h := func(ctx context.Context, m jetstream.Msg) error {
		wait, resume, ok := router.Park(ctx)
		if !ok {
			results <- errors.New("refused")
			return errors.New("not parked")
		}
		<-wait.Done() // only the stage's stop ends it
		err := resume()
		results <- err
		return err
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		done <- router.Run(ctx, c, h, router.Options{Stage: "test", Workers: 1, MaxParked: 2,
			InProgress: 300 * time.Millisecond, Log: slog.Default(), Grace: 5 * time.Second})
	}()
	if err := <-results; err == nil || err.Error() != "refused" {
		t.Fatalf("the third handler parked past MaxParked 2: %v", err)
	}
	cancel()
	for range 2 {
		if err := <-results; !errors.Is(err, router.ErrStopping) {
			t.Errorf("a parked handler's resume after the stop = %v, want ErrStopping", err)
		}
	}
	<-done
}

// A handler that parks and returns without resuming (an error, a panic
// turned into one) gives its place among the parked back.
func TestParkWithoutResumeFreesItsPlace(t *testing.T) {
	js, c := setup(t)
	for range 3 {
		publish(t, js, "m")
	}
	var refused atomic.Int32
	var handled atomic.Int32
	h := func(ctx context.Context, m jetstream.Msg) error {
		handled.Add(1)
		if _, _, ok := router.Park(ctx); !ok {
			refused.Add(1)
		}
		return nil // without resume
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		done <- router.Run(ctx, c, h, router.Options{Stage: "test", Workers: 1, MaxParked: 1,
			InProgress: 300 * time.Millisecond, Log: slog.Default()})
	}()
	waitFor(t, "3 messages handled", func() bool { return handled.Load() == 3 })
	cancel()
	<-done
	if n := refused.Load(); n != 0 {
		t.Errorf("%d of 3 handlers could not park, one at a time with MaxParked 1: a place leaked", n)
	}
}
