// Package service is the start-up every newsflow service shares: read the
// environment, connect to NATS, serve health and metrics, stop on SIGTERM.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/natsx"
)

// Deps are the connections a service runs on.
type Deps struct {
	NC  *nats.Conn
	JS  jetstream.JetStream
	Log *slog.Logger
	// Source is the CloudEvents source of what this process publishes.
	Source string
}

// Connect dials NATS, retrying until ctx ends. It provisions nothing: each
// stage checks at start that what it needs exists (events.Check), and only
// `newsflow provision` creates or changes streams and buckets.
func Connect(ctx context.Context, c natsx.Config, log *slog.Logger) (Deps, error) {
	nc, js, err := natsx.Connect(ctx, c, log)
	if err != nil {
		return Deps{}, err
	}
	return Deps{NC: nc, JS: js, Log: log, Source: "newsflow/" + c.Name}, nil
}

// NATSReady is ready while the NATS connection is up.
func (d Deps) NATSReady(ctx context.Context) error {
	if d.NC == nil || !d.NC.IsConnected() {
		return errors.New("nats: not connected")
	}
	return nil
}

// Healthcheck is a container health probe without a shell: when a service
// binary is run as "<binary> healthcheck" it asks its own /healthz on its
// admin address (ADMIN_ADDR, else defaultAdminAddr) and exits 0 if that
// answers 200, 1 otherwise.
func Healthcheck(args []string, defaultAdminAddr string) {
	if len(args) < 2 || args[1] != "healthcheck" {
		return
	}
	if err := checkHealth(os.Getenv, defaultAdminAddr); err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// checkHealth is the probe Healthcheck runs, on the environment getenv reads.
func checkHealth(getenv func(string) string, defaultAdminAddr string) error {
	addr := strings.TrimSpace(getenv("ADMIN_ADDR"))
	if addr == "" {
		addr = defaultAdminAddr
	}
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + dialAddr(addr) + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET http://%s/healthz: status %d", dialAddr(addr), resp.StatusCode)
	}
	return nil
}

// dialAddr turns a listen address into one to dial: a listener on every
// interface (":9080", "0.0.0.0:9080", "[::]:9080") is reached on loopback.
func dialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}
