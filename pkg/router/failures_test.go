package router_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/backoff"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/router"
)

// With CountFailures, deferrals are redeliveries but not attempts: a message
// deferred many times and then failing is retried until it has failed
// maxDeliver times, and its count is gone once it succeeds. Without it, the
// same deliveries would have dead-lettered it at its first failure.
func TestDeferralsAreNoAttempts(t *testing.T) {
	js, c := setup(t)
	kv, err := js.KeyValue(t.Context(), events.BucketFailures)
	if err != nil {
		t.Fatal(err)
	}
	var deliveries atomic.Int32
	var failedAt, succeededAt atomic.Int32
	h := func(ctx context.Context, m jetstream.Msg) error {
		n := deliveries.Add(1)
		switch {
		case n <= 6: // the host is busy: not tried
			return router.Defer(errors.New("host busy"), time.Millisecond)
		case n <= 8: // two real failures, under the limit of 3
			failedAt.Store(n)
			return errors.New("upstream down")
		}
		succeededAt.Store(n)
		return nil
	}
	log := slog.Default()
	chain := router.Chain(h, router.DeadLetter(js, "test", 3, log, router.CountFailures(kv)))
	publish(t, js, "job")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		done <- router.Run(ctx, c, chain, router.Options{Stage: "test", Workers: 1, Log: log,
			Backoff: backoff.Policy{Base: time.Millisecond, Max: time.Millisecond}})
	}()
	waitFor(t, "the job to succeed after 6 deferrals and 2 failures", func() bool { return succeededAt.Load() == 9 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := dlqCount(t, js); n != 0 {
		t.Errorf("%d dead letters: deferrals were counted as attempts", n)
	}
	keys, err := kv.Keys(t.Context())
	if err == nil && len(keys) > 0 {
		t.Errorf("failure counts left behind after success: %v", keys)
	}
}

// A deferral comes back after the delay its handler asked for, however many
// deliveries came before: the failure backoff (a minute here) is for
// failures. A job whose host was busy five times in a row used to wait the
// backoff of five failures.
func TestDeferralKeepsItsDelay(t *testing.T) {
	js, c := setup(t)
	var deliveries atomic.Int32
	h := func(ctx context.Context, m jetstream.Msg) error {
		if deliveries.Add(1) <= 5 {
			return router.Defer(errors.New("host busy"), 10*time.Millisecond)
		}
		return nil
	}
	publish(t, js, "job")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		done <- router.Run(ctx, c, h, router.Options{Stage: "test", Workers: 1, Log: slog.Default(),
			Backoff: backoff.Policy{Base: time.Minute, Max: time.Minute}})
	}()
	waitFor(t, "the job to be handled after 5 deferrals", func() bool { return deliveries.Load() == 6 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
