package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/fixtures"
	"github.com/newsflow/newsflow/internal/redisserver"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/fetcher"
	"github.com/newsflow/newsflow/services/parser"
	"github.com/newsflow/newsflow/services/store"
)

type seedExpect struct {
	Title       string   `json:"title"`
	PublishedAt string   `json:"published_at"`
	Authors     []string `json:"authors"`
}

func loadSeedExpect(t *testing.T) seedExpect {
	data := fixtures.Read(t, "seed", "expected.json")
	var e seedExpect
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func freeAddr(t *testing.T) string {
	handedOut.Lock()
	defer handedOut.Unlock()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		// The kernel may offer a port it just took back; two listeners of
		// one test given the same port would fail at random.
		if !handedOut.addrs[addr] {
			handedOut.addrs[addr] = true
			return addr
		}
	}
}

// handedOut holds the addresses freeAddr gave in this test binary.
var handedOut = struct {
	sync.Mutex
	addrs map[string]bool
}{addrs: map[string]bool{}}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type listing struct {
	Articles   []events.Article `json:"articles"`
	NextCursor string           `json:"next_cursor"`
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
	return resp.StatusCode
}

// waitArticles polls the API until it lists n articles.
func waitArticles(t *testing.T, api string, n int) listing {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var l listing
	for time.Now().Before(deadline) {
		l = listing{}
		if getJSON(t, api+"/v1/articles?limit=50", &l) == http.StatusOK && len(l.Articles) >= n {
			return l
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("API lists %d articles after 60s, want %d", len(l.Articles), n)
	return l
}

func checkSeed(t *testing.T, l listing) {
	t.Helper()
	want := loadSeedExpect(t)
	for _, a := range l.Articles {
		if a.Title != want.Title {
			continue
		}
		if !slices.Equal(a.Authors, want.Authors) {
			t.Errorf("seed authors = %q, want %q", a.Authors, want.Authors)
		}
		if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != want.PublishedAt {
			t.Errorf("seed published_at = %v, want %s", a.PublishedAt, want.PublishedAt)
		}
		return
	}
	var titles []string
	for _, a := range l.Articles {
		titles = append(titles, a.Title)
	}
	t.Errorf("no article titled %q among %q", want.Title, titles)
}

func streamMsgs(t *testing.T, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	s, err := js.Stream(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// TestPipelineEndToEnd runs fetcher, parser and store as three services on
// their own NATS connections against an embedded nats-server and the real
// Redis, and checks what the store's API serves.
func TestPipelineEndToEnd(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	o := newOrigin(t)
	ns := natstest.StartProvisioned(t)
	rdb, prefix := redistest.Client(t)
	apiAddr := freeAddr(t)
	stop := startPipeline(t, natsx.Config{URL: ns.ClientURL()}, rdb, pipelineConfig{
		fetcher: fetcher.Config{Feeds: []string{o.URL + "/feed.xml"}, PollInterval: 300 * time.Millisecond,
			MaxBackoff: time.Second, Workers: 2, MaxDeliver: 3, HostDelay: 10 * time.Millisecond,
			Timeout: 10 * time.Second, MaxBytes: 5 << 20, AllowPrivate: true},
		parser: parser.Config{Workers: 2, MaxDeliver: 3, Timeout: 10 * time.Second},
		store:  store.Config{Prefix: prefix, TTL: time.Hour, Workers: 2, HTTPAddr: apiAddr},
	})
	ctx := t.Context()

	// Every event the parser emits must validate against the committed schema.
	sub, err := js(t, ns.ClientURL()).OrderedConsumer(ctx, events.StreamArticles, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}

	api := "http://" + apiAddr
	l := waitArticles(t, api, 3)
	if len(l.Articles) != 3 {
		t.Fatalf("API lists %d articles, want 3", len(l.Articles))
	}
	checkSeed(t, l)
	for i := 1; i < len(l.Articles); i++ {
		if a, b := l.Articles[i-1], l.Articles[i]; a.PublishedAt != nil && b.PublishedAt != nil && a.PublishedAt.Before(*b.PublishedAt) {
			t.Errorf("listing not newest first: %v before %v", a.PublishedAt, b.PublishedAt)
		}
	}
	for _, a := range l.Articles {
		var got events.Article
		if code := getJSON(t, api+"/v1/articles/"+a.ID, &got); code != http.StatusOK || got.ID != a.ID {
			t.Errorf("GET /v1/articles/%s: status %d, id %q", a.ID, code, got.ID)
		}
	}
	for range 3 {
		m, err := sub.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("article event: %v", err)
		}
		if err := events.ValidateArticleJSON(m.Data()); err != nil {
			t.Errorf("emitted event fails the schema: %v\n%s", err, m.Data())
		}
		if _, err := events.EventFromHeader(m.Headers()); err != nil {
			t.Errorf("emitted event: %v", err)
		}
	}

	// Polling the feed again adds nothing.
	hits := o.feedHits.Load()
	deadline := time.Now().Add(30 * time.Second)
	for o.feedHits.Load() < hits+3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if o.feedHits.Load() < hits+3 {
		t.Fatalf("feed polled %d more times, want 3", o.feedHits.Load()-hits)
	}
	time.Sleep(500 * time.Millisecond) // let anything a repoll queued flow through
	l = waitArticles(t, api, 3)
	if len(l.Articles) != 3 {
		t.Errorf("after repolls the API lists %d articles, want 3", len(l.Articles))
	}
	jsx := js(t, ns.ClientURL())
	for _, s := range []string{events.StreamRaw, events.StreamArticles} {
		if n := streamMsgs(t, jsx, s); n != 3 {
			t.Errorf("%s holds %d messages, want 3", s, n)
		}
	}
	if n := streamMsgs(t, jsx, events.StreamDLQ); n != 0 {
		t.Errorf("DLQ holds %d messages, want 0", n)
	}

	checkTraces(t, spans.Ended(), l)
	stop()
}

type pipelineConfig struct {
	fetcher fetcher.Config
	parser  parser.Config
	store   store.Config
}

// startPipeline runs store, parser and fetcher in this process, each on its
// own NATS connection as separate services would be, on a server provisioned
// beforehand; stop ends them and waits.
func startPipeline(t *testing.T, nc natsx.Config, rdb redis.UniversalClient, cfg pipelineConfig) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	log := testLogger(t)
	connect := func(name string) service.Deps {
		c := nc
		c.Name = name
		d, err := service.Connect(ctx, c, log.With("stage", name))
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		t.Cleanup(d.NC.Close)
		return d
	}
	var wg sync.WaitGroup
	run := func(name string, fn func() error) {
		wg.Go(func() {
			if err := fn(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
	sd, pd, fd := connect("store"), connect("parser"), connect("fetcher")
	run("store", func() error { return store.Run(ctx, cfg.store, sd, rdb) })
	run("parser", func() error { return parser.Run(ctx, cfg.parser, pd) })
	run("fetcher", func() error { return fetcher.Run(ctx, cfg.fetcher, fd) })
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
		})
	}
	t.Cleanup(stop)
	return stop
}

// checkTraces finds, for every stored article, one trace holding its queue,
// fetch, parse and store spans.
func checkTraces(t *testing.T, spans []sdktrace.ReadOnlySpan, l listing) {
	t.Helper()
	stages := map[string]map[string]bool{} // trace id -> span name prefixes
	for _, s := range spans {
		id := s.SpanContext().TraceID().String()
		if stages[id] == nil {
			stages[id] = map[string]bool{}
		}
		name := s.Name()
		if i := strings.IndexByte(name, ' '); i > 0 && name != "queue article" {
			name = name[:i]
		}
		stages[id][name] = true
	}
	complete := 0
	for _, names := range stages {
		if names["queue article"] && names["fetcher"] && names["parser"] && names["store"] {
			complete++
		}
	}
	if complete != len(l.Articles) {
		t.Errorf("%d traces span queue→fetch→parse→store, want one per article (%d); traces: %v", complete, len(l.Articles), stages)
	}
}

func js(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	_, j, err := natsx.Connect(t.Context(), natsx.Config{URL: url, Name: "test"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestUpCommand runs "newsflow up" as a user would, against the same origin,
// with REDIS_URL naming the Redis to use.
func TestUpCommand(t *testing.T) {
	o := newOrigin(t)
	_, prefix := redistest.Client(t)
	t.Setenv("REDIS_URL", redistest.URL(t))
	t.Setenv("REDIS_PREFIX", prefix)
	t.Setenv("LOG_LEVEL", "warn")
	apiAddr, adminAddr, dataDir := freeAddr(t), freeAddr(t), t.TempDir()
	stop := startUp(t, "--feed", o.URL+"/feed.xml", "--allow-private",
		"--api-addr", apiAddr, "--admin-addr", adminAddr, "--data-dir", dataDir, "--poll-interval", "1s")
	checkSeed(t, waitArticles(t, "http://"+apiAddr, 3))
	// One admin listener for the whole pipeline: every stage's metrics, and
	// none of it on the API address.
	for _, tc := range []struct {
		url      string
		status   int
		contains []string
	}{
		{"http://" + adminAddr + "/metrics", http.StatusOK, []string{"newsflow_fetcher_pages_published_total", "newsflow_parser_articles_total", "newsflow_store_writes_total"}},
		{"http://" + adminAddr + "/readyz", http.StatusOK, []string{`"ready"`}},
		{"http://" + apiAddr + "/metrics", http.StatusNotFound, nil},
		{"http://" + apiAddr + "/readyz", http.StatusNotFound, nil},
	} {
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: %d, want %d", tc.url, resp.StatusCode, tc.status)
		}
		for _, want := range tc.contains {
			if !strings.Contains(string(b), want) {
				t.Errorf("GET %s: no %s", tc.url, want)
			}
		}
	}
	stop()
	if _, err := os.Stat(filepath.Join(dataDir, "redis")); err == nil {
		t.Error("up started a Redis although REDIS_URL was set")
	}
}

// With REDIS_URL unset and no Redis on the default address, up starts a
// redis-server of its own under --data-dir, stops it on exit, and finds the
// articles again on the next start (append-only file).
func TestUpStartsItsOwnRedis(t *testing.T) {
	o := newOrigin(t)
	t.Setenv("REDIS_URL", "")
	t.Setenv("LOG_LEVEL", "warn")
	nobody := freeAddr(t) // nothing listens here: the "default" Redis is absent
	old := defaultRedisURL
	defaultRedisURL = "redis://" + nobody
	t.Cleanup(func() { defaultRedisURL = old })
	dataDir := t.TempDir()
	apiAddr := freeAddr(t)
	args := []string{"--allow-private", "--api-addr", apiAddr, "--data-dir", dataDir, "--poll-interval", "1s"}

	stop := startUp(t, append([]string{"--feed", o.URL + "/feed.xml"}, args...)...)
	checkSeed(t, waitArticles(t, "http://"+apiAddr, 3))
	redisAddr := ownRedisAddr(t, dataDir)
	stop()
	if c, err := net.DialTimeout("tcp", redisAddr, time.Second); err == nil {
		c.Close()
		t.Errorf("the redis-server up started still listens on %s after up stopped", redisAddr)
	}
	if _, err := net.DialTimeout("tcp", nobody, time.Second); err == nil {
		t.Errorf("something listens on %s, the address meant to have no Redis", nobody)
	}

	// No feed and no NATS state this time: what the API lists can only have
	// come back from Redis's append-only file.
	if err := os.RemoveAll(filepath.Join(dataDir, "nats")); err != nil {
		t.Fatal(err)
	}
	stop = startUp(t, args...)
	checkSeed(t, waitArticles(t, "http://"+apiAddr, 3))
	stop()
}

// startUp runs `newsflow up args…` until the returned stop is called, which
// cancels it (as SIGTERM does) and checks it exits 0 in time.
func startUp(t *testing.T, args ...string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	// up's own log is what says why it failed to start or stop.
	var stderr lockedBuffer
	go func() { done <- run(ctx, append([]string{"up"}, args...), nil, io.Discard, &stderr) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("newsflow up exited %d, want 0; its log:\n%s", code, stderr.String())
				} else if t.Failed() {
					t.Logf("newsflow up's log:\n%s", stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("newsflow up did not stop within 30s of SIGTERM")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// ownRedisAddr reads the address of the redis-server up started from the
// log in its data directory.
func ownRedisAddr(t *testing.T, dataDir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dataDir, "redis", "redis.log"))
	if err != nil {
		t.Fatalf("up started no redis-server under --data-dir: %v", err)
	}
	m := regexp.MustCompile(`Port: (\d+)|port=(\d+)|on port (\d+)`).FindStringSubmatch(string(data))
	if m == nil {
		t.Fatalf("no port in the redis-server log:\n%s", data)
	}
	return "127.0.0.1:" + m[1] + m[2] + m[3]
}

// Without REDIS_URL, without a Redis listening and without redis-server
// installed, up stops at once and says how to install it.
func TestUpWithoutRedisServer(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	t.Setenv("PATH", t.TempDir()) // no redis-server here
	old := defaultRedisURL
	defaultRedisURL = "redis://" + freeAddr(t)
	t.Cleanup(func() { defaultRedisURL = old })
	var stderr strings.Builder
	code := run(t.Context(), []string{"up", "--data-dir", t.TempDir(), "--api-addr", freeAddr(t)}, nil, io.Discard, &stderr)
	if code == 0 {
		t.Fatal("up exited 0 with no Redis to use")
	}
	if !strings.Contains(stderr.String(), redisserver.InstallHint) {
		t.Errorf("up's error does not say how to install redis-server:\n%s", stderr.String())
	}
}
