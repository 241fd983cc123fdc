package events_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
)

func connect(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, js, err := natsx.Connect(t.Context(), natsx.Config{URL: url, Name: "provision-test"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return js
}

func streamInfo(t *testing.T, js jetstream.JetStream, name string) jetstream.StreamConfig {
	t.Helper()
	s, err := js.Stream(t.Context(), name)
	if err != nil {
		t.Fatalf("stream %s: %v", name, err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.Config
}

// actions is "action resource" per change, for comparison.
func actions(changes []events.Change) map[string]events.Action {
	out := map[string]events.Action{}
	for _, c := range changes {
		out[c.Resource.String()] = c.Action
	}
	return out
}

// Provision creates everything once, changes nothing when run again, and
// updates exactly the setting that changed, reporting the difference.
func TestProvision(t *testing.T) {
	ns := natstest.Start(t)
	js := connect(t, ns.ClientURL())
	topo := events.DefaultTopology()
	all := topo.Resources()
	if len(all) != 11 {
		t.Fatalf("topology has %d resources, want 4 streams, 6 KV buckets and 1 object store: %v", len(all), all)
	}

	changes, err := events.Provision(t.Context(), js, topo)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if a := actions(changes)[r.String()]; a != events.Created {
			t.Errorf("first run: %s %s, want created", r, a)
		}
	}
	if err := events.Check(t.Context(), js, all...); err != nil {
		t.Fatalf("after provisioning: %v", err)
	}
	if got := streamInfo(t, js, "OBJ_"+events.BucketPages).MaxAge; got != topo.DLQMaxAge {
		t.Errorf("object store max age %s, want the DLQ's %s", got, topo.DLQMaxAge)
	}

	// Idempotent.
	changes, err = events.Provision(t.Context(), js, topo)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if c.Action != events.Unchanged || len(c.Diff) != 0 {
			t.Errorf("second run: %s %s %v, want unchanged", c.Resource, c.Action, c.Diff)
		}
	}

	// One setting changed: one update, with its diff.
	topo.ArticlesMaxAge = 90 * day
	topo.ArticlesMaxBytes = 1 << 30
	changes, err = events.Provision(t.Context(), js, topo)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		want := events.Unchanged
		if c.Resource == events.Stream(events.StreamArticles) {
			want = events.Updated
			if got := fmt.Sprint(c.Diff); got != "[{max_age 720h0m0s 2160h0m0s} {max_bytes -1 1073741824}]" {
				t.Errorf("articles diff %s", got)
			}
		}
		if c.Action != want {
			t.Errorf("after a change: %s %s, want %s", c.Resource, c.Action, want)
		}
	}
	if cfg := streamInfo(t, js, events.StreamArticles); cfg.MaxAge != 90*day || cfg.MaxBytes != 1<<30 {
		t.Errorf("articles stream max age %s, max bytes %d after the update", cfg.MaxAge, cfg.MaxBytes)
	}

	// A longer DLQ retention carries the derived object store age along.
	topo.DLQMaxAge = 60 * day
	changes, err = events.Provision(t.Context(), js, topo)
	if err != nil {
		t.Fatal(err)
	}
	if a := actions(changes); a["stream "+events.StreamDLQ] != events.Updated || a["object store "+events.BucketPages] != events.Updated {
		t.Errorf("DLQ age change: %v", a)
	}
	if got := streamInfo(t, js, "OBJ_"+events.BucketPages).MaxAge; got != 60*day {
		t.Errorf("object store max age %s after the DLQ went to 60 days", got)
	}
}

// A topology where large pages would expire before the dead letters that
// point to them is refused before anything is written.
func TestProvisionRefusesShortPages(t *testing.T) {
	ns := natstest.Start(t)
	js := connect(t, ns.ClientURL())
	topo := events.DefaultTopology()
	topo.PagesMaxAge = topo.DLQMaxAge - time.Hour
	_, err := events.Provision(t.Context(), js, topo)
	if err == nil || !strings.Contains(err.Error(), "NEWSFLOW_PAGES_MAX_AGE") {
		t.Fatalf("Provision: %v, want the pages age refused", err)
	}
	if err := events.Check(t.Context(), js, events.Stream(events.StreamRaw)); !errors.Is(err, events.ErrNotProvisioned) {
		t.Errorf("a refused topology created streams: Check = %v", err)
	}
}

// ProvisionMissing (the first `newsflow up`) creates what is missing and
// leaves what exists as it is, even when it differs from its topology.
func TestProvisionMissing(t *testing.T) {
	ns := natstest.Start(t)
	js := connect(t, ns.ClientURL())
	topo := events.DefaultTopology()
	changes, err := events.ProvisionMissing(t.Context(), js, topo)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if c.Action != events.Created {
			t.Errorf("empty server: %s %s, want created", c.Resource, c.Action)
		}
	}

	// An operator's change, made with the nats CLI or `newsflow provision`.
	cfg := streamInfo(t, js, events.StreamArticles)
	cfg.MaxAge = 90 * day
	if _, err := js.UpdateStream(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteKeyValue(t.Context(), events.BucketPauses); err != nil {
		t.Fatal(err)
	}
	changes, err = events.ProvisionMissing(t.Context(), js, topo)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		want := events.Kept
		if c.Resource == events.KV(events.BucketPauses) {
			want = events.Created
		}
		if c.Action != want {
			t.Errorf("second start: %s %s, want %s", c.Resource, c.Action, want)
		}
	}
	if got := streamInfo(t, js, events.StreamArticles).MaxAge; got != 90*day {
		t.Errorf("articles max age %s after ProvisionMissing, want the operator's 90 days kept", got)
	}
}

// Check only reads, and names every missing resource and the command that
// creates them.
func TestCheck(t *testing.T) {
	ns := natstest.Start(t)
	js := connect(t, ns.ClientURL())
	need := []events.Resource{events.Stream(events.StreamRaw), events.KV(events.BucketFeeds), events.ObjectStore(events.BucketPages)}
	err := events.Check(t.Context(), js, need...)
	if !errors.Is(err, events.ErrNotProvisioned) {
		t.Fatalf("Check on an empty server: %v", err)
	}
	for _, want := range []string{"newsflow provision", "stream NEWSFLOW_RAW", "KV bucket newsflow_feeds", "object store newsflow_pages"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check: %q does not name %q", err, want)
		}
	}
	names := js.StreamNames(t.Context())
	for n := range names.Name() {
		t.Errorf("Check created stream %s", n)
	}

	natstest.Provision(t, ns.ClientURL(), events.DefaultTopology())
	if err := events.Check(t.Context(), js, need...); err != nil {
		t.Errorf("Check after provisioning: %v", err)
	}
	if err := js.DeleteStream(t.Context(), events.StreamRaw); err != nil {
		t.Fatal(err)
	}
	err = events.Check(t.Context(), js, need...)
	if !errors.Is(err, events.ErrNotProvisioned) || !strings.Contains(err.Error(), "stream NEWSFLOW_RAW)") {
		t.Errorf("Check with one stream gone: %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := events.Check(ctx, js, need...); err == nil || errors.Is(err, events.ErrNotProvisioned) {
		t.Errorf("Check with a cancelled context: %v, want the context's error, not a missing stream", err)
	}
}
