package pipebench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The process topologies run the pipeline as a deployment does. Services
// (--topology services) runs each stage as the binary a deployment runs —
// fetcher, parsers, store — each its own process with its own runtime, heap
// and garbage collector, talking to the bench's NATS over TCP. Up
// (--topology up) runs `newsflow up` as a process, on the NATS it embeds:
// its resident set is the pipeline's alone, without the bench's corpus and
// origin. The bench reads each process's CPU and memory from /proc and its
// GC count and heap from its admin /metrics.

// binaryPackages are the packages each process topology runs, built into
// binaries named as the packages' last elements.
var binaryPackages = map[Topology][]string{
	Services: {"./services/fetcher/cmd/fetcher", "./services/parser/cmd/parser", "./services/store/cmd/store"},
	Up:       {"./cmd/newsflow"},
}

// buildBinaries builds the topology's binaries from the repository at root
// into dir, as deploy/Dockerfile does (static, no cgo), or takes them from
// binDir when that is set. It returns the directory that holds them.
func buildBinaries(ctx context.Context, topo Topology, root, binDir, dir string) (string, error) {
	pkgs := binaryPackages[topo]
	if binDir == "" {
		binDir = dir
		args := append([]string{"build", "-trimpath", "-o", dir + string(filepath.Separator)}, pkgs...)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build the %s binaries (go %s in %s): %w\n%s", topo, strings.Join(args, " "), root, err, out)
		}
	}
	for _, pkg := range pkgs {
		if _, err := os.Stat(filepath.Join(binDir, path.Base(pkg))); err != nil {
			return "", fmt.Errorf("%s binary: %w", topo, err)
		}
	}
	return binDir, nil
}

// stageProc is one service process.
type stageProc struct {
	name  string // "fetcher", "parser 2", "newsflow up"
	stage string // its CPU goes to this stage ("": not split by stage)
	admin string // readiness and metrics
	cmd   *exec.Cmd
	out   *tail
	done  chan struct{}
	err   error // how it exited, once done is closed
}

// startProc starts bin with args, this process's environment and env on
// top; its admin listener is on admin.
func startProc(name, stage, admin, bin string, args []string, env map[string]string, log *slog.Logger) (*stageProc, error) {
	pr := &stageProc{name: name, stage: stage, admin: admin, out: &tail{}, done: make(chan struct{})}
	pr.cmd = exec.Command(bin, args...)
	pr.cmd.Env = os.Environ()
	for k, v := range env {
		pr.cmd.Env = append(pr.cmd.Env, k+"="+v)
	}
	pr.cmd.Stdout, pr.cmd.Stderr = pr.out, pr.out
	orphanProof(pr.cmd)
	if err := pr.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		pr.err = pr.cmd.Wait()
		close(pr.done)
	}()
	log.Info("process started", "process", name, "pid", pr.cmd.Process.Pid, "admin", admin)
	return pr, nil
}

// startServices starts the fetcher, parsers and store from the binaries in
// bins with env, and waits until each is ready. The store's API listens on
// api when that is set.
func startServices(ctx context.Context, bins string, parsers int, env map[string]string, api string, log *slog.Logger) (procs []*stageProc, err error) {
	defer func() {
		if err != nil {
			_ = stopServices(procs)
		}
	}()
	start := func(name, stage string, extra map[string]string) error {
		admin, err := freeAddr()
		if err != nil {
			return err
		}
		all := map[string]string{"ADMIN_ADDR": admin}
		maps.Copy(all, env)
		maps.Copy(all, extra)
		pr, err := startProc(name, stage, admin, filepath.Join(bins, stage), nil, all, log)
		if err != nil {
			return err
		}
		procs = append(procs, pr)
		return nil
	}
	// The store first, then the parsers: the fetcher's first page finds its
	// consumers.
	storeAPI := api
	if storeAPI == "" {
		if storeAPI, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	if err := start(labelStore, labelStore, map[string]string{"HTTP_ADDR": storeAPI}); err != nil {
		return procs, err
	}
	for i := range parsers {
		if err := start(labelParser+" "+strconv.Itoa(i+1), labelParser, nil); err != nil {
			return procs, err
		}
	}
	fetcherAPI, err := freeAddr()
	if err != nil {
		return procs, err
	}
	if err := start(labelFetcher, labelFetcher, map[string]string{"FETCHER_API_ADDR": fetcherAPI}); err != nil {
		return procs, err
	}
	return procs, waitReady(ctx, procs)
}

// startUp starts `newsflow up` from the binary in bins with env, its
// embedded NATS listening on natsAddr and the store's API on api, and
// waits until it is ready.
func startUp(ctx context.Context, bins, natsAddr, api string, env map[string]string, dataDir string, log *slog.Logger) (pr *stageProc, err error) {
	admin, err := freeAddr()
	if err != nil {
		return nil, err
	}
	if api == "" {
		if api, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	_, port, err := net.SplitHostPort(natsAddr)
	if err != nil {
		return nil, fmt.Errorf("nats address: %w", err)
	}
	args := []string{"up", "--data-dir", dataDir, "--nats-port", port, "--api-addr", api, "--admin-addr", admin,
		"--allow-private", "--poll-interval", env["FETCHER_POLL_INTERVAL"]}
	if pr, err = startProc("newsflow up", "", admin, filepath.Join(bins, "newsflow"), args, env, log); err != nil {
		return nil, err
	}
	if err := waitReady(ctx, []*stageProc{pr}); err != nil {
		_ = stopServices([]*stageProc{pr})
		return nil, err
	}
	return pr, nil
}

// waitReady waits until each process's admin /readyz answers, failing when
// one stops first.
func waitReady(ctx context.Context, procs []*stageProc) error {
	for _, pr := range procs {
		ready := make(chan error, 1)
		go func() { ready <- waitHTTP(ctx, "http://"+pr.admin+"/readyz", time.Minute) }()
		select {
		case err := <-ready:
			if err != nil {
				return fmt.Errorf("%s: %w\n%s", pr.name, err, pr.out)
			}
		case <-pr.done:
			return pr.failed()
		}
	}
	return nil
}

// failed is the process's error if it has stopped.
func (pr *stageProc) failed() error {
	select {
	case <-pr.done:
		err := pr.err
		if err == nil {
			err = errors.New("exited")
		}
		return fmt.Errorf("%s stopped: %w\n%s", pr.name, err, pr.out)
	default:
		return nil
	}
}

func (pr *stageProc) pid() int { return pr.cmd.Process.Pid }

// stopServices sends each process SIGTERM and waits for it, killing one
// that takes longer than 30 s; it reports those that did not stop cleanly.
func stopServices(procs []*stageProc) error {
	for _, pr := range procs {
		_ = pr.cmd.Process.Signal(syscall.SIGTERM)
	}
	var errs []error
	deadline := time.After(30 * time.Second)
	for _, pr := range procs {
		select {
		case <-pr.done:
		case <-deadline:
			_ = pr.cmd.Process.Kill()
			<-pr.done
			errs = append(errs, fmt.Errorf("%s: killed, still running 30s after SIGTERM", pr.name))
			continue
		}
		if pr.err != nil {
			errs = append(errs, fmt.Errorf("%s: after SIGTERM: %w\n%s", pr.name, pr.err, pr.out))
		}
	}
	return errors.Join(errs...)
}

// runtimeStats are a service's Go runtime figures from its /metrics.
type runtimeStats struct {
	gc    float64 // collections so far
	heap  float64 // bytes in use
	alloc float64 // bytes allocated so far
}

// scrape reads the process's GC count, heap in use and bytes allocated from
// its metrics.
func (pr *stageProc) scrape(ctx context.Context) (runtimeStats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+pr.admin+"/metrics", nil)
	if err != nil {
		return runtimeStats{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return runtimeStats{}, fmt.Errorf("%s metrics: %w", pr.name, err)
	}
	defer resp.Body.Close()
	var st runtimeStats
	// A short phase may see no collection at all, so a zero must come from
	// the metric, never from its absence.
	want := map[string]*float64{
		"go_gc_duration_seconds_count":  &st.gc,
		"go_memstats_heap_inuse_bytes":  &st.heap,
		"go_memstats_alloc_bytes_total": &st.alloc,
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		dst := want[name]
		if !ok || dst == nil {
			continue
		}
		if *dst, err = strconv.ParseFloat(v, 64); err != nil {
			return st, fmt.Errorf("%s metrics: %s: %w", pr.name, name, err)
		}
		delete(want, name)
	}
	if err := sc.Err(); err != nil {
		return st, fmt.Errorf("%s metrics: %w", pr.name, err)
	}
	if len(want) > 0 {
		return st, fmt.Errorf("%s metrics: %w: %s", pr.name, errMetricsMissing, strings.Join(slices.Sorted(maps.Keys(want)), ", "))
	}
	return st, nil
}

// errMetricsMissing: a service's /metrics lacks a runtime figure the bench
// reports, as a binary of another version might.
var errMetricsMissing = errors.New("missing")

// tail keeps the last 8 KB a process wrote, for the error when it fails.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - 8<<10; over > 0 {
		t.buf = slices.Delete(t.buf, 0, over)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// heapProfile copies the process's live heap profile (after a collection)
// from its admin address, which serves it with ADMIN_PPROF=true.
func (pr *stageProc) heapProfile(ctx context.Context, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+pr.admin+"/debug/pprof/heap?gc=1", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s heap profile: %w", pr.name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s heap profile: %s", pr.name, resp.Status)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("%s heap profile: %w", pr.name, err)
	}
	return nil
}
