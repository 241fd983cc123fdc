package fetcher

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
)

// A host slot is a lease: held while its holder renews it (a waiter gives up
// after slotWait, for the job to be deferred), taken over soon after a holder
// that died stops renewing — not after the bucket's TTL.
func TestHostSlotLease(t *testing.T) {
	slots, pauses := gateBuckets(t)
	const lease = time.Second
	gate := func(owner string) *hostGate {
		return &hostGate{kv: slots, pauses: pauses, perHost: 1, owner: []byte(owner), lease: lease}
	}
	a, b := gate("a"), gate("b")

	// While a holds and renews its slot, b gets none.
	aCtx, aDies := context.WithCancel(t.Context())
	releaseA, err := enterAcquire(aCtx, a, "h", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Another worker of a's own replica is turned away at once, not after
	// slotWait: it takes another host's job meanwhile, and gets that host.
	if a.local.enter("h", a.perHost) {
		t.Fatal("a second worker of the holder entered the host it fills")
	}
	releaseOther, err := enterAcquire(t.Context(), a, "other", 0, 0)
	if err != nil {
		t.Fatalf("another host's slot: %v", err)
	}
	releaseOther()
	// Over more than one lease, b gives up (the job would be deferred).
	if _, err := enterAcquire(t.Context(), b, "h", 0, 0); !errors.Is(err, errNoSlot) {
		t.Fatalf("b acquired a slot a holds and renews (err %v)", err)
	}
	releaseA()
	releaseB, err := enterAcquire(t.Context(), b, "h", 0, 0)
	if err != nil {
		t.Fatalf("a released slot is not free: %v", err)
	}
	releaseB()

	// a takes the slot again and dies without releasing it: its renewals
	// stop (as a killed process's would, so its lease is not deleted
	// either), and b takes the slot over once the lease has lapsed.
	if _, err := enterAcquire(aCtx, a, "h", 0, 0); err != nil {
		t.Fatal(err)
	}
	died := time.Now()
	stopRenewingWithoutRelease(t, slots, aDies)
	for {
		releaseB, err = enterAcquire(t.Context(), b, "h", 0, 0)
		if err == nil {
			break
		}
		if !errors.Is(err, errNoSlot) || time.Since(died) > 20*lease {
			t.Fatalf("b could not take over the lapsed slot of a dead holder: %v", err)
		}
	}
	t.Logf("slot taken over %v after its holder died (lease %v)", time.Since(died).Round(10*time.Millisecond), lease)
	releaseB()
}

// enterAcquire enters host and acquires its slot, as HandleJob does.
func enterAcquire(ctx context.Context, g *hostGate, host string, delay, busy time.Duration) (func(), error) {
	if !g.local.enter(host, g.perHost) {
		return nil, errNoSlot
	}
	return g.acquire(ctx, host, delay, busy, nil)
}

// stopRenewingWithoutRelease ends a holder's renewals the way a crash does:
// the lease is written back as it was, so the holder's next renewal finds
// the revision changed and stops (a renewer outlives its job's context, so
// cancel alone no longer stops it).
func stopRenewingWithoutRelease(t *testing.T, kv jetstream.KeyValue, cancel context.CancelFunc) {
	t.Helper()
	e, err := kv.Get(t.Context(), "h.slot.0")
	if err != nil {
		t.Fatal(err)
	}
	lease := e.Value()
	cancel()
	time.Sleep(200 * time.Millisecond) // the renewer sees ctx done and deletes
	if _, err := kv.Put(t.Context(), "h.slot.0", lease); err != nil {
		t.Fatal(err)
	}
}

// Without a delay to keep between fetches, a fetch books no next start (two
// KV round trips less per page) but still waits out one booked before it
// (a Retry-After); with a delay it books the next start.
func TestAcquireBooksOnlyWithADelay(t *testing.T) {
	slots, pauses := gateBuckets(t)
	g := &hostGate{kv: slots, pauses: pauses, perHost: 2, owner: []byte("a")}
	booked := func(host string) bool {
		_, err := g.pauses.Get(t.Context(), host+".next")
		return err == nil
	}

	release, err := enterAcquire(t.Context(), g, "nodelay", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	release()
	if booked("nodelay") {
		t.Error("a fetch without a delay booked the host's next start")
	}

	start := time.Now()
	release, err = enterAcquire(t.Context(), g, "nodelay", 0, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	release()
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Errorf("acquire waited %v of a 300ms pause booked before it", waited)
	}

	release, err = enterAcquire(t.Context(), g, "delayed", time.Second, 0)
	if err != nil {
		t.Fatal(err)
	}
	release()
	if !booked("delayed") {
		t.Error("a fetch with a 1s delay booked no next start")
	}
}

// A replica turns its own surplus workers away from a host (enter), and
// books their jobs' returns one after another, as the host's slots would
// serve them — 1–2 s for a host it has no slot hold measured for.
func TestLocalHostsRetry(t *testing.T) {
	g := &hostGate{perHost: 2}
	l := &g.local
	if !l.enter("h", 2) || !l.enter("h", 2) {
		t.Fatal("two workers could not enter a host of two slots")
	}
	if l.enter("h", 2) {
		t.Fatal("a third worker entered a host of two slots")
	}
	if d := g.retryIn("h"); d < time.Second || d > 2*time.Second {
		t.Errorf("retry for a host with no hold measured = %v, want 1s–2s", d)
	}
	l.leave("h", 40*time.Millisecond, nil)
	if !l.enter("h", 2) {
		t.Fatal("a worker could not enter after one left")
	}
	l.leave("h", 40*time.Millisecond, nil)
	l.leave("h", 0, nil) // one that got no slot: no hold to average
	if got := l.hold("h"); got != 40*time.Millisecond {
		t.Errorf("average hold = %v, want 40ms", got)
	}
	l.leave("h", 90*time.Millisecond, nil)
	if got := l.hold("h"); got != 50*time.Millisecond {
		t.Errorf("average hold after 40, 40, 90ms = %v, want 50ms", got)
	}

	// Turned away at the same instant, jobs come back a hold, then half a
	// hold (two slots) apart; a queue never books past the limit.
	now := time.Now()
	for i, want := range []time.Duration{50, 75, 100, 125} {
		if got, ok := l.bookReturn("h", 2, now, time.Second); !ok || got != want*time.Millisecond {
			t.Errorf("return %d = %v, %v; want %vms", i, got, ok, want)
		}
	}
	if got, _ := l.bookReturn("h", 2, now, 110*time.Millisecond); got != 110*time.Millisecond {
		t.Errorf("return past the limit = %v, want the limit 110ms", got)
	}
	// Once the booked returns are past, the queue starts again.
	if got, _ := l.bookReturn("h", 2, now.Add(time.Second), time.Second); got != 50*time.Millisecond {
		t.Errorf("return after the queue drained = %v, want one hold, 50ms", got)
	}
	l.leave("fast", time.Millisecond, nil)
	if d := g.retryIn("fast"); d != minSlotRetry {
		t.Errorf("retry for a host held 1ms = %v, want the least, %v", d, minSlotRetry)
	}
}

// Waiting jobs get a host's place in the order they came, and a job that
// arrives later cannot take it first.
func TestLocalHostsHandOverInOrder(t *testing.T) {
	var l localHosts
	if !l.enter("h", 1) {
		t.Fatal("could not enter an empty host")
	}
	queued := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
			l.mu.Lock()
			k := len(l.queue["h"])
			l.mu.Unlock()
			if k == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d jobs waiting, want %d", k, n)
			}
		}
	}
	type place struct {
		job   int
		lease *slotLease
	}
	got := make(chan place, 2)
	for i := range 2 {
		go func() {
			if lease, err := l.wait(t.Context(), "h", 1); err == nil {
				got <- place{i, lease}
			}
		}()
		queued(i + 1) // one after the other
	}
	lease := &slotLease{}
	if !l.leave("h", time.Millisecond, lease) {
		t.Fatal("the leaving job's lease was not taken by the job waiting")
	}
	if l.enter("h", 1) {
		t.Fatal("a job arriving late took the place a waiting job was handed")
	}
	if first := <-got; first.job != 0 || first.lease != lease {
		t.Fatalf("got job %d with lease %p, want the first waiting job with the leaving job's lease %p", first.job, first.lease, lease)
	}
	l.leave("h", time.Millisecond, nil)
	if second := <-got; second.job != 1 || second.lease != nil {
		t.Fatalf("got %+v, want the second waiting job, without a lease", second)
	}
	// A job that gives up leaves the queue; the place then goes free.
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		_, err := l.wait(ctx, "h", 1)
		done <- err
	}()
	queued(1)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled wait entered the host")
	}
	if l.leave("h", time.Millisecond, lease) {
		t.Error("a lease was handed to a job that gave up")
	}
	if !l.enter("h", 1) {
		t.Error("the host's place stayed taken after its holder left and its waiter gave up")
	}
}

// gateBuckets starts a NATS server and makes a hostGate's two buckets on it.
// Their TTL is an hour: within a test only a lease frees a slot.
func gateBuckets(t *testing.T) (slots, pauses jetstream.KeyValue) {
	t.Helper()
	j := js(t, natstest.Start(t))
	bucket := func(name string) jetstream.KeyValue {
		kv, err := j.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: name, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return kv
	}
	return bucket("hosts"), bucket("pauses")
}
