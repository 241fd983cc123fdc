package backoff

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestCeiling(t *testing.T) {
	tests := []struct {
		name    string
		p       Policy
		attempt int
		want    time.Duration
	}{
		{"first retry", Policy{Base: time.Second, Max: time.Minute}, 0, time.Second},
		{"doubles", Policy{Base: time.Second, Max: time.Minute}, 3, 8 * time.Second},
		{"capped", Policy{Base: time.Second, Max: time.Minute}, 6, time.Minute},
		{"far past the cap", Policy{Base: time.Second, Max: time.Minute}, math.MaxInt, time.Minute},
		{"no cap, no overflow", Policy{Base: time.Second}, 1000, time.Second << 33},
		{"negative attempt is the first", Policy{Base: time.Second, Max: time.Minute}, -5, time.Second},
		{"base above max", Policy{Base: time.Hour, Max: time.Minute}, 0, time.Minute},
		{"zero base", Policy{Max: time.Minute}, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Ceiling(tt.attempt)
			if got != tt.want {
				t.Errorf("Ceiling(%d) = %v, want %v", tt.attempt, got, tt.want)
			}
			if got < 0 {
				t.Errorf("Ceiling(%d) overflowed to %v", tt.attempt, got)
			}
		})
	}
}

// The jitter spans [d/2, d]: the injected source's lowest draw gives the
// floor, its highest the ceiling.
func TestDelayBounds(t *testing.T) {
	lowest := func(int64) int64 { return 0 }
	highest := func(n int64) int64 { return n - 1 }
	tests := []struct {
		name    string
		p       Policy
		attempt int
		want    time.Duration
	}{
		{"floor of the first retry", Policy{Base: time.Second, Max: time.Minute, Rand: lowest}, 0, 500 * time.Millisecond},
		{"ceiling of the first retry", Policy{Base: time.Second, Max: time.Minute, Rand: highest}, 0, time.Second},
		{"floor of the third", Policy{Base: time.Second, Max: time.Minute, Rand: lowest}, 2, 2 * time.Second},
		{"floor at the cap", Policy{Base: time.Second, Max: time.Minute, Rand: lowest}, 30, 30 * time.Second},
		{"ceiling at the cap", Policy{Base: time.Second, Max: time.Minute, Rand: highest}, 30, time.Minute},
		{"odd nanoseconds", Policy{Base: 3, Rand: lowest}, 0, 2},
		{"one nanosecond", Policy{Base: 1, Rand: highest}, 0, 1},
		{"zero", Policy{Rand: highest}, 4, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Delay(tt.attempt); got != tt.want {
				t.Errorf("Delay(%d) = %v, want %v", tt.attempt, got, tt.want)
			}
		})
	}
}

// A seeded source gives the same delays every run, each within its bounds,
// and they differ from one another: retries are spread out.
func TestDelaySeeded(t *testing.T) {
	draw := func() []time.Duration {
		r := rand.New(rand.NewPCG(1, 2))
		p := Policy{Base: 100 * time.Millisecond, Max: 10 * time.Second, Rand: r.Int64N}
		var out []time.Duration
		for range 50 {
			out = append(out, p.Delay(7)) // ceiling 10s: the cap
		}
		return out
	}
	a, b := draw(), draw()
	distinct := map[time.Duration]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d: %v then %v with the same seed", i, a[i], b[i])
		}
		if a[i] < 5*time.Second || a[i] > 10*time.Second {
			t.Errorf("draw %d: %v outside [5s, 10s]", i, a[i])
		}
		distinct[a[i]] = true
	}
	if len(distinct) < 45 {
		t.Errorf("only %d distinct delays in 50 draws", len(distinct))
	}
}

// Without an injected source the default one is used, within the same bounds.
func TestDelayDefaultSource(t *testing.T) {
	p := Policy{Base: time.Second, Max: time.Minute}
	for attempt := range 10 {
		c := p.Ceiling(attempt)
		if d := p.Delay(attempt); d < c/2 || d > c {
			t.Errorf("Delay(%d) = %v outside [%v, %v]", attempt, d, c/2, c)
		}
	}
}
