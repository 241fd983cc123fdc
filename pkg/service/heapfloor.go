package service

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// HeapFloor is the heap size below which the collector does not start a
// cycle (unless GOGC is set). A service's live heap is small — a parser's
// is about 10 MB — while parsing one page allocates a few MB, so with
// GOGC=100 alone the parser collected every few pages: 400 cycles per 1000
// articles, and nearly half its CPU went to marking the same live heap
// again. With the floor (and maxGCPercent) the services ran 80 cycles per
// 1000 articles, each under 80 MB resident (`newsflow bench --pipeline
// --topology services`).
const HeapFloor = 48 << 20

// maxGCPercent bounds the percentage the floor sets. The floor is retuned
// after each cycle, asynchronously: until then the runtime applies the last
// percentage to the new live heap, and a live heap that grew from 1 to 30 MB
// meanwhile would get a goal of a gigabyte. Without the bound the services
// peaked at 145–220 MB resident; with it, at 56–75.
const maxGCPercent = 400

// ServiceGCPercent is a service's GOGC above the heap floor: the runtime's
// default.
const ServiceGCPercent = 100

// TuneGC sets the collector up for a service: GOMEMLIMIT from the
// container's limit (SetMemoryLimit) and the heap floor, with percent as
// GOGC above it. Stop undoes the floor.
func TuneGC(log *slog.Logger, percent int) (stop func()) {
	SetMemoryLimit(log)
	return SetHeapFloor(HeapFloor, percent)
}

// SetHeapFloor makes the collector's goal max(floor, live heap × (1 +
// percent/100)) rather than the latter alone, unless GOGC is set. After
// every cycle it reads the live heap and sets GOGC to reach the floor; a
// live heap too large for that gets percent. GOMEMLIMIT, when set, still
// caps the heap. Stop ends the tuning and restores GOGC=100.
func SetHeapFloor(floor uint64, percent int) (stop func()) {
	if os.Getenv("GOGC") != "" || floor == 0 {
		return func() {}
	}
	t := &heapFloor{floor: floor, base: percent, sample: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}}
	t.tune()
	t.arm()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if !t.stopped {
			t.stopped = true
			debug.SetGCPercent(100)
		}
	}
}

type heapFloor struct {
	floor uint64
	base  int // GOGC when the live heap alone reaches the floor
	// mu orders the cleanup's tunes and stop: a tune running as stop is
	// called must not outlast it.
	mu      sync.Mutex
	sample  []metrics.Sample
	percent int
	stopped bool
}

// arm registers a cleanup on a fresh object: the collector runs it after the
// cycle that finds the object unreachable, i.e. once per cycle. No goroutine
// of ours waits for it.
func (t *heapFloor) arm() {
	sentinel := new([64]byte) // not from the tiny allocator, whose blocks are shared
	runtime.AddCleanup(sentinel, func(t *heapFloor) {
		if t.tune() {
			t.arm()
		}
	}, t)
}

// tune sets GOGC for the live heap the last cycle found; false once the
// floor is stopped.
func (t *heapFloor) tune() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.sample)
	var v [3]uint64
	for i, s := range t.sample {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	if p := floorPercent(v[0], v[1]+v[2], t.floor, t.base); p != t.percent {
		debug.SetGCPercent(p)
		t.percent = p
	}
	return true
}

// floorPercent is the GOGC that makes a heap of live bytes grow to floor
// before the next cycle, and never less than base. The runtime's goal is
// live + (live + roots) × GOGC/100, roots being the stacks and globals it
// scans: a service's roots (a few MB of globals) can outweigh its live heap.
func floorPercent(live, roots, floor uint64, base int) int {
	// Before the first cycle the live heap reads 0, and the runtime's first
	// goal (4 MB × GOGC/100) would be far past the floor.
	if live == 0 || live+(live+roots)*uint64(base)/100 >= floor {
		return base
	}
	p := (floor - live) * 100 / (live + roots)
	return int(min(max(p, uint64(base)), maxGCPercent))
}
