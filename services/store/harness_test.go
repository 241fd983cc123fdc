package store

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
)

func testLog(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// natsServer starts an embedded JetStream server with newsflow's streams and
// returns its URL and a JetStream client for the test's own publishes.
func natsServer(t testing.TB) (string, jetstream.JetStream) {
	t.Helper()
	ns := natstest.StartProvisioned(t)
	d := connectDeps(t, ns.ClientURL(), "test")
	return ns.ClientURL(), d.JS
}

func connectDeps(t testing.TB, url, name string) service.Deps {
	t.Helper()
	d, err := service.Connect(t.Context(), natsx.Config{URL: url, Name: name}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.NC.Close)
	return d
}

// runningStore is store.Run in the background; stop ends it and waits.
type runningStore struct {
	api, admin string // base URLs of the public and the admin listener
	stop       func() error
}

func runStore(t testing.TB, natsURL string, rdb redis.UniversalClient, cfg Config) runningStore {
	t.Helper()
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = freeAddr(t)
	}
	if cfg.AdminAddr == "" {
		cfg.AdminAddr = freeAddr(t)
	}
	deps := connectDeps(t, natsURL, "store")
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, deps, rdb) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			runErr = <-done
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	api, admin := "http://"+cfg.HTTPAddr, "http://"+cfg.AdminAddr
	waitFor(t, "store HTTP up", func() bool {
		for _, u := range []string{api + "/v1/languages", admin + "/healthz"} {
			resp, err := http.Get(u)
			if err != nil {
				return false
			}
			resp.Body.Close()
		}
		return true
	})
	return runningStore{api: api, admin: admin, stop: stop}
}

func publish(t testing.TB, js jetstream.JetStream, a *events.Article) uint64 {
	t.Helper()
	m, err := a.Msg("newsflow/test")
	if err != nil {
		t.Fatal(err)
	}
	ack, err := js.PublishMsg(t.Context(), m)
	if err != nil {
		t.Fatalf("publish %s: %v", a.Title, err)
	}
	return ack.Sequence
}

// waitFor polls cond until it holds; the deadline only bounds a broken test.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sseEvent is one server-sent event or comment.
type sseEvent struct {
	id, event, data, comment string
}

// sseClient reads one /v1/stream response into a channel until the body ends.
type sseClient struct {
	greeting sseEvent // the first block: a comment, and the position as id
	resp     *http.Response
	events   chan sseEvent
	cancel   context.CancelFunc
	done     chan struct{}
}

func openStream(t testing.TB, url, lastEventID string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open stream: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("open stream: %s: %s", resp.Status, b)
	}
	c := &sseClient{resp: resp, events: make(chan sseEvent, 100), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer close(c.events)
		readSSE(resp.Body, func(ev sseEvent) bool {
			select {
			case c.events <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	t.Cleanup(c.close)
	// The first comment arrives once the server's consumer exists: from here
	// on nothing published is missed.
	if c.greeting = c.next(t); c.greeting.comment == "" {
		t.Fatalf("stream opened with %+v, want the greeting comment", c.greeting)
	}
	return c
}

// readSSE parses server-sent events from r until it ends or emit returns
// false. An event cut off by the end of r is dropped, as a browser does.
func readSSE(r io.Reader, emit func(sseEvent) bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev != (sseEvent{}) && !emit(ev) {
				return
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, ":"):
			ev.comment = strings.TrimSpace(line[1:])
		default:
			k, v, _ := strings.Cut(line, ":")
			v = strings.TrimPrefix(v, " ")
			switch k {
			case "id":
				ev.id = v
			case "event":
				ev.event = v
			case "data":
				ev.data += v
			}
		}
	}
}

func (c *sseClient) close() {
	c.cancel()
	c.resp.Body.Close()
	<-c.done
}

// next returns the next event or comment; it fails the test if the stream ends.
func (c *sseClient) next(t testing.TB) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-c.events:
		if !ok {
			t.Fatal("stream ended")
		}
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no event within 30s")
	}
	return sseEvent{}
}

// article returns the next article event, skipping comments.
func (c *sseClient) article(t testing.TB) (sseEvent, events.Article) {
	t.Helper()
	for {
		ev := c.next(t)
		if ev.event == "" || ev.event == "position" {
			continue
		}
		if ev.event != "article" {
			t.Fatalf("event type %q, want article", ev.event)
		}
		a, err := events.DecodeArticle([]byte(ev.data))
		if err != nil {
			t.Fatalf("event data: %v", err)
		}
		return ev, *a
	}
}
