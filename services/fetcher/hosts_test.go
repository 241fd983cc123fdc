package fetcher

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/natsx"
)

// A host slot is a lease: held while its holder renews it (a waiter gives up
// after slotWait, for the job to be deferred), taken over soon after a holder
// that died stops renewing — not after the bucket's TTL.
func TestHostSlotLease(t *testing.T) {
	ns := natstest.Start(t)
	nc, js, err := natsx.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: "t"}, testLog())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	bucket := func(name string) jetstream.KeyValue {
		// A TTL of an hour: only the lease can free a slot within the test.
		kv, err := js.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: name, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return kv
	}
	slots, pauses := bucket("hosts"), bucket("pauses")
	const lease = time.Second
	gate := func(owner string) *hostGate {
		return &hostGate{kv: slots, pauses: pauses, perHost: 1, owner: []byte(owner), lease: lease}
	}
	a, b := gate("a"), gate("b")

	// While a holds and renews its slot, b gets none.
	aCtx, aDies := context.WithCancel(t.Context())
	releaseA, err := a.acquire(aCtx, "h", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Another worker of a's own replica is turned away at once, not after
	// slotWait: it takes another host's job meanwhile, and gets that host.
	soon, cancel := context.WithTimeout(t.Context(), slotWait/2)
	_, err = a.acquire(soon, "h", 0)
	cancel()
	if !errors.Is(err, errNoSlot) {
		t.Fatalf("a second worker of the holder waited for its slot: %v", err)
	}
	releaseOther, err := a.acquire(t.Context(), "other", 0)
	if err != nil {
		t.Fatalf("another host's slot: %v", err)
	}
	releaseOther()
	// Over more than one lease, b gives up (the job would be deferred).
	if _, err := b.acquire(t.Context(), "h", 0); !errors.Is(err, errNoSlot) {
		t.Fatalf("b acquired a slot a holds and renews (err %v)", err)
	}
	releaseA()
	releaseB, err := b.acquire(t.Context(), "h", 0)
	if err != nil {
		t.Fatalf("a released slot is not free: %v", err)
	}
	releaseB()

	// a takes the slot again and dies without releasing it: its renewals
	// stop (as a killed process's would, so its lease is not deleted
	// either), and b takes the slot over once the lease has lapsed.
	if _, err := a.acquire(aCtx, "h", 0); err != nil {
		t.Fatal(err)
	}
	died := time.Now()
	stopRenewingWithoutRelease(t, slots, aDies)
	for {
		releaseB, err = b.acquire(t.Context(), "h", 0)
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

// stopRenewingWithoutRelease ends a holder's renewals the way a crash does:
// its context goes, and the delete it would then send is undone by writing
// the lease back as it was.
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
