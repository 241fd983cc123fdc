package natstest

import (
	"net"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsflow/newsflow/internal/natsserver"
)

// Restartable is a server a test stops and starts again on the same port and
// store, as an operator's restart does: clients reconnect to the same URL
// and find their streams.
type Restartable struct {
	t    testing.TB
	port int
	dir  string
	ns   *server.Server
}

// StartRestartable runs a server for t that Stop and Start restart; the one
// running when the test ends is shut down.
func StartRestartable(t testing.TB) *Restartable {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Restartable{t: t, port: ln.Addr().(*net.TCPAddr).Port, dir: t.TempDir()}
	ln.Close()
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// URL is the server's client address, the same across restarts.
func (r *Restartable) URL() string { return r.ns.ClientURL() }

// Stop shuts the server down and waits until it is gone.
func (r *Restartable) Stop() {
	if r.ns == nil {
		return
	}
	r.ns.Shutdown()
	r.ns.WaitForShutdown()
	r.ns = nil
}

// Start runs the server again, on its port and store.
func (r *Restartable) Start() {
	r.t.Helper()
	ns, err := natsserver.Start(natsserver.Options{Port: r.port, StoreDir: r.dir})
	if err != nil {
		r.t.Fatalf("start nats: %v", err)
	}
	r.ns = ns
}
