package events_test

import (
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsflow/newsflow/internal/natsserver"
	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
)

// A stage that starts while NATS restarts waits for it: its start-up
// checks are repeated until JetStream answers. The fault suite saw a store,
// restarted just as NATS stopped, exit on its first lookup's timeout and
// stay down.
func TestStartChecksWaitOutARestart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	start := func() *server.Server {
		ns, err := natsserver.Start(natsserver.Options{Port: port, StoreDir: dir})
		if err != nil {
			t.Fatalf("start nats: %v", err)
		}
		return ns
	}
	ns := start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	natstest.Provision(t, ns.ClientURL(), events.DefaultTopology())
	nc, js, err := natsx.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: "starting-stage"},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)

	ns.Shutdown()
	ns.WaitForShutdown()
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
	ns = start()
	if err := <-done; err != nil {
		t.Fatalf("start-up checks across a NATS restart: %v", err)
	}
}
