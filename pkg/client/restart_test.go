package client_test

import (
	"net"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsflow/newsflow/internal/natsserver"
	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/client"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
)

// A durable subscriber rides out a restart of the NATS server: the events
// published after it come through, each once.
func TestDurableSurvivesServerRestart(t *testing.T) {
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
	nc, js, err := natsx.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: "restart"}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	natstest.Provision(t, ns.ClientURL(), events.DefaultTopology())
	sub, err := client.NewSubscriber(nc)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	stop := subscribe(t, sub, client.Filter{}, rec.handle, client.Durable("survivor"), client.DeliverAll())
	var want []string
	for i := range 3 {
		a := article("example.com", i, "en")
		want = append(want, a.Title)
		publish(t, js, a)
	}
	rec.wait(t, 3)

	ns.Shutdown()
	ns.WaitForShutdown()
	ns = start()
	deadline := time.Now().Add(30 * time.Second)
	for !nc.IsConnected() {
		if time.Now().After(deadline) {
			t.Fatal("client did not reconnect")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := 3; i < 6; i++ {
		a := article("example.com", i, "en")
		want = append(want, a.Title)
		publish(t, js, a)
	}
	rec.wait(t, 3)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	got := rec.got()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want each of %q once", got, want)
	}
}
