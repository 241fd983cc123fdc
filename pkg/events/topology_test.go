package events_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
)

const day = 24 * time.Hour

func TestTopologyValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(*events.Topology)
		wantErr string // "" means valid
	}{
		{"defaults", func(*events.Topology) {}, ""},
		{"longer retention everywhere", func(t *events.Topology) {
			t.RawMaxAge, t.ArticlesMaxAge, t.DLQMaxAge, t.ArticlesMaxBytes = 7*day, 90*day, 30*day, 50<<30
		}, ""},
		{"pages kept as long as dead letters", func(t *events.Topology) { t.PagesMaxAge = t.DLQMaxAge }, ""},
		{"pages shorter than dead letters", func(t *events.Topology) { t.PagesMaxAge = 3 * day },
			"NEWSFLOW_PAGES_MAX_AGE=72h0m0s is shorter than NEWSFLOW_DLQ_MAX_AGE=336h0m0s"},
		{"pages shorter than raw pages", func(t *events.Topology) { t.RawMaxAge, t.PagesMaxAge = 20*day, 15*day },
			"NEWSFLOW_PAGES_MAX_AGE=360h0m0s is shorter than NEWSFLOW_RAW_MAX_AGE=480h0m0s"},
		{"jobs shorter than the seen mark", func(t *events.Topology) { t.JobsMaxAge = day },
			"NEWSFLOW_JOBS_MAX_AGE=24h0m0s is shorter than NEWSFLOW_SEEN_TTL"},
		{"duplicate window longer than a stream", func(t *events.Topology) { t.RawMaxAge, t.DuplicateWindow = time.Hour, 2*time.Hour },
			"NEWSFLOW_DUPLICATE_WINDOW=2h0m0s is longer than NEWSFLOW_RAW_MAX_AGE=1h0m0s"},
		{"zero max bytes", func(t *events.Topology) { t.ArticlesMaxBytes = 0 }, "NEWSFLOW_ARTICLES_MAX_BYTES=0"},
		{"negative age", func(t *events.Topology) { t.DLQMaxAge = -time.Hour }, "NEWSFLOW_DLQ_MAX_AGE=-1h0m0s: must be positive"},
		{"six replicas", func(t *events.Topology) { t.Replicas = 6 }, "NATS_REPLICAS=6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topo := events.DefaultTopology()
			tc.edit(&topo)
			err := topo.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Validate: %v, want an error containing %q", err, tc.wantErr)
			case err != nil && !errors.Is(err, config.ErrInvalid):
				t.Errorf("Validate: %v does not wrap config.ErrInvalid", err)
			}
		})
	}
}

// Unset, the object store keeps large pages as long as whichever of raw
// pages and dead letters points to them the longest.
func TestTopologyPagesAgeDerived(t *testing.T) {
	for _, tc := range []struct {
		raw, dlq, pages, want time.Duration
	}{
		{3 * day, 14 * day, 0, 14 * day},
		{30 * day, 14 * day, 0, 30 * day},
		{3 * day, 14 * day, 60 * day, 60 * day},
	} {
		topo := events.DefaultTopology()
		topo.RawMaxAge, topo.DLQMaxAge, topo.PagesMaxAge = tc.raw, tc.dlq, tc.pages
		if got := topo.ObjectStores()[0].TTL; got != tc.want {
			t.Errorf("raw %s, dlq %s, pages %s: object store TTL %s, want %s", tc.raw, tc.dlq, tc.pages, got, tc.want)
		}
	}
	topo := events.DefaultTopology()
	topo.SeenTTL = 60 * day
	for _, s := range topo.Streams() {
		if s.Name == events.StreamJobs && s.MaxAge != topo.SeenTTL {
			t.Errorf("jobs max age %s, want the seen TTL %s", s.MaxAge, topo.SeenTTL)
		}
	}
}

func TestTopologyFromEnv(t *testing.T) {
	env := config.FromMap(map[string]string{
		"NATS_REPLICAS":               "3",
		"NEWSFLOW_RAW_MAX_AGE":        "168h",
		"NEWSFLOW_ARTICLES_MAX_AGE":   "2160h",
		"NEWSFLOW_ARTICLES_MAX_BYTES": "1073741824",
		"NEWSFLOW_DLQ_MAX_AGE":        "720h",
		"NEWSFLOW_PAGES_MAX_AGE":      "800h",
		"NEWSFLOW_DUPLICATE_WINDOW":   "20m",
		"NEWSFLOW_SEEN_TTL":           "1000h",
		"NEWSFLOW_JOBS_MAX_AGE":       "1001h",
		"NEWSFLOW_RAW_MAX_BYTES":      "2000000",
		"NEWSFLOW_DLQ_MAX_BYTES":      "3000000",
	})
	got := events.TopologyFromEnv(env)
	if err := env.Err(); err != nil {
		t.Fatal(err)
	}
	want := events.DefaultTopology()
	want.Replicas, want.RawMaxAge, want.ArticlesMaxAge, want.ArticlesMaxBytes = 3, 168*time.Hour, 2160*time.Hour, 1<<30
	want.DLQMaxAge, want.PagesMaxAge, want.DuplicateWindow, want.SeenTTL = 720*time.Hour, 800*time.Hour, 20*time.Minute, 1000*time.Hour
	want.JobsMaxAge, want.RawMaxBytes, want.DLQMaxBytes = 1001*time.Hour, 2000000, 3000000
	if got != want {
		t.Errorf("TopologyFromEnv = %+v\nwant %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}

	env = config.FromMap(map[string]string{"NEWSFLOW_DLQ_MAX_AGE": "14d", "NATS_REPLICAS": "9"})
	events.TopologyFromEnv(env)
	if err := env.Err(); err == nil || !strings.Contains(err.Error(), "NEWSFLOW_DLQ_MAX_AGE") || !strings.Contains(err.Error(), "NATS_REPLICAS") {
		t.Errorf("bad values: %v, want both named", err)
	}
	if got := events.TopologyFromEnv(config.FromMap(nil)); got != events.DefaultTopology() {
		t.Errorf("no variables: %+v, want the defaults", got)
	}
}
