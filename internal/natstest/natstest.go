// Package natstest starts a real, embedded nats-server with JetStream for
// tests: a random port and a temporary store, shut down when the test ends.
package natstest

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsflow/newsflow/internal/natsserver"
)

// Start runs a server for t and returns it; ns.ClientURL() is its address.
// Options make it require credentials or TLS (see access.go).
func Start(t testing.TB, opts ...Option) *server.Server {
	t.Helper()
	ns, err := natsserver.Start(natsserver.Options{Port: -1, StoreDir: t.TempDir(), Configure: func(o *server.Options) {
		for _, opt := range opts {
			opt(o)
		}
	}})
	if err != nil {
		t.Fatalf("start nats: %v", err)
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns
}

// Cluster is a JetStream cluster of embedded servers.
type Cluster struct {
	Servers []*server.Server
}

// URLs is every node's client URL, comma-separated, as NATS_URL takes them.
func (c *Cluster) URLs() string {
	var urls []string
	for _, s := range c.Servers {
		urls = append(urls, s.ClientURL())
	}
	return strings.Join(urls, ",")
}

// StartCluster runs an n-node JetStream cluster for t and waits until it has
// a meta leader.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
	}
	c := &Cluster{}
	for i := range n {
		var routes []string
		for j, p := range ports {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
			}
		}
		ns, err := natsserver.Start(natsserver.Options{Port: -1, StoreDir: t.TempDir(), Name: fmt.Sprintf("n%d", i),
			ClusterName: "newsflow-test", ClusterPort: ports[i], Routes: routes})
		if err != nil {
			t.Fatalf("start node %d: %v", i, err)
		}
		c.Servers = append(c.Servers, ns)
		t.Cleanup(func() {
			ns.Shutdown()
			ns.WaitForShutdown()
		})
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ready := true
		for _, s := range c.Servers {
			if !s.JetStreamIsCurrent() || !s.JetStreamIsLeader() && !hasLeader(c) {
				ready = false
			}
		}
		if ready {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatal("cluster has no JetStream meta leader after 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hasLeader(c *Cluster) bool {
	for _, s := range c.Servers {
		if s.Running() && s.JetStreamIsLeader() {
			return true
		}
	}
	return false
}
