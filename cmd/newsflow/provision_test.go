package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/fetcher"
	"github.com/newsflow/newsflow/services/parser"
	"github.com/newsflow/newsflow/services/store"
)

// runCLI runs `newsflow args…` and returns its output and exit code.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

// stage is one service's Run, started against natsURL.
type stage struct {
	name     string
	stream   string // where its durable consumer lives
	consumer string
	run      func(ctx context.Context, deps service.Deps) error
}

func stageRuns(t *testing.T) []stage {
	rdb, prefix := redistest.Client(t)
	return []stage{
		{"fetcher", events.StreamJobs, events.ConsumerFetcher, func(ctx context.Context, d service.Deps) error {
			return fetcher.Run(ctx, fetcher.Config{PollInterval: time.Hour, AllowPrivate: true}, d)
		}},
		{"parser", events.StreamRaw, events.ConsumerParser, func(ctx context.Context, d service.Deps) error {
			return parser.Run(ctx, parser.Config{Workers: 1, MaxDeliver: 3, Timeout: time.Second}, d)
		}},
		{"store", events.StreamArticles, events.ConsumerStore, func(ctx context.Context, d service.Deps) error {
			return store.Run(ctx, store.Config{Prefix: prefix, TTL: time.Hour, HTTPAddr: freeAddr(t)}, d, rdb)
		}},
	}
}

// topologyConfigs is the configuration of every stream behind the topology
// (KV buckets and the object store included).
func topologyConfigs(t *testing.T, js jetstream.JetStream) map[string]jetstream.StreamConfig {
	t.Helper()
	out := map[string]jetstream.StreamConfig{}
	for name := range js.StreamNames(t.Context()).Name() {
		s, err := js.Stream(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		out[name] = info.Config
	}
	return out
}

// Before `newsflow provision`, every service and every CLI command that
// needs NATS refuses to start, names the command, and creates nothing.
func TestNothingStartsBeforeProvision(t *testing.T) {
	ns := natstest.Start(t)
	js := js(t, ns.ClientURL())
	for _, st := range stageRuns(t) {
		t.Run(st.name, func(t *testing.T) {
			deps, err := service.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: st.name}, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer deps.NC.Close()
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			err = st.run(ctx, deps)
			if !errors.Is(err, events.ErrNotProvisioned) || !strings.Contains(err.Error(), "`newsflow provision`") ||
				!strings.Contains(err.Error(), st.stream) {
				t.Errorf("Run = %v, want it to name `newsflow provision` and %s", err, st.stream)
			}
		})
	}
	for _, args := range [][]string{
		{"feeds", "--nats", ns.ClientURL(), "list"},
		{"feeds", "--nats", ns.ClientURL(), "add", "https://a.example/feed.xml"},
		{"tail", "--nats", ns.ClientURL(), "--max", "1"},
	} {
		_, errOut, code := runCLI(t, args...)
		if code != 1 || !strings.Contains(errOut, "`newsflow provision`") {
			t.Errorf("newsflow %s: exit %d, %q; want 1 and a message naming `newsflow provision`", strings.Join(args, " "), code, errOut)
		}
	}
	if got := topologyConfigs(t, js); len(got) != 0 {
		t.Errorf("streams exist before provisioning: %v", got)
	}
}

// A retention change made with `newsflow provision` stays through a restart
// of every service and every CLI command that touches NATS; provision is
// idempotent, reads the environment, lets flags override it, and refuses
// large-page retention shorter than the dead letters'.
func TestProvisionCommand(t *testing.T) {
	ns := natstest.Start(t)
	url := ns.ClientURL()
	js := js(t, url)

	out, errOut, code := runCLI(t, "provision", "--nats", url, "--articles-max-age", "2160h", "--dlq-max-age", "720h")
	if code != 0 {
		t.Fatalf("provision: exit %d: %s", code, errOut)
	}
	for _, r := range events.DefaultTopology().Resources() {
		if !strings.Contains(out, "created   "+r.String()+"\n") {
			t.Errorf("provision output does not report %s created:\n%s", r, out)
		}
	}
	cfg := topologyConfigs(t, js)
	if got := cfg[events.StreamArticles].MaxAge; got != 90*24*time.Hour {
		t.Errorf("articles max age %s, want 90 days", got)
	}
	if got := cfg["OBJ_"+events.BucketPages].MaxAge; got != 30*24*time.Hour {
		t.Errorf("large pages kept %s, want as long as the dead letters (30 days)", got)
	}

	out, _, code = runCLI(t, "provision", "--nats", url, "--articles-max-age", "2160h", "--dlq-max-age", "720h")
	if code != 0 || strings.Count(out, "unchanged ") != len(cfg) || strings.Contains(out, "->") {
		t.Errorf("provision again: exit %d, want every resource unchanged:\n%s", code, out)
	}

	// Every service starts, runs and stops; every CLI command runs.
	for _, st := range stageRuns(t) {
		deps, err := service.Connect(t.Context(), natsx.Config{URL: url, Name: st.name}, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- st.run(ctx, deps) }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := js.Consumer(t.Context(), st.stream, st.consumer); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no consumer %s on %s after 30s", st.name, st.consumer, st.stream)
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s: %v", st.name, err)
		}
		deps.NC.Close()
	}
	publishArticle(t, js, tailArticle("a.example", 1, "en"))
	for _, args := range [][]string{
		{"feeds", "--nats", url, "add", "https://a.example/feed.xml"},
		{"feeds", "--nats", url, "list"},
		{"feeds", "--nats", url, "remove", "https://a.example/feed.xml"},
		{"tail", "--nats", url, "--all", "--max", "1", "--format", "json"},
	} {
		if _, errOut, code := runCLI(t, args...); code != 0 {
			t.Errorf("newsflow %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
	}
	after := topologyConfigs(t, js)
	if !reflect.DeepEqual(after, cfg) {
		for name := range cfg {
			if !reflect.DeepEqual(after[name], cfg[name]) {
				t.Errorf("%s changed by a service or a CLI command:\nbefore %+v\nafter  %+v", name, cfg[name], after[name])
			}
		}
	}

	// Large pages must outlive the dead letters pointing to them.
	_, errOut, code = runCLI(t, "provision", "--nats", url, "--articles-max-age", "2160h", "--dlq-max-age", "720h", "--pages-max-age", "72h")
	if code != 2 || !strings.Contains(errOut, "NEWSFLOW_PAGES_MAX_AGE=72h0m0s is shorter than NEWSFLOW_DLQ_MAX_AGE=720h0m0s") {
		t.Errorf("provision with pages shorter than dead letters: exit %d, %q", code, errOut)
	}

	// Settings come from the environment; a flag overrides its variable.
	t.Setenv("NEWSFLOW_ARTICLES_MAX_AGE", "2160h")
	t.Setenv("NEWSFLOW_DLQ_MAX_AGE", "720h")
	t.Setenv("NEWSFLOW_RAW_MAX_AGE", "96h")
	out, errOut, code = runCLI(t, "provision", "--nats", url, "--raw-max-age", "120h")
	if code != 0 {
		t.Fatalf("provision: exit %d: %s", code, errOut)
	}
	want := fmt.Sprintf("updated   stream %s\n          max_age: 72h0m0s -> 120h0m0s\n", events.StreamRaw)
	if !strings.Contains(out, want) || strings.Count(out, "updated ") != 1 {
		t.Errorf("provision with NEWSFLOW_RAW_MAX_AGE and --raw-max-age: want only\n%s\ngot\n%s", want, out)
	}
	if !reflect.DeepEqual(topologyConfigs(t, js)[events.StreamArticles], cfg[events.StreamArticles]) {
		t.Error("the articles stream changed although NEWSFLOW_ARTICLES_MAX_AGE kept its value")
	}
}

// `newsflow up` provisions on its first start, from the environment, and
// never rewrites what exists: a change made with `newsflow provision`
// survives its restart.
func TestUpProvisionsOnlyOnce(t *testing.T) {
	_, prefix := redistest.Client(t)
	t.Setenv("REDIS_URL", redistest.URL(t))
	t.Setenv("REDIS_PREFIX", prefix)
	t.Setenv("LOG_LEVEL", "warn")
	t.Setenv("NEWSFLOW_ARTICLES_MAX_AGE", "48h")
	natsAddr, apiAddr := freeAddr(t), freeAddr(t)
	natsURL := "nats://" + natsAddr
	_, port, _ := strings.Cut(natsAddr, ":")
	args := []string{"--api-addr", apiAddr, "--data-dir", t.TempDir(), "--nats-port", port}
	// maxAge is the articles stream's, once up serves its API (it provisions
	// before it starts the stages).
	maxAge := func() time.Duration {
		t.Helper()
		waitArticles(t, "http://"+apiAddr, 0)
		return topologyConfigs(t, js(t, natsURL))[events.StreamArticles].MaxAge
	}

	stop := startUp(t, args...)
	if got := maxAge(); got != 48*time.Hour {
		t.Errorf("first up: articles max age %s, want NEWSFLOW_ARTICLES_MAX_AGE's 48h", got)
	}
	if _, errOut, code := runCLI(t, "provision", "--nats", natsURL, "--articles-max-age", "2160h"); code != 0 {
		t.Fatalf("provision: exit %d: %s", code, errOut)
	}
	stop()
	stop = startUp(t, args...)
	if got := maxAge(); got != 2160*time.Hour {
		t.Errorf("up restarted: articles max age %s, want provision's 2160h kept", got)
	}
	stop()
}
