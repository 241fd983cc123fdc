package deploy

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
)

const (
	originHosts   = 4
	feedsPerHost  = 10
	itemsPerFeed  = 50
	totalArticles = originHosts * feedsPerHost * itemsPerFeed

	// distrolessStatic bounds the size of gcr.io/distroless/static-debian12
	// (about 2 MB): an image is that plus the binary.
	distrolessStatic = 3 << 20
	maxImage         = 30 << 20

	// stopGrace is compose's stop_grace_period (and Kubernetes'
	// terminationGracePeriodSeconds): the time SIGTERM gives a replica.
	stopGrace = 30 * time.Second
)

// The compose topology as processes: 2 fetchers, 3 parsers and 2 stores run
// with the environment docker-compose.yml gives them, against one NATS and
// the real Redis, ingest 2,000 articles from a local origin and store every
// one exactly once; the parsers share the work; every replica passes its
// image health check and stops gracefully on SIGTERM.
func TestComposeTopology(t *testing.T) {
	bins := buildImages(t)
	p := loadCompose(t)
	ns := natstest.Start(t)
	_, prefix := redistest.Client(t)

	origin := newOrigin(t, itemsPerFeed)
	feedsFile := filepath.Join(t.TempDir(), "feeds.txt")
	if err := os.WriteFile(feedsFile, []byte(strings.Join(origin.feeds, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// What must differ outside Docker: addresses, the Redis prefix, the
	// origin (local, so private addresses are allowed and politeness is
	// relaxed). Everything else is the compose file's.
	overrides := map[string]map[string]string{
		"fetcher": {
			"FETCHER_FEEDS_FILE":       feedsFile,
			"FETCHER_ALLOW_PRIVATE":    "true",
			"FETCHER_HOST_DELAY":       "2ms",
			"FETCHER_HOST_CONCURRENCY": "8",
			"FETCHER_WORKERS":          "16",
			"FETCHER_POLL_INTERVAL":    "2s",
			"FETCHER_MIN_INTERVAL":     "1s",
			"FETCHER_MAX_INTERVAL":     "10s",
			"FETCHER_TIMEOUT":          "10s",
		},
		"parser": {},
		"store": {
			"REDIS_URL":    redistest.URL(t),
			"REDIS_PREFIX": prefix,
		},
	}
	replicas := map[string]int{"store": 2, "parser": 3, "fetcher": 2}
	var procs []*proc
	t.Cleanup(func() {
		for _, pr := range procs {
			pr.kill()
		}
		if t.Failed() {
			for _, pr := range procs {
				t.Logf("--- %s (%s) output, last lines:\n%s", pr.name, pr.state(), pr.out.tail(6000))
			}
		}
	})
	start := func(svc string) []*proc {
		s, err := p.GetService(svc)
		if err != nil {
			t.Fatalf("compose: %v", err)
		}
		raw, _ := composeEnv(t, s)
		var started []*proc
		for i := range replicas[svc] {
			env := map[string]string{}
			for k, v := range raw {
				env[k] = v
			}
			for k, v := range overrides[svc] {
				env[k] = v
			}
			env["NATS_URL"] = ns.ClientURL()
			env["ADMIN_ADDR"] = freeAddr(t)
			switch svc {
			case "store":
				env["HTTP_ADDR"] = freeAddr(t)
			case "fetcher": // the default, 127.0.0.1:8083, is one per container
				env["FETCHER_API_ADDR"] = freeAddr(t)
			}
			checkEnvNames(t, "topology", svc, env)
			if err := readEnv(svc, env).Err(); err != nil {
				t.Fatalf("%s environment: %v", svc, err)
			}
			pr := startProc(t, fmt.Sprintf("%s-%d", svc, i+1), bins[svc], env)
			procs = append(procs, pr)
			started = append(started, pr)
		}
		return started
	}
	waitReady := func(ps []*proc) {
		for _, pr := range ps {
			eventually(t, 60*time.Second, pr.name+" ready", func() bool {
				pr.checkAlive(t)
				return httpStatus(pr.adminURL("/readyz")) == http.StatusOK
			})
		}
	}

	// Compose starts the stages only once `provision` has succeeded: a stage
	// started before it exits 1 and says what to run.
	for _, early := range start("parser") {
		select {
		case <-early.done:
			if early.cmd.ProcessState.ExitCode() != 1 || !strings.Contains(early.out.tail(2000), "newsflow provision") {
				t.Errorf("%s before provisioning: %s, output %q; want exit 1 naming `newsflow provision`", early.name, early.state(), early.out.tail(2000))
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s kept running before provisioning", early.name)
		}
	}
	procs = procs[:0] // all exited
	prov, _ := p.GetService("provision")
	provEnv, _ := composeEnv(t, prov)
	provEnv["NATS_URL"] = ns.ClientURL()
	checkEnvNames(t, "topology", "provision", provEnv)
	pr := startProc(t, "provision", bins["newsflow"], provEnv, prov.Command...)
	select {
	case <-pr.done:
		if pr.err != nil || !strings.Contains(pr.out.tail(4000), "created   stream "+events.StreamArticles) {
			t.Fatalf("provision: %v\n%s", pr.err, pr.out.tail(4000))
		}
	case <-time.After(60 * time.Second):
		pr.kill()
		t.Fatal("provision did not finish within 60s")
	}

	stores := start("store")
	parsers := start("parser")
	waitReady(append(append([]*proc{}, stores...), parsers...))
	fetchers := start("fetcher")
	waitReady(fetchers)
	for _, s := range stores {
		for _, path := range []string{"/metrics", "/readyz", "/healthz"} {
			if code := httpStatus(s.apiURL(path)); code != http.StatusNotFound {
				t.Errorf("%s: GET %s on the API address: %d, want 404 (it is on the admin address)", s.name, path, code)
			}
		}
	}

	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatalf("connect to nats: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	created := func() float64 {
		var n float64
		for _, s := range stores {
			n += scrape(t, s, "newsflow_store_writes_total", `result="created"`)
		}
		return n
	}
	eventually(t, 5*time.Minute, fmt.Sprintf("%d articles stored", totalArticles), func() bool {
		for _, pr := range procs {
			pr.checkAlive(t)
		}
		return streamMsgs(js, events.StreamArticles) >= totalArticles && created() >= totalArticles
	})
	time.Sleep(time.Second) // a duplicate would show now

	// Exactly once: one article event per page, one created write each,
	// and the API lists each origin URL once.
	if n := streamMsgs(js, events.StreamArticles); n != totalArticles {
		t.Errorf("%s holds %d articles, want %d", events.StreamArticles, n, totalArticles)
	}
	if n := created(); n != totalArticles {
		t.Errorf("stores created %v articles, want %d", n, totalArticles)
	}
	listed := listAll(t, stores)
	seenID := map[string]bool{}
	seenURL := map[string]int{}
	for _, a := range listed {
		if seenID[a.ID] {
			t.Errorf("article %s listed twice", a.ID)
		}
		seenID[a.ID] = true
		seenURL[a.URL]++
	}
	var missing []string
	for _, u := range origin.articles {
		if seenURL[u] != 1 {
			missing = append(missing, fmt.Sprintf("%s×%d", u, seenURL[u]))
		}
	}
	if len(listed) != totalArticles || len(missing) > 0 {
		t.Errorf("the API lists %d articles, want %d; not exactly once: %d, e.g. %v", len(listed), totalArticles, len(missing), missing[:min(5, len(missing))])
	}
	if n := origin.pages(); n < totalArticles {
		t.Errorf("the origin served %d article pages, want at least %d", n, totalArticles)
	}

	// The work was spread over the replicas.
	var spread []string
	for _, pr := range parsers {
		n := scrape(t, pr, "newsflow_parser_articles_total", "")
		spread = append(spread, fmt.Sprintf("%s %v", pr.name, n))
		if n == 0 {
			t.Errorf("%s parsed no article: the parsers do not share the work", pr.name)
		}
	}
	for _, pr := range fetchers {
		spread = append(spread, fmt.Sprintf("%s %v pages", pr.name, scrape(t, pr, "newsflow_fetcher_pages_published_total", "")))
	}
	for _, pr := range stores {
		spread = append(spread, fmt.Sprintf("%s %v created", pr.name, scrape(t, pr, "newsflow_store_writes_total", `result="created"`)))
	}
	t.Logf("work per replica: %s", strings.Join(spread, ", "))

	// What the dashboard shows has data, and the store's lag drains to zero.
	live := map[string]bool{}
	for _, pr := range procs {
		for name := range metricNames(t, pr) {
			live[name] = true
		}
	}
	for _, m := range []string{
		"newsflow_messages_total", "newsflow_parser_articles_total", "newsflow_store_writes_total",
		"newsflow_store_redis_write_seconds_bucket", "newsflow_fetcher_page_fetches_total",
		"newsflow_fetcher_feed_polls_total", "newsflow_fetcher_pages_published_total",
	} {
		if !live[m] {
			t.Errorf("no replica exports %s after the run", m)
		}
	}
	for _, s := range stores {
		eventually(t, 45*time.Second, s.name+" reports no consumer lag", func() bool {
			return strings.Contains(s.metricsText(t), `newsflow_consumer_pending{kind="num_pending",stage="store"} 0`)
		})
	}

	// The image's HEALTHCHECK: "/app healthcheck" with the replica's ADMIN_ADDR.
	for _, pr := range procs {
		if err := healthcheck(pr); err != nil {
			t.Errorf("%s: healthcheck: %v", pr.name, err)
		}
	}

	// Graceful shutdown: SIGTERM to every replica at once, each exits 0
	// within the grace period.
	for _, pr := range procs {
		if err := pr.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("%s: SIGTERM: %v", pr.name, err)
		}
	}
	deadline := time.After(stopGrace)
	for _, pr := range procs {
		select {
		case <-pr.done:
			if pr.err != nil {
				t.Errorf("%s: after SIGTERM: %v", pr.name, pr.err)
			}
		case <-deadline:
			t.Errorf("%s did not exit within %v of SIGTERM", pr.name, stopGrace)
		}
	}
	if err := healthcheck(stores[0]); err == nil {
		t.Errorf("%s: the healthcheck passes with the service stopped", stores[0].name)
	}
}

// buildImages builds the service binaries and the CLI ("newsflow") as
// deploy/Dockerfile does (static, -trimpath -ldflags "-s -w") and checks each
// service would make a small, static image.
func buildImages(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", dir + string(filepath.Separator), "./cmd/newsflow"}
	for _, svc := range stages {
		args = append(args, "./services/"+svc+"/cmd/"+svc)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	bins := map[string]string{"newsflow": filepath.Join(dir, "newsflow")}
	if err := checkStatic(bins["newsflow"]); err != nil {
		t.Errorf("newsflow: %v (the distroless static image has no libc)", err)
	}
	for _, svc := range stages {
		path := filepath.Join(dir, svc)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("binary %s: %v", svc, err)
		}
		if size := fi.Size() + distrolessStatic; size >= maxImage {
			t.Errorf("%s: a %.1f MB binary makes an image of about %.1f MB, over %d MB", svc, mb(fi.Size()), mb(size), maxImage>>20)
		}
		if err := checkStatic(path); err != nil {
			t.Errorf("%s: %v (the distroless static image has no libc)", svc, err)
		}
		t.Logf("%s: %.1f MB binary, image about %.1f MB", svc, mb(fi.Size()), mb(fi.Size()+distrolessStatic))
		bins[svc] = path
	}
	return bins
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// checkStatic reports a binary that needs a dynamic loader or shared libraries.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return errors.New("dynamically linked (has an interpreter)")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		return fmt.Errorf("needs shared libraries %v", libs)
	}
	return nil
}

// origin serves feeds and article pages from several local hosts, and
// keeps when each article page was asked for.
type origin struct {
	feeds, articles []string
	mu              sync.Mutex
	served          int
	hits            []pageHit
	asked           map[string]bool
}

// pageHit is one article page request the origin answered.
type pageHit struct {
	at    time.Time
	host  int  // which of the origin's hosts
	first bool // the first request for its URL
}

// newOrigin serves originHosts hosts of feedsPerHost feeds of items each.
func newOrigin(t *testing.T, items int) *origin {
	o := &origin{asked: map[string]bool{}}
	for h := range originHosts {
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		mux.HandleFunc("GET /feeds/{n}", func(w http.ResponseWriter, r *http.Request) {
			n, _ := strconv.Atoi(strings.TrimSuffix(r.PathValue("n"), ".xml"))
			etag := fmt.Sprintf(`"h%d-f%d"`, h, n)
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Header().Set("ETag", etag)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Origin %d feed %d</title><link>%s/</link>`, h, n, srv.URL)
			for i := range items {
				fmt.Fprintf(w, `<item><title>Report %d from desk %d-%d</title><link>%s/articles/%d/%d</link><guid>%s/articles/%d/%d</guid></item>`,
					i, h, n, srv.URL, n, i, srv.URL, n, i)
			}
			fmt.Fprint(w, `</channel></rss>`)
		})
		mux.HandleFunc("GET /articles/{n}/{i}", func(w http.ResponseWriter, r *http.Request) {
			o.mu.Lock()
			o.served++
			first := !o.asked[r.Host+r.URL.Path]
			o.asked[r.Host+r.URL.Path] = true
			o.hits = append(o.hits, pageHit{at: time.Now(), host: h, first: first})
			o.mu.Unlock()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, articlePage(h, r.PathValue("n"), r.PathValue("i")))
		})
		for n := range feedsPerHost {
			o.feeds = append(o.feeds, fmt.Sprintf("%s/feeds/%d.xml", srv.URL, n))
			for i := range items {
				o.articles = append(o.articles, fmt.Sprintf("%s/articles/%d/%d", srv.URL, n, i))
			}
		}
	}
	return o
}

func (o *origin) pages() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.served
}

// pageHits are the article page requests answered so far, in order.
func (o *origin) pageHits() []pageHit {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]pageHit(nil), o.hits...)
}

// articlePage is a small news page with a body of its own, so no two
// articles are near-duplicates.
func articlePage(h int, n, i string) string {
	words := []string{"harbour", "council", "rainfall", "budget", "ferry", "school", "bridge", "festival",
		"orchard", "library", "tram", "market", "clinic", "election", "river", "museum"}
	seed := h*7919 + atoi(n)*104729 + atoi(i)*31
	pick := func(k int) string { return words[(seed/(k+1)+k*13+seed%(k+5))%len(words)] }
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Report %s from desk %d-%s</title></head><body>`, i, h, n)
	fmt.Fprintf(&b, `<header><nav><a href="/">Home</a></nav></header><article><h1>Report %s from desk %d-%s</h1>`, i, h, n)
	fmt.Fprintf(&b, `<p>The %s and the %s were discussed on day %s by desk %d-%s, officials said on Tuesday.</p>`, pick(1), pick(2), i, h, n)
	fmt.Fprintf(&b, `<p>Residents asked about the %s near the %s, and a decision on item %d is expected soon.</p>`, pick(3), pick(4), seed)
	fmt.Fprintf(&b, `<p>Reporting by desk %d, story %s of %s.</p></article></body></html>`, h, i, n)
	return b.String()
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// proc is one replica run as a process.
type proc struct {
	name       string
	admin, api string // ADMIN_ADDR, and the store's HTTP_ADDR
	cmd        *exec.Cmd
	out        *syncBuffer
	done       chan struct{}
	err        error
}

func startProc(t *testing.T, name, bin string, env map[string]string, args ...string) *proc {
	t.Helper()
	pr := &proc{name: name, admin: env["ADMIN_ADDR"], api: env["HTTP_ADDR"], out: &syncBuffer{}, done: make(chan struct{})}
	pr.cmd = exec.Command(bin, args...)
	// Only the compose environment, as in a container.
	for k, v := range env {
		pr.cmd.Env = append(pr.cmd.Env, k+"="+v)
	}
	sort.Strings(pr.cmd.Env)
	pr.cmd.Stdout, pr.cmd.Stderr = pr.out, pr.out
	if err := pr.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		pr.err = pr.cmd.Wait()
		close(pr.done)
	}()
	return pr
}

func (p *proc) adminURL(path string) string { return "http://" + p.admin + path }

func (p *proc) apiURL(path string) string { return "http://" + p.api + path }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) state() string {
	if !p.exited() {
		return "running"
	}
	if p.err != nil {
		return "exited: " + p.err.Error()
	}
	return "exited 0"
}

func (p *proc) checkAlive(t *testing.T) {
	t.Helper()
	if p.exited() {
		t.Fatalf("%s stopped unexpectedly (%s)", p.name, p.state())
	}
}

func (p *proc) kill() {
	if !p.exited() {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) metricsText(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(p.adminURL("/metrics"))
	if err != nil {
		t.Fatalf("%s: GET /metrics: %v", p.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: GET /metrics: %d %v", p.name, resp.StatusCode, err)
	}
	return string(b)
}

// scrape sums the samples of metric whose labels contain match.
func scrape(t *testing.T, p *proc, metric, match string) float64 {
	t.Helper()
	var sum float64
	sc := bufio.NewScanner(strings.NewReader(p.metricsText(t)))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, metric+" ") && !strings.HasPrefix(line, metric+"{") {
			continue
		}
		if match != "" && !strings.Contains(line, match) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}

// metricNames are the sample names a replica exports.
func metricNames(t *testing.T, p *proc) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(p.metricsText(t)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		out[name] = true
	}
	return out
}

type listedArticle struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// listAll pages through GET /v1/articles, asking the store replicas in turn
// as a load balancer would.
func listAll(t *testing.T, stores []*proc) []listedArticle {
	t.Helper()
	var out []listedArticle
	cursor := ""
	for page := 0; ; page++ {
		if page > 2*totalArticles/200+10 {
			t.Fatal("GET /v1/articles: too many pages")
		}
		s := stores[page%len(stores)]
		u := s.apiURL("/v1/articles?limit=200")
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatalf("%s: GET %s: %v", s.name, u, err)
		}
		var body struct {
			Articles   []listedArticle `json:"articles"`
			NextCursor string          `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("%s: GET %s: status %d, %v", s.name, u, resp.StatusCode, err)
		}
		out = append(out, body.Articles...)
		if body.NextCursor == "" {
			return out
		}
		cursor = body.NextCursor
	}
}

// healthcheck runs the image's HEALTHCHECK command for p.
func healthcheck(p *proc) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.cmd.Path, "healthcheck")
	cmd.Env = []string{"ADMIN_ADDR=" + p.admin}
	if p.api != "" { // set, and not to be asked: it answers /healthz with 404
		cmd.Env = append(cmd.Env, "HTTP_ADDR="+p.api)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

func httpStatus(u string) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) tail(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.b.Bytes()
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
