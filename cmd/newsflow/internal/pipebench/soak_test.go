package pipebench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/fixtures"
	"github.com/newsflow/newsflow/pkg/events"
)

// Soak settings: a light steady load on a few sites, so that a leak, not
// saturation, is what could make the figures grow.
const (
	soakDefault = time.Minute
	soakRate    = 10.0 // items offered per second
	soakHosts   = 5
)

// The pipeline, as `newsflow up` runs it, crawls the local origin at a
// steady rate for NEWSFLOW_SOAK (60s; 5m, 1h for a longer run; 0 skips).
// After a warm-up (the first quarter, at most 30s) and at the end it
// samples the live heap, the resident set, goroutines and open files; it
// fails only on a clear leak — goroutines or files 1.5x plus a margin,
// the live heap above twice its start — or when articles stop arriving,
// never on time. The samples are logged as a table (go test -v).
func TestSoak(t *testing.T) {
	total := soakDefault
	if s := os.Getenv("NEWSFLOW_SOAK"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < soakDefault {
			t.Fatalf("NEWSFLOW_SOAK=%q: want a duration of at least %v, such as 5m", s, soakDefault)
		}
		total = d
	}
	if dl, ok := t.Deadline(); ok && time.Until(dl) < total+2*time.Minute {
		t.Fatalf("NEWSFLOW_SOAK=%v does not fit in go test's -timeout: give -timeout %v or more", total, (total + 5*time.Minute).Round(time.Minute))
	}
	warm := min(total/4, 30*time.Second)

	pages, _, err := loadPages(fixtures.Path(t, fixtures.Benchmark))
	if err != nil {
		t.Fatal(err)
	}
	items := int(soakRate * (total + time.Minute).Seconds()) // more than the run can reveal
	org, err := newOrigin(pages, items, soakHosts)
	if err != nil {
		t.Fatal(err)
	}
	defer org.close()
	org.serve()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	p, err := startPipeline(ctx, t.TempDir(), Options{Log: slog.New(slog.DiscardHandler)}, org.feedURLs(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	w, err := watch(ctx, p.rdb, p.prefix, org.urls)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	revealed := make(chan struct{})
	go func() {
		defer close(revealed)
		_ = org.reveal(ctx, 0, items, soakRate)
	}()
	defer func() { cancel(); <-revealed }()

	b := &run{org: org, p: p, w: w}
	wait := func(d time.Duration) {
		t.Helper()
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(d):
		}
		if err := p.failed(); err != nil {
			t.Fatalf("a stage stopped: %v", err)
		}
	}
	// NEWSFLOW_SOAK_HEAPPROFILE=DIR keeps the live heap at both samples,
	// for `go tool pprof -base DIR/start.heap DIR/end.heap`: what grew.
	profDir := os.Getenv("NEWSFLOW_SOAK_HEAPPROFILE")
	heapProfile := func(name string) {
		if profDir != "" {
			if err := p.writeHeapProfile(ctx, filepath.Join(profDir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	wait(warm)
	start := b.soakSample(ctx, t)
	heapProfile("start.heap")
	wait(total - warm)
	end := b.soakSample(ctx, t)
	heapProfile("end.heap")

	var tab strings.Builder
	row := func(name string, a, b any) { fmt.Fprintf(&tab, "%-22s %10v %10v\n", name, a, b) }
	mb := func(n uint64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
	fmt.Fprintf(&tab, "soak %v at %g items/s\n", total, soakRate)
	row("", "after "+warm.String(), "at end")
	row("articles stored", start.stored, end.stored)
	row("dead letters", start.dlq, end.dlq)
	row("heap live after GC", mb(start.heapLive), mb(end.heapLive))
	row("heap in use after GC", mb(start.heapInuse), mb(end.heapInuse))
	row("RSS", mb(start.rss), mb(end.rss))
	row("redis-server RSS", mb(start.redisRSS), mb(end.redisRSS))
	row("goroutines", start.goroutines, end.goroutines)
	row("open files", start.fds, end.fds)
	row("of them sockets", start.sockets, end.sockets)
	t.Log("\n" + tab.String())

	if end.stored <= start.stored {
		t.Errorf("no article stored in the last %v (%d in all): the pipeline stalled", total-warm, end.stored)
	}
	leak := func(what string, a, b, margin int) {
		if b > a+a/2+margin {
			t.Errorf("%s grew from %d to %d: a leak", what, a, b)
		}
	}
	leak("goroutines", start.goroutines, end.goroutines, 50)
	leak("open files", start.fds, end.fds, 20)
	if end.heapLive > 2*start.heapLive {
		t.Errorf("the live heap more than doubled: %s → %s", mb(start.heapLive), mb(end.heapLive))
	}
}

// soakSample is what a leak would make grow.
type soakSample struct {
	stored, dlq              int
	heapLive, heapInuse      uint64
	rss, redisRSS            uint64
	goroutines, fds, sockets int
}

func (b *run) soakSample(ctx context.Context, t *testing.T) soakSample {
	t.Helper()
	var s soakSample
	s.stored, _ = b.w.count(0, len(b.org.urls))
	dlq, err := b.streamState(ctx, events.StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	s.dlq = int(dlq.Msgs)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.heapLive, s.heapInuse = ms.HeapAlloc, ms.HeapInuse
	s.rss, s.redisRSS = uint64(rss(0)), uint64(rss(b.p.redis.PID()))
	s.goroutines = runtime.NumGoroutine()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("open files: %v", err)
	}
	s.fds = len(fds)
	for _, fd := range fds {
		if target, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && strings.HasPrefix(target, "socket:") {
			s.sockets++
		}
	}
	return s
}
