package fetcher

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
)

func testLog() *slog.Logger {
	if testing.Verbose() && os.Getenv("NEWSFLOW_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testTopology shortens claim expiry so a killed replica's claims and host
// slots free up within the test.
func testTopology() events.Topology {
	t := events.DefaultTopology()
	t.ClaimTTL = 3 * time.Second
	return t
}

// startNATS runs a NATS server provisioned with testTopology, as `newsflow
// provision` would before the fetchers start.
func startNATS(t *testing.T) *server.Server {
	t.Helper()
	ns := natstest.Start(t)
	natstest.Provision(t, ns.ClientURL(), testTopology())
	return ns
}

// replica is one fetcher process: its own connection, its own context.
type replica struct {
	deps   service.Deps
	cancel context.CancelFunc
	done   chan error
}

func startReplica(t *testing.T, ns *server.Server, name string, cfg Config) *replica {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	deps, err := service.Connect(ctx, natsx.Config{URL: ns.ClientURL(), Name: name}, testLog().With("replica", name))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &replica{deps: deps, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- Run(ctx, cfg, deps) }()
	t.Cleanup(r.stop)
	return r
}

var stopOnce sync.Map

// stop shuts the replica down gracefully.
func (r *replica) stop() {
	if _, done := stopOnce.LoadOrStore(r, true); done {
		return
	}
	r.cancel()
	<-r.done
	r.deps.NC.Close()
}

// kill drops the replica's connection mid-work, as a crash would: nothing
// it holds is acked or released.
func (r *replica) kill() {
	if _, done := stopOnce.LoadOrStore(r, true); done {
		return
	}
	r.deps.NC.Close()
	r.cancel()
	<-r.done
}

func js(t *testing.T, ns *server.Server) jetstream.JetStream {
	t.Helper()
	nc, j, err := natsx.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: "test"}, testLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return j
}

// rawURLs reads every page in NEWSFLOW_RAW and counts them by URL.
func rawURLs(t *testing.T, j jetstream.JetStream) map[string]int {
	t.Helper()
	counts := map[string]int{}
	s, err := j.Stream(t.Context(), events.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs == 0 {
		return counts
	}
	c, err := j.OrderedConsumer(t.Context(), events.StreamRaw, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for range info.State.Msgs {
		m, err := c.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		counts[m.Headers().Get(events.HeaderURL)]++
	}
	return counts
}

// firstRaw is the first message of NEWSFLOW_RAW.
func firstRaw(t *testing.T, j jetstream.JetStream) jetstream.Msg {
	t.Helper()
	c, err := j.OrderedConsumer(t.Context(), events.StreamRaw, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Next()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func streamCount(t *testing.T, j jetstream.JetStream, name string) uint64 {
	t.Helper()
	s, err := j.Stream(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writePagesFeed writes an RSS feed of n items, the pages base/p/0 … p/n-1.
func writePagesFeed(w io.Writer, base string, n int) {
	fmt.Fprint(w, `<rss version="2.0"><channel><title>t</title>`)
	for i := range n {
		fmt.Fprintf(w, `<item><title>p%d</title><link>%s/p/%d</link></item>`, i, base, i)
	}
	fmt.Fprint(w, `</channel></rss>`)
}
