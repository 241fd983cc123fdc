package deploy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natsserver"
	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/internal/redisserver"
	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
)

// The fault suite: the service binaries as processes (2 fetchers, 2 parsers,
// 1 store) against a NATS and a redis-server of the test's own, ingesting
// the origin's 2,000 articles while faults strike at seeded random moments:
// each kind of replica SIGKILLed and restarted, NATS restarted, Redis down
// for 5 s. Afterwards every article is stored exactly once, published once,
// and nothing is dead-lettered. NEWSFLOW_FAULT_SEED replays a run.
func TestFaults(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("NEWSFLOW_FAULT_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (NEWSFLOW_FAULT_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	bins := buildImages(t)
	origin := newOrigin(t)
	feedsFile := filepath.Join(t.TempDir(), "feeds.txt")
	if err := os.WriteFile(feedsFile, []byte(strings.Join(origin.feeds, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// NATS and Redis that the test can stop and start again where the
	// services look for them, with their data.
	natsPort, natsDir := freePort(t), t.TempDir()
	var ns *server.Server
	startNATS := func() {
		var err error
		if ns, err = natsserver.Start(natsserver.Options{Port: natsPort, StoreDir: natsDir}); err != nil {
			t.Fatalf("start nats: %v", err)
		}
	}
	startNATS()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	natsURL := ns.ClientURL()
	natstest.Provision(t, natsURL, events.DefaultTopology())

	redisPort, redisDir := freePort(t), t.TempDir()
	var rs *redisserver.Server
	startRedis := func() {
		var err error
		if rs, err = redisserver.Start(t.Context(), redisserver.Options{Dir: redisDir, AOF: true, Port: redisPort}); err != nil {
			t.Fatalf("start redis: %v", err)
		}
	}
	startRedis()
	t.Cleanup(func() { _ = rs.Stop() })

	envs := map[string]map[string]string{}
	envOf := func(name string) map[string]string {
		if env, ok := envs[name]; ok {
			return env // a restart keeps its addresses
		}
		env := map[string]string{"NATS_URL": natsURL, "ADMIN_ADDR": freeAddr(t), "LOG_LEVEL": "warn"}
		switch {
		case strings.HasPrefix(name, "fetcher"):
			for k, v := range map[string]string{"FETCHER_FEEDS_FILE": feedsFile, "FETCHER_ALLOW_PRIVATE": "true",
				"FETCHER_HOST_DELAY": "100ms", "FETCHER_HOST_CONCURRENCY": "2", "FETCHER_WORKERS": "8",
				"FETCHER_POLL_INTERVAL": "2s", "FETCHER_MIN_INTERVAL": "1s", "FETCHER_MAX_INTERVAL": "10s",
				"FETCHER_TIMEOUT": "10s", "FETCHER_API_ADDR": freeAddr(t)} {
				env[k] = v
			}
		case strings.HasPrefix(name, "store"):
			env["HTTP_ADDR"] = freeAddr(t)
			env["REDIS_URL"] = rs.URL()
			env["REDIS_PREFIX"] = redistest.Prefix()
		}
		envs[name] = env
		return env
	}
	var mu sync.Mutex
	procs := map[string]*proc{}
	start := func(name string) *proc {
		svc, _, _ := strings.Cut(name, "-")
		pr := startProc(t, name, bins[svc], envOf(name))
		mu.Lock()
		procs[name] = pr
		mu.Unlock()
		return pr
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, pr := range procs {
			pr.kill()
		}
		if t.Failed() {
			for _, pr := range procs {
				t.Logf("--- %s (%s), last lines:\n%s", pr.name, pr.state(), pr.out.tail(3000))
			}
		}
	})
	for _, name := range []string{"store-1", "parser-1", "parser-2", "fetcher-1", "fetcher-2"} {
		start(name)
	}

	// The faults, each at a seeded moment of the first 30 s.
	restartAfter := func() time.Duration { return time.Second + time.Duration(rng.Int64N(int64(2*time.Second))) }
	kill := func(name string) func() string {
		return func() string {
			mu.Lock()
			pr := procs[name]
			mu.Unlock()
			pr.kill()
			d := restartAfter()
			time.Sleep(d)
			start(name)
			return fmt.Sprintf("SIGKILL %s, restarted after %v", name, d.Round(100*time.Millisecond))
		}
	}
	faults := []struct {
		at  time.Duration
		run func() string
	}{
		{run: kill("fetcher-1")}, {run: kill("fetcher-2")}, {run: kill("parser-1")}, {run: kill("store-1")},
		{run: func() string {
			ns.Shutdown()
			ns.WaitForShutdown()
			d := restartAfter()
			time.Sleep(d)
			startNATS()
			return fmt.Sprintf("nats-server stopped, started again after %v", d.Round(100*time.Millisecond))
		}},
		{run: func() string {
			if err := rs.Stop(); err != nil {
				t.Errorf("stop redis: %v", err)
			}
			time.Sleep(5 * time.Second)
			startRedis()
			return "redis-server down for 5s"
		}},
	}
	for i := range faults {
		faults[i].at = 2*time.Second + time.Duration(rng.Int64N(int64(28*time.Second)))
	}
	sort.Slice(faults, func(i, j int) bool { return faults[i].at < faults[j].at })

	// The fetch rate, sampled: the longest time no page was served after
	// each fault says how long the fault stalled fetching.
	began := time.Now()
	type sample struct {
		at     time.Duration
		served int
	}
	var samples []sample
	sampling, stopSampling := context.WithCancel(t.Context())
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for sampling.Err() == nil {
			samples = append(samples, sample{time.Since(began), origin.pages()})
			time.Sleep(100 * time.Millisecond)
		}
	}()
	var report []string
	for _, f := range faults {
		time.Sleep(time.Until(began.Add(f.at)))
		at := time.Since(began)
		report = append(report, fmt.Sprintf("%5.1fs  %s", at.Seconds(), f.run()))
	}

	// Quiet: everything stored, through every fault.
	nc, err := nats.Connect(natsURL, nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	store := func() *proc { mu.Lock(); defer mu.Unlock(); return procs["store-1"] }
	var listed []listedArticle
	eventually(t, 4*time.Minute, fmt.Sprintf("%d articles stored after the faults", totalArticles), func() bool {
		if streamMsgs(js, events.StreamArticles) < totalArticles || httpStatus(store().adminURL("/readyz")) != http.StatusOK {
			return false
		}
		listed = listAll(t, []*proc{store()})
		return len(listed) >= totalArticles
	})
	time.Sleep(time.Second) // a late duplicate would show now
	stopSampling()
	<-sampled

	seen := map[string]int{}
	for _, a := range listAll(t, []*proc{store()}) {
		seen[a.URL]++
	}
	var lost, doubled int
	for _, u := range origin.articles {
		switch n := seen[u]; {
		case n == 0:
			lost++
		case n > 1:
			doubled++
		}
	}
	published := streamMsgs(js, events.StreamArticles)
	dead := streamMsgs(js, events.StreamDLQ)
	for i, f := range faults {
		// The longest run without a page served in the 20 s after the fault.
		from, to := f.at, f.at+20*time.Second
		var stall time.Duration
		last := time.Duration(-1)
		prev := -1
		for _, s := range samples {
			if s.at < from || s.at > to {
				continue
			}
			if s.served != prev {
				prev, last = s.served, s.at
				continue
			}
			if origin.pages() >= totalArticles && s.served >= totalArticles {
				break // nothing left to fetch is no stall
			}
			stall = max(stall, s.at-last)
		}
		report[i] += fmt.Sprintf("; longest fetch stall after it %v", stall.Round(100*time.Millisecond))
	}
	t.Logf("faults (seed %d):\n  %s\noffered %d, stored %d, lost %d, stored twice %d, article events %d, dead letters %d, pages served %d",
		seed, strings.Join(report, "\n  "), totalArticles, len(seen), lost, doubled, published, dead, origin.pages())
	if lost > 0 || doubled > 0 || len(seen) != totalArticles {
		t.Errorf("after the faults: %d of %d articles lost, %d stored twice", lost, totalArticles, doubled)
	}
	if published != totalArticles {
		t.Errorf("%s holds %d events, want %d (each article published once)", events.StreamArticles, published, totalArticles)
	}
	if dead != 0 {
		t.Errorf("%d dead letters: no fault here is a reason to give up on a message", dead)
	}
}

func streamMsgs(js jetstream.JetStream, stream string) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0
	}
	return info.State.Msgs
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
