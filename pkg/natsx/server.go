//go:build !nonatsserver

package natsx

// The embedded server is in a file of its own so that the service binaries,
// which only dial NATS, can leave nats-server out: deploy/Dockerfile builds
// them with -tags nonatsserver, which drops StartServer and about 10 MB from
// each image. Everything else (tests, the all-in-one CLI) builds it as usual.

import (
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerOptions configure an embedded nats-server.
type ServerOptions struct {
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
}

// StartServer runs a JetStream-enabled nats-server in this process.
func StartServer(o ServerOptions) (*server.Server, error) {
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
