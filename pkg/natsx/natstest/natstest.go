// Package natstest starts a real, embedded nats-server with JetStream for
// tests: a random port and a temporary store, shut down when the test ends.
package natstest

import (
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsflow/newsflow/pkg/natsx"
)

// Start runs a server for t and returns it; ns.ClientURL() is its address.
func Start(t testing.TB) *server.Server {
	t.Helper()
	ns, err := natsx.StartServer(natsx.ServerOptions{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatalf("start nats: %v", err)
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns
}
