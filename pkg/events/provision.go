package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Topology sizes the streams and buckets. The zero value is not useful; start
// from DefaultTopology.
type Topology struct {
	Replicas         int           // stream and KV replicas: 1 on one server, 3 in a cluster
	RawMaxAge        time.Duration // raw pages are kept this long for re-parsing
	ArticlesMaxAge   time.Duration // parsed articles are kept this long for replay
	ArticlesMaxBytes int64         // and at most this many bytes (-1: no limit)
	DLQMaxAge        time.Duration
	DuplicateWindow  time.Duration // Nats-Msg-Id dedup window
	SeenTTL          time.Duration // how long an article URL stays "seen"
	ClaimTTL         time.Duration // how long a feed-poll claim lasts without renewal
	PauseTTL         time.Duration // how long a host's next-start time is kept (longest honoured pause)
}

// DefaultTopology suits one machine.
func DefaultTopology() Topology {
	return Topology{
		Replicas:         1,
		RawMaxAge:        72 * time.Hour,
		ArticlesMaxAge:   30 * 24 * time.Hour,
		ArticlesMaxBytes: -1,
		DLQMaxAge:        14 * 24 * time.Hour,
		DuplicateWindow:  10 * time.Minute,
		SeenTTL:          30 * 24 * time.Hour,
		ClaimTTL:         2 * time.Minute,
		PauseTTL:         6 * time.Hour,
	}
}

// Streams returns the stream configurations of t.
func (t Topology) Streams() []jetstream.StreamConfig {
	return []jetstream.StreamConfig{
		{
			Name: StreamJobs, Subjects: []string{SubjectJobPrefix + ">"},
			Description: "article fetch jobs, each taken by one fetcher replica",
			Retention:   jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
			// A job must outlive its URL's "seen" mark, or an article whose
			// job aged out would never be queued again.
			Replicas: t.Replicas, Duplicates: t.DuplicateWindow, MaxAge: t.SeenTTL,
		},
		{
			Name: StreamRaw, Subjects: []string{SubjectRawPrefix + ">"},
			Description: "fetched pages: body = page bytes, metadata in headers",
			Retention:   jetstream.LimitsPolicy, Storage: jetstream.FileStorage,
			Replicas: t.Replicas, Duplicates: t.DuplicateWindow, MaxAge: t.RawMaxAge,
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
			Replicas: t.Replicas, MaxAge: t.DLQMaxAge,
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
	}
}

// ObjectStores returns the object store configurations of t.
func (t Topology) ObjectStores() []jetstream.ObjectStoreConfig {
	return []jetstream.ObjectStoreConfig{
		{Bucket: BucketPages, Description: "raw pages too large for one message", TTL: t.RawMaxAge, Replicas: t.Replicas, Storage: jetstream.FileStorage},
	}
}

// Provision creates or updates every stream and bucket of t. Every replica of
// every service calls it at start; concurrent calls with the same topology
// converge on the same result.
//
// Provisioning never lowers the replica count of what exists: a process
// started without NATS_REPLICAS (the CLI on a laptop) must not take a
// cluster's R3 streams down to R1.
func Provision(ctx context.Context, js jetstream.JetStream, t Topology) error {
	for _, cfg := range t.Streams() {
		cfg.Replicas = keepReplicas(ctx, js, cfg.Name, cfg.Replicas)
		err := retryConflict(ctx, func() error {
			_, err := js.CreateOrUpdateStream(ctx, cfg)
			return err
		})
		if err != nil {
			return fmt.Errorf("provision stream %s: %w", cfg.Name, err)
		}
	}
	for _, cfg := range t.Buckets() {
		cfg.Replicas = keepReplicas(ctx, js, "KV_"+cfg.Bucket, cfg.Replicas)
		err := retryConflict(ctx, func() error {
			_, err := js.CreateOrUpdateKeyValue(ctx, cfg)
			return err
		})
		if err != nil {
			return fmt.Errorf("provision bucket %s: %w", cfg.Bucket, err)
		}
	}
	for _, cfg := range t.ObjectStores() {
		cfg.Replicas = keepReplicas(ctx, js, "OBJ_"+cfg.Bucket, cfg.Replicas)
		err := retryConflict(ctx, func() error {
			_, err := js.CreateOrUpdateObjectStore(ctx, cfg)
			return err
		})
		if err != nil {
			return fmt.Errorf("provision object store %s: %w", cfg.Bucket, err)
		}
	}
	return nil
}

// keepReplicas is want, or the replica count stream already has if higher.
func keepReplicas(ctx context.Context, js jetstream.JetStream, stream string, want int) int {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return want
	}
	info, err := s.Info(ctx)
	if err != nil {
		return want
	}
	return max(want, info.Config.Replicas)
}

// ConsumerConfig is the durable pull consumer a stage reads with. The server
// redelivers without limit; the stage's dead-letter middleware (package
// router) ends redelivery by moving the message to NEWSFLOW_DLQ, so a message
// is never silently dropped when a limit is reached.
func ConsumerConfig(name, filter string, ackWait time.Duration) jetstream.ConsumerConfig {
	cfg := jetstream.ConsumerConfig{
		Durable:       name,
		Description:   "newsflow " + name,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxDeliver:    -1,
		AckWait:       ackWait,
		MaxAckPending: 1000,
	}
	if filter != "" {
		cfg.FilterSubject = filter
	}
	return cfg
}

// EnsureConsumer creates or updates a durable consumer on stream.
func EnsureConsumer(ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	var c jetstream.Consumer
	err := retryConflict(ctx, func() error {
		var err error
		c, err = js.CreateOrUpdateConsumer(ctx, stream, cfg)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("provision consumer %s on %s: %w", cfg.Durable, stream, err)
	}
	return c, nil
}

// retryConflict repeats fn while another replica's concurrent create of the
// same resource makes the server answer "already in use".
func retryConflict(ctx context.Context, fn func() error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = fn()
		if err == nil || !isConflict(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(50*(attempt+1)) * time.Millisecond):
		}
	}
	return err
}

func isConflict(err error) bool {
	return errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) ||
		errors.Is(err, jetstream.ErrConsumerExists) ||
		errors.Is(err, jetstream.ErrBucketExists)
}
