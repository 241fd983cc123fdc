// Package natsserver runs a JetStream-enabled nats-server inside the process:
// the all-in-one `newsflow up` and the tests embed NATS this way. It lives
// outside pkg so that neither the libraries nor the service binaries, which
// only dial NATS, carry the server (about 10 MB) or its dependencies.
package natsserver

import (
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Options configure an embedded nats-server.
type Options struct {
	Host     string // default 127.0.0.1
	Port     int    // 0: 4222; -1: a random free port
	StoreDir string // JetStream file store
	NoListen bool   // in-process connections only
	// Name distinguishes the servers of a cluster.
	Name string
	// ClusterName, ClusterPort and Routes make the server one node of a
	// JetStream cluster.
	ClusterName string
	ClusterPort int
	Routes      []string // nats-route://host:port of the other nodes
	// Configure, when set, changes the server's options last: the tests'
	// authentication and TLS settings.
	Configure func(*server.Options)
}

// Start runs a JetStream-enabled nats-server in this process.
func Start(o Options) (*server.Server, error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Name == "" {
		o.Name = "newsflow"
	}
	opts := &server.Options{
		ServerName: o.Name,
		Host:       o.Host,
		Port:       o.Port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		DontListen: o.NoListen,
		NoSigs:     true,
		MaxPayload: 8 << 20,
	}
	if o.ClusterName != "" {
		opts.Cluster = server.ClusterOpts{Name: o.ClusterName, Host: o.Host, Port: o.ClusterPort}
		for _, r := range o.Routes {
			u, err := url.Parse(r)
			if err != nil {
				return nil, fmt.Errorf("embedded nats: route %q: %w", r, err)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	if o.Configure != nil {
		o.Configure(opts)
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded nats: not ready after 10s")
	}
	return ns, nil
}
