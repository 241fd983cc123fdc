package natstest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
)

// Provision creates the streams and buckets of topo on the server(s) at url,
// as `newsflow provision` does before any service starts: the services only
// check that they exist.
func Provision(t testing.TB, url string, topo events.Topology) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("provision: connect to %s: %v", url, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("provision: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := events.Provision(ctx, js, topo); err != nil {
		t.Fatalf("provision: %v", err)
	}
}

// StartProvisioned is Start followed by Provision of events.DefaultTopology().
func StartProvisioned(t testing.TB) *server.Server {
	t.Helper()
	ns := Start(t)
	Provision(t, ns.ClientURL(), events.DefaultTopology())
	return ns
}
