package fetcher

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
)

// On a replicated bucket, creating a key another writer re-created after a
// delete fails with code 10164, which must read as "taken", not as an error.
func TestKVConflictOnReplicatedBucket(t *testing.T) {
	cluster := natstest.StartCluster(t, 3)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	nc, js, err := natsx.Connect(ctx, natsx.Config{URL: cluster.URLs(), Name: "t"}, testLog())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "conflict", Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Create(ctx, "slot", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, "slot"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Create(ctx, "slot", []byte("b")); err != nil {
		t.Fatal(err)
	}
	_, err = kv.Create(ctx, "slot", []byte("c"))
	if err == nil {
		t.Fatal("second create of a live key succeeded")
	}
	if !events.IsKVConflict(err) {
		t.Errorf("events.IsKVConflict(%v) = false", err)
	}
	if _, err := kv.Update(ctx, "slot", []byte("d"), 1); !events.IsKVConflict(err) {
		t.Errorf("stale update: events.IsKVConflict(%v) = false", err)
	}
	// The case seen in production: a released slot (deleted key) taken by
	// several replicas at once. Exactly one wins; every loser sees a conflict.
	for round := range 20 {
		if err := kv.Delete(ctx, "slot"); err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				_, err := kv.Create(ctx, "slot", []byte("x"))
				errs <- err
			}()
		}
		won := 0
		for range 4 {
			err := <-errs
			switch {
			case err == nil:
				won++
			case !events.IsKVConflict(err):
				t.Fatalf("round %d: a losing create failed with %v, not a conflict", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d creators won", round, won)
		}
	}
}
