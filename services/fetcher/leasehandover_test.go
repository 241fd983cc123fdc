package fetcher

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A lease that lapsed and was taken over by another replica is no slot: a
// job it is handed to takes a slot afresh (and gets none while the other
// replica holds it), rather than fetch beside that replica on the same slot.
func TestLostLeaseIsNotHandedOn(t *testing.T) {
	slots, pauses := gateBuckets(t)
	gate := func(owner string) *hostGate {
		return &hostGate{kv: slots, pauses: pauses, perHost: 1, owner: []byte(owner), lease: 300 * time.Millisecond}
	}
	a, b := gate("a"), gate("b")

	releaseA, err := enterAcquire(t.Context(), a, "h", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A job of a's replica waits for the host.
	type place struct {
		lease *slotLease
		err   error
	}
	handed := make(chan place, 1)
	go func() {
		l, err := a.local.wait(t.Context(), "h", a.perHost)
		handed <- place{l, err}
	}()
	eventually(t, 5*time.Second, "a job waiting for the host", func() bool { return a.local.waiting("h") })

	// a's lease lapses (renewals that did not get through: a NATS outage, a
	// stalled process) and b takes the slot over.
	if _, err := slots.Put(t.Context(), "h.slot.0", []byte("1 a")); err != nil {
		t.Fatal(err)
	}
	releaseB, err := enterAcquire(t.Context(), b, "h", 0, 0)
	if err != nil {
		t.Fatalf("b could not take over a lapsed slot: %v", err)
	}
	defer releaseB()

	// a's fetch ends and hands its place on, with the lease it holds.
	releaseA()
	p := <-handed
	if p.err != nil {
		t.Fatal(p.err)
	}
	if p.lease == nil {
		t.Fatal("no lease handed over")
	}
	// Its renewer has found the slot taken over by then (a renewal every
	// third of the lease).
	eventually(t, 5*time.Second, "a's renewer finding its slot taken over", func() bool { return isClosed(p.lease.done) })
	release, err := a.acquire(t.Context(), "h", 0, 0, p.lease)
	if err == nil {
		release()
		t.Fatal("a job of a fetched on a lease b had taken over: two fetches at once on a host of one slot")
	}
	if !errors.Is(err, errNoSlot) {
		t.Fatalf("acquire: %v, want errNoSlot while b holds the slot", err)
	}
}

// A panic inside acquire, once it holds a slot, frees the slot: a lease
// outlives its job's context, so nothing else would stop its renewals, and
// the host would stay full on every replica for as long as this one ran.
func TestAcquirePanicReleasesSlot(t *testing.T) {
	slots, _ := gateBuckets(t)
	// No pauses bucket: booking the next start panics, after the slot is taken.
	g := &hostGate{kv: slots, perHost: 1, owner: []byte("a"), lease: 300 * time.Millisecond}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("acquire did not panic")
			}
		}()
		enterAcquire(t.Context(), g, "h", time.Second, 0)
	}()
	if !g.local.enter("h", g.perHost) {
		t.Error("the worker that panicked is still counted in the host")
	}
	eventually(t, 5*time.Second, "the slot freed", func() bool {
		_, err := slots.Get(t.Context(), "h.slot.0")
		return errors.Is(err, jetstream.ErrKeyNotFound)
	})
}
