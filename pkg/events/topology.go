package events

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/config"
)

// Topology sizes the streams and buckets `newsflow provision` creates. The
// zero value is not useful; start from DefaultTopology or TopologyFromEnv.
type Topology struct {
	// Replicas of every stream and bucket: 1 on one server, 3 in a cluster.
	// 0 keeps what exists (and creates R1), so provisioning without a
	// setting never takes a cluster's R3 streams down to R1.
	Replicas         int
	JobsMaxAge       time.Duration // unfetched jobs; 0: SeenTTL, the shortest that is safe
	RawMaxAge        time.Duration // raw pages are kept this long for re-parsing
	RawMaxBytes      int64         // -1: no limit
	ArticlesMaxAge   time.Duration // parsed articles are kept this long for replay
	ArticlesMaxBytes int64         // -1: no limit
	DLQMaxAge        time.Duration // dead letters are kept this long for replay
	DLQMaxBytes      int64         // -1: no limit
	PagesMaxAge      time.Duration // large page bodies; 0: the longer of RawMaxAge and DLQMaxAge
	// DuplicateWindow is how long JetStream drops a republished
	// Nats-Msg-Id. The default, 2 minutes (NATS's own), covers the
	// redeliveries that publish again after a lost publish ack: the router's
	// backoff doubles from 2 s, jittered, so the default *_MAX_DELIVER of 5
	// (four redeliveries) takes at most 30 s of backoff besides the attempts'
	// own time; past it the store's upsert is idempotent anyway. nats-server
	// keeps each id of the window in memory, about 100 bytes per stream (and
	// an expired one until it compacts its list of them: up to three windows'
	// worth): at 100 articles/s the earlier 10 minutes came to about 17 MB in
	// three streams.
	DuplicateWindow time.Duration
	SeenTTL         time.Duration // how long an article URL stays "seen"
	ClaimTTL        time.Duration // how long a feed-poll claim lasts without renewal
	PauseTTL        time.Duration // how long a host's next-start time is kept (longest honoured pause)
}

// DefaultTopology suits one machine.
func DefaultTopology() Topology {
	return Topology{
		RawMaxAge:        72 * time.Hour,
		RawMaxBytes:      -1,
		ArticlesMaxAge:   30 * 24 * time.Hour,
		ArticlesMaxBytes: -1,
		DLQMaxAge:        14 * 24 * time.Hour,
		DLQMaxBytes:      -1,
		DuplicateWindow:  2 * time.Minute,
		SeenTTL:          30 * 24 * time.Hour,
		ClaimTTL:         2 * time.Minute,
		PauseTTL:         6 * time.Hour,
	}
}

// TopologyFromEnv reads the settings of `newsflow provision` (NATS_REPLICAS
// and the NEWSFLOW_* retention variables) over DefaultTopology. Check the
// result with Validate once flags have been applied.
func TopologyFromEnv(env *config.Env) Topology {
	t := DefaultTopology()
	t.Replicas = env.Int("NATS_REPLICAS", t.Replicas, 1, 5, "replicas of every stream and bucket (3 on a cluster); unset: keep what exists, 1 when created")
	t.JobsMaxAge = env.Duration("NEWSFLOW_JOBS_MAX_AGE", t.JobsMaxAge, "how long an unfetched job waits in NEWSFLOW_JOBS (at least NEWSFLOW_SEEN_TTL)")
	t.RawMaxAge = env.Duration("NEWSFLOW_RAW_MAX_AGE", t.RawMaxAge, "how long NEWSFLOW_RAW keeps fetched pages for re-parsing")
	t.RawMaxBytes = env.Int64("NEWSFLOW_RAW_MAX_BYTES", t.RawMaxBytes, "most bytes NEWSFLOW_RAW keeps (-1: no limit)")
	t.ArticlesMaxAge = env.Duration("NEWSFLOW_ARTICLES_MAX_AGE", t.ArticlesMaxAge, "how long NEWSFLOW_ARTICLES keeps articles for replay")
	t.ArticlesMaxBytes = env.Int64("NEWSFLOW_ARTICLES_MAX_BYTES", t.ArticlesMaxBytes, "most bytes NEWSFLOW_ARTICLES keeps (-1: no limit)")
	t.DLQMaxAge = env.Duration("NEWSFLOW_DLQ_MAX_AGE", t.DLQMaxAge, "how long NEWSFLOW_DLQ keeps dead letters")
	t.DLQMaxBytes = env.Int64("NEWSFLOW_DLQ_MAX_BYTES", t.DLQMaxBytes, "most bytes NEWSFLOW_DLQ keeps (-1: no limit)")
	t.PagesMaxAge = env.Duration("NEWSFLOW_PAGES_MAX_AGE", t.PagesMaxAge, "how long newsflow_pages keeps large page bodies (at least the raw and DLQ ages; default the longer)")
	t.DuplicateWindow = env.Duration("NEWSFLOW_DUPLICATE_WINDOW", t.DuplicateWindow, "how long JetStream remembers a Nats-Msg-Id to drop a republished event")
	t.SeenTTL = env.Duration("NEWSFLOW_SEEN_TTL", t.SeenTTL, "how long an article URL stays seen (not fetched again)")
	return t
}

// Validate reports every setting out of range, and every pair that would
// lose data, naming the variables. Errors wrap config.ErrInvalid.
func (t Topology) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{config.ErrInvalid}, args...)...))
	}
	if t.Replicas < 0 || t.Replicas > 5 {
		bad("NATS_REPLICAS=%d: must be between 1 and 5", t.Replicas)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
		zero bool // 0 means derived
	}{
		{"NEWSFLOW_JOBS_MAX_AGE", t.JobsMaxAge, true}, {"NEWSFLOW_RAW_MAX_AGE", t.RawMaxAge, false},
		{"NEWSFLOW_ARTICLES_MAX_AGE", t.ArticlesMaxAge, false}, {"NEWSFLOW_DLQ_MAX_AGE", t.DLQMaxAge, false},
		{"NEWSFLOW_PAGES_MAX_AGE", t.PagesMaxAge, true}, {"NEWSFLOW_DUPLICATE_WINDOW", t.DuplicateWindow, false},
		{"NEWSFLOW_SEEN_TTL", t.SeenTTL, false}, {"claim TTL", t.ClaimTTL, false}, {"pause TTL", t.PauseTTL, false},
	} {
		if d.v < 0 || (d.v == 0 && !d.zero) {
			bad("%s=%s: must be positive", d.name, d.v)
		}
	}
	for _, b := range []struct {
		name string
		v    int64
	}{{"NEWSFLOW_RAW_MAX_BYTES", t.RawMaxBytes}, {"NEWSFLOW_ARTICLES_MAX_BYTES", t.ArticlesMaxBytes}, {"NEWSFLOW_DLQ_MAX_BYTES", t.DLQMaxBytes}} {
		if b.v == 0 || b.v < -1 {
			bad("%s=%d: must be positive, or -1 for no limit", b.name, b.v)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// Raw messages and dead letters both point to large page bodies: a body
	// that expires first makes the page impossible to re-parse or replay.
	if p := t.pagesMaxAge(); p < t.DLQMaxAge {
		bad("NEWSFLOW_PAGES_MAX_AGE=%s is shorter than NEWSFLOW_DLQ_MAX_AGE=%s: a dead-lettered large page could not be replayed", p, t.DLQMaxAge)
	} else if p < t.RawMaxAge {
		bad("NEWSFLOW_PAGES_MAX_AGE=%s is shorter than NEWSFLOW_RAW_MAX_AGE=%s: a retained large page could not be re-parsed", p, t.RawMaxAge)
	}
	if t.jobsMaxAge() < t.SeenTTL {
		bad("NEWSFLOW_JOBS_MAX_AGE=%s is shorter than NEWSFLOW_SEEN_TTL=%s: an article whose job aged out would stay seen and never be fetched", t.JobsMaxAge, t.SeenTTL)
	}
	// The server refuses a dedup window longer than a stream's max age.
	for _, s := range []struct {
		name string
		v    time.Duration
	}{{"NEWSFLOW_RAW_MAX_AGE", t.RawMaxAge}, {"NEWSFLOW_ARTICLES_MAX_AGE", t.ArticlesMaxAge}, {"NEWSFLOW_JOBS_MAX_AGE", t.jobsMaxAge()}} {
		if t.DuplicateWindow > s.v {
			bad("NEWSFLOW_DUPLICATE_WINDOW=%s is longer than %s=%s", t.DuplicateWindow, s.name, s.v)
		}
	}
	return errors.Join(errs...)
}

// jobsMaxAge: a job must outlive its URL's "seen" mark, or an article whose
// job aged out would never be queued again.
func (t Topology) jobsMaxAge() time.Duration {
	if t.JobsMaxAge > 0 {
		return t.JobsMaxAge
	}
	return t.SeenTTL
}

func (t Topology) pagesMaxAge() time.Duration {
	if t.PagesMaxAge > 0 {
		return t.PagesMaxAge
	}
	return max(t.RawMaxAge, t.DLQMaxAge)
}

// Streams returns the stream configurations of t.
func (t Topology) Streams() []jetstream.StreamConfig {
	return []jetstream.StreamConfig{
		{
			Name: StreamJobs, Subjects: []string{SubjectJobPrefix + ">"},
			Description: "article fetch jobs, each taken by one fetcher replica",
			Retention:   jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
			Replicas: t.Replicas, Duplicates: t.DuplicateWindow, MaxAge: t.jobsMaxAge(),
		},
		{
			Name: StreamRaw, Subjects: []string{SubjectRawPrefix + ">"},
			Description: "fetched pages: body = page bytes, metadata in headers",
			Retention:   jetstream.LimitsPolicy, Storage: jetstream.FileStorage,
			Replicas: t.Replicas, Duplicates: t.DuplicateWindow, MaxAge: t.RawMaxAge,
			MaxBytes: t.RawMaxBytes,
		},
		{
			Name: StreamArticles, Subjects: []string{SubjectArticlePrefix + ">"},
			Description: "Article v1 documents, retained for replay",
			Retention:   jetstream.LimitsPolicy, Storage: jetstream.FileStorage,
			Replicas: t.Replicas, Duplicates: t.DuplicateWindow, MaxAge: t.ArticlesMaxAge,
			MaxBytes: t.ArticlesMaxBytes,
		},
		{
			Name: StreamDLQ, Subjects: []string{SubjectDLQPrefix + ">"},
			Description: "messages a stage gave up on, with the reason in headers",
			Retention:   jetstream.LimitsPolicy, Storage: jetstream.FileStorage,
			Replicas: t.Replicas, MaxAge: t.DLQMaxAge, MaxBytes: t.DLQMaxBytes,
		},
	}
}

// Buckets returns the KV bucket configurations of t.
func (t Topology) Buckets() []jetstream.KeyValueConfig {
	return []jetstream.KeyValueConfig{
		{Bucket: BucketSeen, Description: "article URLs already queued", TTL: t.SeenTTL, Replicas: t.Replicas, Storage: jetstream.FileStorage},
		{Bucket: BucketClaims, Description: "feed polls in progress, one replica each", TTL: t.ClaimTTL, Replicas: t.Replicas, Storage: jetstream.FileStorage},
		{Bucket: BucketFeeds, Description: "feed registry and poll state", History: 1, Replicas: t.Replicas, Storage: jetstream.FileStorage},
		{Bucket: BucketHosts, Description: "per-host fetch slots", TTL: t.ClaimTTL, Replicas: t.Replicas, Storage: jetstream.FileStorage},
		{Bucket: BucketPauses, Description: "per-host next allowed fetch start", TTL: t.PauseTTL, Replicas: t.Replicas, Storage: jetstream.FileStorage},
		// A message's count lives as long as the message may: its stream's age.
		{Bucket: BucketFailures, Description: "failed attempts of deferred messages", TTL: t.jobsMaxAge(), Replicas: t.Replicas, Storage: jetstream.FileStorage},
	}
}

// ObjectStores returns the object store configurations of t.
func (t Topology) ObjectStores() []jetstream.ObjectStoreConfig {
	return []jetstream.ObjectStoreConfig{
		{Bucket: BucketPages, Description: "raw pages too large for one message", TTL: t.pagesMaxAge(), Replicas: t.Replicas, Storage: jetstream.FileStorage},
	}
}
