package pipebench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The services topology (--topology services) runs each stage as the
// binary a deployment runs — fetcher, parsers, store — each its own process
// with its own runtime, heap and garbage collector, talking to the bench's
// NATS over TCP. The bench reads each one's CPU and memory from /proc and
// its GC count and heap from its admin /metrics.

// serviceBinaries are the paths of the three service binaries.
type serviceBinaries struct{ fetcher, parser, store string }

// Services are the service binaries the run starts.
var services = []string{labelFetcher, labelParser, labelStore}

// buildServices builds the service binaries of the repository at root into
// dir, as deploy/Dockerfile does (static, no cgo), or takes them from binDir
// when that is set.
func buildServices(ctx context.Context, root, binDir, dir string) (*serviceBinaries, error) {
	if binDir == "" {
		binDir = dir
		args := []string{"build", "-trimpath", "-o", dir + string(filepath.Separator)}
		for _, svc := range services {
			args = append(args, "./services/"+svc+"/cmd/"+svc)
		}
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build the services (go %s in %s): %w\n%s", strings.Join(args, " "), root, err, out)
		}
	}
	b := &serviceBinaries{fetcher: filepath.Join(binDir, labelFetcher), parser: filepath.Join(binDir, labelParser),
		store: filepath.Join(binDir, labelStore)}
	for _, path := range []string{b.fetcher, b.parser, b.store} {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("service binary: %w", err)
		}
	}
	return b, nil
}

// stageProc is one service process.
type stageProc struct {
	name  string // "fetcher", "parser 2", …
	stage string // its CPU goes to this stage
	admin string // ADMIN_ADDR: readiness and metrics
	cmd   *exec.Cmd
	out   *tail
	done  chan struct{}
	err   error // how it exited, once done is closed
}

// startServices starts the fetcher, parsers and store with this process's
// environment and env on top, and waits until each is ready. The store's
// API listens on api when that is set.
func startServices(ctx context.Context, bins *serviceBinaries, parsers int, env map[string]string, api string, log *slog.Logger) (procs []*stageProc, err error) {
	defer func() {
		if err != nil {
			_ = stopServices(procs)
		}
	}()
	start := func(name, stage, bin string, extra map[string]string) error {
		admin, err := freeAddr()
		if err != nil {
			return err
		}
		pr := &stageProc{name: name, stage: stage, admin: admin, out: &tail{}, done: make(chan struct{})}
		pr.cmd = exec.Command(bin)
		pr.cmd.Env = os.Environ()
		for k, v := range env {
			pr.cmd.Env = append(pr.cmd.Env, k+"="+v)
		}
		for k, v := range extra {
			pr.cmd.Env = append(pr.cmd.Env, k+"="+v)
		}
		pr.cmd.Env = append(pr.cmd.Env, "ADMIN_ADDR="+admin)
		pr.cmd.Stdout, pr.cmd.Stderr = pr.out, pr.out
		orphanProof(pr.cmd)
		if err := pr.cmd.Start(); err != nil {
			return fmt.Errorf("start %s: %w", name, err)
		}
		procs = append(procs, pr)
		go func() {
			pr.err = pr.cmd.Wait()
			close(pr.done)
		}()
		log.Info("service started", "service", name, "pid", pr.cmd.Process.Pid, "admin", admin)
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
	if err := start(labelStore, labelStore, bins.store, map[string]string{"HTTP_ADDR": storeAPI}); err != nil {
		return procs, err
	}
	for i := range parsers {
		if err := start(labelParser+" "+strconv.Itoa(i+1), labelParser, bins.parser, nil); err != nil {
			return procs, err
		}
	}
	fetcherAPI, err := freeAddr()
	if err != nil {
		return procs, err
	}
	if err := start(labelFetcher, labelFetcher, bins.fetcher, map[string]string{"FETCHER_API_ADDR": fetcherAPI}); err != nil {
		return procs, err
	}
	for _, pr := range procs {
		ready := make(chan error, 1)
		go func() { ready <- waitHTTP(ctx, "http://"+pr.admin+"/readyz", time.Minute) }()
		select {
		case err := <-ready:
			if err != nil {
				return procs, fmt.Errorf("%s: %w\n%s", pr.name, err, pr.out)
			}
		case <-pr.done:
			return procs, pr.failed()
		}
	}
	return procs, nil
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
	gc   float64 // collections so far
	heap float64 // bytes in use
}

// scrape reads the process's GC count and heap in use from its metrics.
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
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		switch name {
		case "go_gc_duration_seconds_count":
			st.gc, _ = strconv.ParseFloat(v, 64)
		case "go_memstats_heap_inuse_bytes":
			st.heap, _ = strconv.ParseFloat(v, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return st, fmt.Errorf("%s metrics: %w", pr.name, err)
	}
	return st, nil
}

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
