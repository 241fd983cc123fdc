package router_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/backoff"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/router"
)

func setup(t *testing.T) (jetstream.JetStream, jetstream.Consumer) {
	t.Helper()
	ns := natstest.StartProvisioned(t)
	ctx := t.Context()
	nc, js, err := natsx.Connect(ctx, natsx.Config{URL: ns.ClientURL()}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	c, err := events.EnsureConsumer(ctx, js, events.StreamRaw, events.ConsumerConfig("t", "", 30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return js, c
}

func publish(t *testing.T, js jetstream.JetStream, data string) {
	t.Helper()
	m := nats.NewMsg(events.RawSubject("example.com"))
	m.Data = []byte(data)
	if _, err := js.PublishMsg(t.Context(), m); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func dlqCount(t *testing.T, js jetstream.JetStream) uint64 {
	s, err := js.Stream(t.Context(), events.StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// A poison message (panic, permanent error, or too many failures) lands in
// the DLQ with its reason, and the messages behind it still get handled.
func TestPoisonMessagesGoToDLQAndDoNotBlock(t *testing.T) {
	js, c := setup(t)
	var ok, flaky atomic.Int32
	h := func(ctx context.Context, m jetstream.Msg) error {
		switch string(m.Data()) {
		case "panic":
			panic("boom")
		case "bad":
			return router.Permanent(errors.New("malformed"))
		case "always-fails":
			return errors.New("upstream down")
		case "flaky":
			if flaky.Add(1) < 2 {
				return errors.New("transient")
			}
		}
		ok.Add(1)
		return nil
	}
	log := slog.Default()
	chain := router.Chain(h, router.DeadLetter(js, "test", 3, log), router.Recover())
	for _, d := range []string{"panic", "bad", "always-fails", "flaky", "good1", "good2"} {
		publish(t, js, d)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		done <- router.Run(ctx, c, chain, router.Options{Stage: "test", Workers: 2, Log: log, LagEvery: 20 * time.Millisecond,
			Backoff: backoff.Policy{Base: 10 * time.Millisecond, Max: 10 * time.Millisecond}})
	}()
	waitFor(t, "3 good messages and 3 dead letters", func() bool { return ok.Load() == 3 && dlqCount(t, js) == 3 })
	waitFor(t, "the lag gauge to drain to 0", func() bool {
		v, found := gauge(t, "newsflow_consumer_pending", map[string]string{"stage": "test", "kind": "num_pending"})
		return found && v == 0
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	dc, err := js.OrderedConsumer(t.Context(), events.StreamDLQ, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for range 3 {
		m, err := dc.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		reasons[string(m.Data())] = m.Headers().Get(router.HeaderDLQError) + " after " + m.Headers().Get(router.HeaderDLQDeliveries)
		if m.Headers().Get(router.HeaderDLQStage) != "test" || m.Subject() != events.DLQSubject("test") {
			t.Errorf("dead letter %q: stage %q subject %q", m.Data(), m.Headers().Get(router.HeaderDLQStage), m.Subject())
		}
	}
	want := map[string]string{
		"panic":        "panic: boom after 1",
		"bad":          "malformed after 1",
		"always-fails": "upstream down after 3",
	}
	for k, v := range want {
		if reasons[k] != v {
			t.Errorf("dead letter %q: reason %q, want %q", k, reasons[k], v)
		}
	}
	// Everything was acked: nothing stays pending on the consumer (acks are
	// not confirmed: the last may still be on its way).
	waitFor(t, "every message acked", func() bool {
		info, err := c.Info(t.Context())
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0
	})
}

// Shutdown finishes in-flight work but never waits longer than the grace
// period; a message cut off is redelivered, not lost.
func TestShutdownGrace(t *testing.T) {
	js, c := setup(t)
	publish(t, js, "slow")
	started := make(chan struct{})
	var cancelled atomic.Bool
	h := func(ctx context.Context, m jetstream.Msg) error {
		close(started)
		<-ctx.Done()
		cancelled.Store(true)
		return ctx.Err()
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		done <- router.Run(ctx, c, h, router.Options{Stage: "test", Workers: 1, Grace: 200 * time.Millisecond, Log: slog.Default()})
	}()
	<-started
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after the grace period")
	}
	if !cancelled.Load() {
		t.Error("in-flight handler was not cancelled")
	}
	info, err := c.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending == 0 && info.NumPending == 0 && info.NumRedelivered == 0 {
		t.Errorf("the cut-off message was acked: %+v", info)
	}
}

// With InProgress set, a message whose handler runs longer than the
// consumer's AckWait is not handed out again meanwhile.
func TestInProgressKeepsLongHandling(t *testing.T) {
	js, _ := setup(t)
	c, err := events.EnsureConsumer(t.Context(), js, events.StreamRaw, events.ConsumerConfig("short", "", time.Second))
	if err != nil {
		t.Fatal(err)
	}
	publish(t, js, "slow")
	var calls atomic.Int32
	h := func(ctx context.Context, m jetstream.Msg) error {
		calls.Add(1)
		return sleepCtx(ctx, 3500*time.Millisecond)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		done <- router.Run(ctx, c, h, router.Options{Stage: "test", Workers: 2, InProgress: 300 * time.Millisecond, Log: slog.Default()})
	}()
	waitFor(t, "the message acked", func() bool {
		info, err := c.Info(t.Context())
		return err == nil && calls.Load() > 0 && info.NumAckPending == 0 && info.NumPending == 0
	})
	cancel()
	<-done
	if n := calls.Load(); n != 1 {
		t.Errorf("handled %d times, want once: the message was redelivered while its handler ran", n)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// gauge reads one gauge from the default Prometheus registry.
func gauge(t *testing.T, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue metrics
				}
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// A stage whose consumer is deleted stops with an error instead of idling
// as if healthy.
func TestRunFailsWhenConsumerDeleted(t *testing.T) {
	for _, inProgress := range []time.Duration{0, 300 * time.Millisecond} {
		t.Run(fmt.Sprintf("InProgress=%v", inProgress), func(t *testing.T) {
			js, c := setup(t)
			done := make(chan error, 1)
			go func() {
				done <- router.Run(t.Context(), c, func(context.Context, jetstream.Msg) error { return nil },
					router.Options{Stage: "test", Workers: 2, Log: slog.Default(), InProgress: inProgress})
			}()
			time.Sleep(200 * time.Millisecond)
			if err := js.DeleteConsumer(t.Context(), events.StreamRaw, "t"); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "iterator closed") {
					t.Errorf("Run returned %v, want an iterator-closed error", err)
				}
			case <-time.After(60 * time.Second):
				t.Fatal("Run kept going after its consumer was deleted")
			}
		})
	}
}

// Messages waiting for a busy worker are not handed out again either: with
// InProgress the AckWait is short, and a message pulled ahead of its
// handling would outlive it unheartbeated while every worker is busy.
func TestInProgressKeepsWaitingMessages(t *testing.T) {
	js, _ := setup(t)
	c, err := events.EnsureConsumer(t.Context(), js, events.StreamRaw, events.ConsumerConfig("short", "", time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"} {
		publish(t, js, d)
	}
	var calls, redelivered atomic.Int32
	h := func(ctx context.Context, m jetstream.Msg) error {
		calls.Add(1)
		if md, err := m.Metadata(); err == nil && md.NumDelivered > 1 {
			redelivered.Add(1)
		}
		return sleepCtx(ctx, 2500*time.Millisecond)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		done <- router.Run(ctx, c, h, router.Options{Stage: "test", Workers: 3, InProgress: 300 * time.Millisecond, Log: slog.Default()})
	}()
	waitFor(t, "every message acked", func() bool {
		info, err := c.Info(t.Context())
		return err == nil && calls.Load() >= 9 && info.NumAckPending == 0 && info.NumPending == 0
	})
	cancel()
	<-done
	if n, r := calls.Load(), redelivered.Load(); n != 9 || r != 0 {
		t.Errorf("9 messages handled %d times, %d of them redelivered: a message waiting for a worker was handed out again", n, r)
	}
}

// Workers that pull for themselves (InProgress) go on pulling after a NATS
// restart: messages published once it is back are handled.
func TestInProgressPullsAfterRestart(t *testing.T) {
	ns := natstest.StartRestartable(t)
	natstest.Provision(t, ns.URL(), events.DefaultTopology())
	nc, js, err := natsx.Connect(t.Context(), natsx.Config{URL: ns.URL()}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	c, err := events.EnsureConsumer(t.Context(), js, events.StreamRaw, events.ConsumerConfig("short", "", time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	h := func(ctx context.Context, m jetstream.Msg) error { calls.Add(1); return nil }
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- router.Run(ctx, c, h, router.Options{Stage: "test", Workers: 2, InProgress: 300 * time.Millisecond, Log: slog.Default()})
	}()
	publish(t, js, "before")
	waitFor(t, "the first message", func() bool { return calls.Load() == 1 })
	ns.Stop()
	time.Sleep(3 * time.Second)
	ns.Start()
	waitFor(t, "the client reconnected", nc.IsConnected)
	waitFor(t, "the message published after the restart handled", func() bool {
		if calls.Load() == 1 {
			m := nats.NewMsg(events.RawSubject("example.com"))
			m.Data = []byte("after")
			pctx, pcancel := context.WithTimeout(t.Context(), time.Second)
			defer pcancel()
			if _, err := js.PublishMsg(pctx, m); err != nil {
				return false
			}
			time.Sleep(500 * time.Millisecond)
		}
		return calls.Load() >= 2
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
