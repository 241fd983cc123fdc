package service

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

func TestFloorPercent(t *testing.T) {
	for _, c := range []struct {
		live, roots, floor uint64
		base               int // 0: ServiceGCPercent
		want               int
	}{
		{live: 0, roots: 1 << 20, floor: 48 << 20, want: 100}, // no cycle yet
		{live: 1 << 20, floor: 48 << 20, want: maxGCPercent},
		{live: 10 << 20, roots: 3 << 20, floor: 48 << 20, want: 292},
		{live: 8 << 20, floor: 48 << 20, want: maxGCPercent},
		{live: 8 << 20, roots: 4 << 20, floor: 48 << 20, want: 333},
		{live: 16 << 20, floor: 48 << 20, want: 200},
		{live: 24 << 20, floor: 48 << 20, want: 100},
		{live: 20 << 20, roots: 8 << 20, floor: 48 << 20, want: 100},
		{live: 200 << 20, floor: 48 << 20, want: 100},
		{live: 1 << 10, floor: 48 << 20, want: maxGCPercent},
		// A lower base: the floor still holds for a small heap, and the
		// base takes over once the heap alone would pass the floor.
		{live: 0, floor: 48 << 20, base: 50, want: 50},
		{live: 16 << 20, floor: 48 << 20, base: 50, want: 200},
		{live: 24 << 20, floor: 48 << 20, base: 50, want: 100},
		{live: 30 << 20, floor: 48 << 20, base: 50, want: 60},
		{live: 32 << 20, floor: 48 << 20, base: 50, want: 50},
		{live: 200 << 20, floor: 48 << 20, base: 50, want: 50},
	} {
		base := c.base
		if base == 0 {
			base = ServiceGCPercent
		}
		if got := floorPercent(c.live, c.roots, c.floor, base); got != c.want {
			t.Errorf("floorPercent(%d, %d, %d, %d) = %d, want %d", c.live, c.roots, c.floor, base, got, c.want)
		}
	}
}

// The floor follows the live heap from cycle to cycle: a small heap gets a
// large GOGC, and a live heap past half the floor the default.
func TestSetHeapFloorFollowsLiveHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	stop := SetHeapFloor(48<<20, ServiceGCPercent)
	defer stop()
	small := make([][]byte, 0, 12)
	for range 12 {
		small = append(small, make([]byte, 1<<20)) // 12 MiB live
	}
	runtime.GC()
	runtime.GC() // the cleanup of the first cycle has run by the second's end
	if p := currentGCPercent(); p <= 100 {
		t.Fatalf("GOGC with 12 MiB live and a 48 MiB floor = %d, want > 100", p)
	}
	// The goal is the floor, not far past it: the runtime counts stacks and
	// globals into the growth, and the floor must too.
	goal := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(goal)
	if g := goal[0].Value.Uint64(); g < 40<<20 || g > 56<<20 {
		t.Errorf("heap goal with 12 MiB live and a 48 MiB floor = %d MiB, want about 48", g>>20)
	}
	runtime.KeepAlive(small)
	big := make([][]byte, 0, 200)
	for range 200 {
		big = append(big, make([]byte, 1<<20)) // 200 MiB live
	}
	runtime.GC()
	runtime.GC()
	if p := currentGCPercent(); p != 100 {
		t.Errorf("GOGC with 200 MiB live and a 48 MiB floor = %d, want 100", p)
	}
	runtime.KeepAlive(big)
	stop()
	if p := currentGCPercent(); p != 100 {
		t.Errorf("GOGC after stop = %d, want 100", p)
	}
}

func TestSetHeapFloorLeavesGOGCAlone(t *testing.T) {
	t.Setenv("GOGC", "50")
	old := debug.SetGCPercent(50)
	defer debug.SetGCPercent(old)
	stop := SetHeapFloor(48<<20, ServiceGCPercent)
	defer stop()
	runtime.GC()
	runtime.GC()
	if p := currentGCPercent(); p != 50 {
		t.Errorf("GOGC=50 set by the user became %d", p)
	}
}

func currentGCPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
