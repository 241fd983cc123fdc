package events_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
)

// A stage that starts while NATS restarts waits for it: its start-up
// checks are repeated until JetStream answers. The fault suite saw a store,
// restarted just as NATS stopped, exit on its first lookup's timeout and
// stay down.
func TestStartChecksWaitOutARestart(t *testing.T) {
	ns := natstest.StartRestartable(t)
	natstest.Provision(t, ns.URL(), events.DefaultTopology())
	nc, js, err := natsx.Connect(t.Context(), natsx.Config{URL: ns.URL(), Name: "starting-stage"},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)

	ns.Stop()
	done := make(chan error, 1)
	go func() {
		if err := events.Check(t.Context(), js, events.Stream(events.StreamArticles)); err != nil {
			done <- err
			return
		}
		_, err := events.EnsureConsumer(t.Context(), js, events.StreamArticles,
			events.ConsumerConfig(events.ConsumerStore, "", 30*time.Second))
		done <- err
	}()
	// Down for longer than one JetStream request may wait (5 s).
	time.Sleep(6 * time.Second)
	ns.Start()
	if err := <-done; err != nil {
		t.Fatalf("start-up checks across a NATS restart: %v", err)
	}
}

// A NATS without JetStream never answers its API: the start-up checks say
// so when they give up, rather than only "no responders".
func TestStartChecksNameMissingJetStream(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, js, err := natsx.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: "no-jetstream"},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	err = events.Check(ctx, js, events.Stream(events.StreamArticles))
	if err == nil || !strings.Contains(err.Error(), "nats-server -js") {
		t.Errorf("Check = %v; want it to ask whether JetStream is enabled", err)
	}
}
