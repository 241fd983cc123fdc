package client_test

import (
	"slices"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/client"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
)

// A durable subscriber rides out a restart of the NATS server: the events
// published after it come through, each once.
func TestDurableSurvivesServerRestart(t *testing.T) {
	ns := natstest.StartRestartable(t)
	nc, js, err := natsx.Connect(t.Context(), natsx.Config{URL: ns.URL(), Name: "restart"}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	natstest.Provision(t, ns.URL(), events.DefaultTopology())
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

	ns.Stop()
	ns.Start()
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
