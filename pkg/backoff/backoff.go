// Package backoff is newsflow's one retry delay: exponential, capped and
// jittered, so the messages, feeds and replicas that failed together (a host
// down, NATS restarting) do not all come back at the same instant.
package backoff

import (
	"math"
	"math/rand/v2"
	"time"
)

// Policy is an exponential backoff. Retry n (from 0) waits a random time in
// [d/2, d], where d = Base·2ⁿ capped at Max. The jitter keeps half of d as a
// floor ("equal jitter") rather than drawing from [0, d]: a retry that comes
// almost at once is wasted on a server that has just failed, and a failing
// feed must still be polled less and less often.
type Policy struct {
	Base time.Duration // d of the first retry
	Max  time.Duration // cap on d; 0 means none
	// Rand returns a uniform value in [0, n); nil means math/rand/v2.
	// Tests set it to make delays deterministic.
	Rand func(n int64) int64
}

// Delay is how long to wait before retry number attempt (0 is the first).
func (p Policy) Delay(attempt int) time.Duration {
	d := p.Ceiling(attempt)
	if d <= 1 {
		return d
	}
	rnd := p.Rand
	if rnd == nil {
		rnd = rand.Int64N
	}
	half := d / 2
	return d - half + time.Duration(rnd(int64(half)+1))
}

// Ceiling is the longest Delay(attempt) can be: Base·2^attempt, capped at Max.
func (p Policy) Ceiling(attempt int) time.Duration {
	d := max(p.Base, 0)
	for range max(attempt, 0) {
		if (p.Max > 0 && d >= p.Max) || d > math.MaxInt64/2 || d == 0 {
			break
		}
		d *= 2
	}
	if p.Max > 0 {
		d = min(d, p.Max)
	}
	return d
}
