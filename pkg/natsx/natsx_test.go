package natsx_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/newsflow/newsflow/pkg/natsx"
)

// Wrong credentials fail at once; only an unreachable server is retried.
func TestConnectFailsFastOnBadCredentials(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, Username: "newsflow", Password: "right", NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, _, err = natsx.Connect(ctx, natsx.Config{URL: ns.ClientURL(), User: "newsflow", Password: "wrong"}, log)
	if !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("err = %v, want an authorization error", err)
	}
	if ctx.Err() != nil {
		t.Error("Connect retried bad credentials until the deadline")
	}
	nc, _, err := natsx.Connect(ctx, natsx.Config{URL: ns.ClientURL(), User: "newsflow", Password: "right"}, log)
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
}
