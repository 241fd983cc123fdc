package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
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

// faultConfig is one configuration the fault suite runs.
type faultConfig struct {
	name           string
	fetcherTimeout string // FETCHER_TIMEOUT
	items          int    // per feed: originHosts*feedsPerHost*items articles
	// Every fault strikes in [2 s, 2 s + window); a fetcher kill not before
	// fetcherKillsFrom, so the normal fetch rate it is judged against comes
	// from normalWindow of steady fetching.
	window time.Duration
}

const fetcherKillsFrom = 12 * time.Second

// The fault suite: the service binaries as processes (2 fetchers, 2 parsers,
// 1 store) against a NATS and a redis-server of the test's own, ingesting
// the origin's articles while faults strike at seeded random moments: each
// kind of replica SIGKILLed and restarted, NATS restarted, Redis down for
// 5 s. Afterwards every article is stored exactly once, published once, and
// nothing is dead-lettered; after each fetcher kill the site-wide fetch rate
// is back to 80% of normal within 15 s. It runs with the fetch timeout the
// local origin needs and with a short one (FETCHER_TIMEOUT=3s, fewer
// articles to keep CI time down). NEWSFLOW_FAULT_SEED replays a run.
func TestFaults(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("NEWSFLOW_FAULT_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (NEWSFLOW_FAULT_SEED=%d replays it)", seed, seed)
	bins := buildImages(t)
	for _, c := range []faultConfig{
		{name: "timeout=10s", fetcherTimeout: "10s", items: 50, window: 28 * time.Second},
		{name: "timeout=3s", fetcherTimeout: "3s", items: 30, window: 18 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) { runFaults(t, bins, c, seed) })
	}
}

// fault is one fault of a run and when it struck.
type fault struct {
	at      time.Duration
	fetcher bool // a fetcher replica killed: judged by the fetch-rate criterion
	run     func() string
	what    string
}

func runFaults(t *testing.T, bins map[string]string, c faultConfig, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed))
	origin := newOrigin(t, c.items)
	total := len(origin.articles)
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
				"FETCHER_TIMEOUT": c.fetcherTimeout, "FETCHER_API_ADDR": freeAddr(t)} {
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

	// The faults, each at a seeded moment.
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
	faults := []*fault{
		{run: kill("fetcher-1"), fetcher: true}, {run: kill("fetcher-2"), fetcher: true},
		{run: kill("parser-1")}, {run: kill("store-1")},
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
	const first = 2 * time.Second
	for _, f := range faults {
		from := first
		if f.fetcher {
			from = fetcherKillsFrom
		}
		f.at = from + time.Duration(rng.Int64N(int64(first+c.window-from)))
	}
	sort.Slice(faults, func(i, j int) bool { return faults[i].at < faults[j].at })

	began := time.Now()
	for _, f := range faults {
		time.Sleep(time.Until(began.Add(f.at)))
		f.at = time.Since(began) // a fault may start late, after a slow one
		f.what = f.run()
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
	eventually(t, 4*time.Minute, fmt.Sprintf("%d articles stored after the faults", total), func() bool {
		if streamMsgs(js, events.StreamArticles) < uint64(total) || httpStatus(store().adminURL("/readyz")) != http.StatusOK {
			return false
		}
		return len(listAll(t, []*proc{store()})) >= total
	})
	time.Sleep(time.Second) // a late duplicate would show now
	rate := newFetchRate(began, origin.pageHits(), total, time.Since(began))

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
	dead := deadLetters(t, bins["newsflow"], natsURL)
	var deadStored int
	reasons := map[string]int{}
	for _, d := range dead {
		if seen[d.URL] > 0 {
			deadStored++
		}
		reasons[d.Stage+": "+d.Reason]++
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s (seed %d): offered %d, stored %d, lost %d, stored twice %d, article events %d, pages served %d, dead letters %d (%d of stored articles)\n",
		c.name, seed, total, len(seen), lost, doubled, published, rate.served(0, rate.end), len(dead), deadStored)
	for r, n := range reasons {
		fmt.Fprintf(&b, "  dead-lettered ×%d: %s\n", n, r)
	}
	fmt.Fprintf(&b, "  %6s  %-48s %7s %9s %11s %9s\n", "at", "fault", "stall", "normal", "recovered", "left")
	for _, f := range faults {
		stall := rate.stall(f.at, 20*time.Second)
		line := fmt.Sprintf("  %5.1fs  %-48s %6.1fs", f.at.Seconds(), f.what, stall.Seconds())
		if f.fetcher {
			normal, ok := rate.normal(f.at)
			after, recovered := rate.recovery(f.at, normal)
			switch {
			case !ok:
				t.Errorf("%s at %.1fs: no normal fetch rate before it (fewer than %d s of fetching)", f.what, f.at.Seconds(), minNormalSeconds)
			case !recovered || after > recoverWithin:
				t.Errorf("%s at %.1fs: the fetch rate was not back to %.0f%% of normal (%.0f pages/s) for %v within %v (back after %v, recovered %v)",
					f.what, f.at.Seconds(), recoveredShare*100, normal, sustainFor, recoverWithin, after.Round(100*time.Millisecond), recovered)
			}
			line += fmt.Sprintf(" %7.0f/s %10.1fs %9d", normal, after.Seconds(), rate.remaining(f.at))
			line += "\n" + rate.hostSeries(f.at-2*time.Second, f.at+recoverWithin)
		}
		b.WriteString(strings.TrimSuffix(line, "\n") + "\n")
	}
	idle, idleAt, idleLeft := rate.idle()
	fmt.Fprintf(&b, "  longest time with articles left and none newly requested: %.1fs from %.1fs (%d left)\n", idle.Seconds(), idleAt.Seconds(), idleLeft)
	if idle > recoverWithin {
		t.Errorf("for %v from %.1fs no article was newly requested while %d were left", idle.Round(100*time.Millisecond), idleAt.Seconds(), idleLeft)
	}
	b.WriteString(rate.series(time.Second))
	t.Log(b.String())

	if lost > 0 || doubled > 0 || len(seen) != total {
		t.Errorf("after the faults: %d of %d articles lost, %d stored twice", lost, total, doubled)
	}
	if published != uint64(total) {
		t.Errorf("%s holds %d events, want %d (each article published once)", events.StreamArticles, published, total)
	}
	if deadStored > 0 {
		t.Errorf("%d dead letters are of articles that were stored", deadStored)
	}
	if len(dead) != 0 {
		t.Errorf("%d dead letters: no fault here is a reason to give up on a message", len(dead))
	}
}

// deadLetter is a line of `newsflow dlq list --json`.
type deadLetter struct {
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
	URL    string `json:"url"`
}

// deadLetters lists NEWSFLOW_DLQ the way an operator would, with the CLI.
func deadLetters(t *testing.T, cli, natsURL string) []deadLetter {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, "dlq", "list", "--json")
	cmd.Env = []string{"NATS_URL=" + natsURL}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("newsflow dlq list --json: %v\n%s", err, stderr.Bytes())
	}
	var dead []deadLetter
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var d deadLetter
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("newsflow dlq list --json: %q: %v", sc.Text(), err)
		}
		dead = append(dead, d)
	}
	return dead
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
