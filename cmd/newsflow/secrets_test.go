package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/internal/redisserver"
	"github.com/newsflow/newsflow/internal/tlstest"
	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/fetcher"
	"github.com/newsflow/newsflow/services/parser"
	"github.com/newsflow/newsflow/services/store"
)

// lockedBuffer collects a logger's output from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A feed URL's password reaches the feed's server and nothing else: not the
// fetcher's logs (debug level), not its feed API, not any `newsflow feeds`
// output, not the errors the registry keeps.
func TestFeedPasswordNeverShown(t *testing.T) {
	const secret = "s3cret-pw-4711"
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "try later", http.StatusServiceUnavailable)
	}))
	t.Cleanup(origin.Close)
	feedURL := strings.Replace(origin.URL, "http://", "http://reader:"+secret+"@", 1) + "/feed.xml"

	ns := natstest.StartProvisioned(t)
	var logs lockedBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(t.Context())
	deps, err := service.Connect(ctx, natsx.Config{URL: ns.ClientURL(), Name: "fetcher"}, log)
	if err != nil {
		t.Fatal(err)
	}
	apiAddr := freeAddr(t)
	done := make(chan error, 1)
	go func() {
		done <- fetcher.Run(ctx, fetcher.Config{Feeds: []string{feedURL}, PollInterval: 200 * time.Millisecond,
			MinInterval: 200 * time.Millisecond, AllowPrivate: true, Timeout: 5 * time.Second, APIAddr: apiAddr}, deps)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		deps.NC.Close()
	})

	feeds := feedsCLI(t, ns.ClientURL())
	waitFor(t, 20*time.Second, "the feed to fail once", func() bool {
		out, code := feeds("show", feedURL)
		return code == 0 && strings.Contains(out, "503")
	})
	var shown strings.Builder
	for _, args := range [][]string{{"list"}, {"list", "--json"}, {"show", feedURL}, {"show", "--json", feedURL},
		{"poll", feedURL}, {"reset", feedURL}, {"add", feedURL}, {"remove", feedURL}, {"show", feedURL}} {
		out, _ := feeds(args...)
		shown.WriteString(out)
	}
	resp, err := http.Get("http://" + apiAddr + "/v1/feeds")
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		shown.Write(body)
	}
	if !strings.Contains(shown.String(), "reader:xxxxx@") {
		t.Errorf("the outputs do not show the feed at all (redacted):\n%s", shown.String())
	}
	if strings.Contains(shown.String(), secret) {
		t.Errorf("the password is shown:\n%s", shown.String())
	}
	if l := logs.String(); !strings.Contains(l, "reader:xxxxx@") || strings.Contains(l, secret) {
		t.Errorf("the fetcher's logs show the password, or no feed at all:\n%s", l)
	}
}

// A pipeline run with every secret in play — a Redis user's password (over
// TLS), a NATS token, a feed URL's password — shows none of them anywhere
// an operator looks: the services' logs at debug level and their
// configuration dumps (--print-config), every /metrics, /readyz and
// /healthz, the API and the feed API, the CLI's output, the errors of a
// start with a wrong password, and `newsflow up`'s own logs.
func TestPipelineSecretsNeverShown(t *testing.T) {
	const redisPW, natsToken, feedPW, wrongPW = "r3dis-pw-4711", "n4ts-t0ken-4711", "f33d-pw-4711", "wr0ng-pw-4711"
	secrets := []string{redisPW, natsToken, feedPW, wrongPW}
	pki := tlstest.New(t)
	rs, err := redisserver.Start(t.Context(), redisserver.Options{Dir: t.TempDir(), User: "newsflow", Password: redisPW,
		TLS: &redisserver.TLS{CertFile: pki.ServerCert, KeyFile: pki.ServerKey, CAFile: pki.CA}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rs.Stop() })
	ns := natstest.Start(t, natstest.Token(natsToken))
	o := newOrigin(t)
	feedURL := strings.Replace(o.URL, "http://", "http://reader:"+feedPW+"@", 1) + "/feed.xml"

	var shown lockedBuffer // everything an operator could see
	vars := map[string]string{"NATS_URL": ns.ClientURL(), "NATS_TOKEN": natsToken, "REDIS_URL": rs.URL(), "REDIS_TLS_CA": pki.CA,
		"REDIS_PREFIX": "newsflow-secrets:", "LOG_LEVEL": "debug", "FETCHER_FEEDS": feedURL, "FETCHER_ALLOW_PRIVATE": "true",
		"FETCHER_HOST_DELAY": "0", "FETCHER_API_ADDR": freeAddr(t), "HTTP_ADDR": freeAddr(t)}
	for k, v := range vars {
		t.Setenv(k, v)
	}
	cli := func(args ...string) {
		out, errOut, code := runCLI(t, args...)
		// The command line is the test's, not the program's output.
		fmt.Fprintf(&shown, "newsflow %s (exit %d)\n%s%s", args[0], code, out, errOut)
		if code != 0 {
			t.Errorf("newsflow %s: exit %d\n%s", args[0], code, errOut)
		}
	}
	cli("provision")

	// Each service as its binary starts it (service.Main): its variables,
	// their dump, its logger, NATS, its stage.
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	admins := map[string]string{}
	start := func(name string, setup func(env *config.Env) func(context.Context, service.Deps) error, over map[string]string) error {
		all := maps.Clone(vars)
		all["ADMIN_ADDR"] = freeAddr(t)
		maps.Copy(all, over)
		env := config.FromMap(all)
		nc, logc := natsx.FromEnv(env, name), obs.LogConfigFromEnv(env)
		run := setup(env)
		if err := env.Err(); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&shown, "%s --print-config\n", name)
		config.WriteValues(&shown, env.Vars())
		log, err := obs.NewLogger(&shown, logc, name)
		if err != nil {
			t.Fatal(err)
		}
		deps, err := service.Connect(ctx, nc, log)
		if err != nil {
			fmt.Fprintf(&shown, "%s: %v\n", name, err)
			return err
		}
		t.Cleanup(deps.NC.Close)
		if run == nil {
			return nil
		}
		admins[name] = all["ADMIN_ADDR"]
		failed := make(chan error, 1)
		wg.Go(func() {
			err := run(ctx, deps)
			if err != nil {
				fmt.Fprintf(&shown, "%s: %v\n", name, err)
			}
			failed <- err
		})
		select {
		case err := <-failed:
			return err
		case <-time.After(500 * time.Millisecond):
			return nil
		}
	}
	storeStage := func(env *config.Env) func(context.Context, service.Deps) error {
		cfg := store.ConfigFromEnv(env)
		return func(ctx context.Context, d service.Deps) error {
			rdb, err := store.NewRedis(cfg.RedisURL, cfg.RedisTLS)
			if err != nil {
				return err
			}
			defer rdb.Close()
			return store.Run(ctx, cfg, d, rdb)
		}
	}
	// Wrong passwords first: their errors are shown too.
	wrongRedis := strings.Replace(rs.URL(), redisPW, wrongPW, 1)
	if err := start("store", storeStage, map[string]string{"REDIS_URL": wrongRedis, "HTTP_ADDR": freeAddr(t)}); err == nil {
		t.Error("the store started with a wrong Redis password")
	}
	if err := start("parser", func(*config.Env) func(context.Context, service.Deps) error { return nil },
		map[string]string{"NATS_TOKEN": wrongPW}); err == nil {
		t.Error("a service connected with a wrong NATS token")
	}
	for _, s := range []struct {
		name  string
		setup func(env *config.Env) func(context.Context, service.Deps) error
	}{
		{"store", storeStage},
		{"parser", func(env *config.Env) func(context.Context, service.Deps) error {
			cfg := parser.ConfigFromEnv(env)
			return func(ctx context.Context, d service.Deps) error { return parser.Run(ctx, cfg, d) }
		}},
		{"fetcher", func(env *config.Env) func(context.Context, service.Deps) error {
			cfg := fetcher.ConfigFromEnv(env)
			cfg.PollInterval, cfg.MinInterval = time.Second, time.Second
			return func(ctx context.Context, d service.Deps) error { return fetcher.Run(ctx, cfg, d) }
		}},
	} {
		if err := start(s.name, s.setup, nil); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	api := "http://" + vars["HTTP_ADDR"]
	l := waitArticles(t, api, 3)

	get := func(url string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Errorf("GET %s: %v", url, err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(&shown, "GET %s: %d\n%s\n", url, resp.StatusCode, body)
	}
	for _, admin := range admins {
		for _, path := range []string{"/metrics", "/readyz", "/healthz"} {
			get("http://" + admin + path)
		}
	}
	for _, path := range []string{"/v1/articles", "/v1/sites", "/v1/languages", "/v1/articles/" + l.Articles[0].ID, "/"} {
		get(api + path)
	}
	get("http://" + vars["FETCHER_API_ADDR"] + "/v1/feeds")
	for _, args := range [][]string{{"feeds", "list"}, {"feeds", "list", "--json"}, {"feeds", "show", feedURL},
		{"feeds", "show", "--json", feedURL}, {"dlq", "list"}, {"tail", "--all", "--max", "3"}, {"provision"}} {
		cli(args...)
	}
	cancel()
	wg.Wait()

	// `newsflow up` on the same Redis, once with a wrong password.
	t.Setenv("REDIS_PREFIX", "newsflow-secrets-up:")
	upAPI, upAdmin := freeAddr(t), freeAddr(t)
	upArgs := []string{"up", "--feed", feedURL, "--allow-private", "--api-addr", upAPI, "--admin-addr", upAdmin,
		"--data-dir", t.TempDir(), "--poll-interval", "1s"}
	t.Setenv("REDIS_URL", wrongRedis)
	var upErr bytes.Buffer
	if code := run(t.Context(), upArgs, nil, io.Discard, &upErr); code != 1 || !strings.Contains(upErr.String(), "authentication failed") {
		t.Errorf("up with a wrong Redis password: exit %d, want 1 naming the failed authentication\n%s", code, upErr.String())
	}
	fmt.Fprintf(&shown, "newsflow up, wrong Redis password\n%s", upErr.String())
	t.Setenv("REDIS_URL", rs.URL())
	upCtx, upCancel := context.WithCancel(t.Context())
	upDone := make(chan int, 1)
	go func() { upDone <- run(upCtx, upArgs, nil, &shown, &shown) }()
	waitArticles(t, "http://"+upAPI, 3)
	get("http://" + upAdmin + "/metrics")
	get("http://" + upAdmin + "/readyz")
	get("http://" + upAPI + "/v1/articles")
	upCancel()
	if code := <-upDone; code != 0 {
		t.Errorf("newsflow up exited %d", code)
	}

	out := shown.String()
	for _, want := range []string{"reader:xxxxx@", "newsflow:xxxxx@", "NATS_TOKEN=(secret)", "newsflow_store_writes_total", `"articles"`,
		"authentication failed", "authorization refused", "Library extends opening hours"} {
		if !strings.Contains(out, want) {
			t.Errorf("the outputs lack %q: the scrape missed something", want)
		}
	}
	for _, s := range secrets {
		if i := strings.Index(out, s); i >= 0 {
			t.Errorf("%q is shown: …%s…", s, out[max(0, i-300):min(len(out), i+100)])
		}
	}
	if testing.Verbose() {
		t.Logf("%d bytes of output scraped", len(out))
	}
}
