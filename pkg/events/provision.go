package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Action is what provisioning did to one resource.
type Action string

// The actions of a Change.
const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
	Kept      Action = "kept" // existed, left as it was (ProvisionMissing)
)

// Change is what provisioning did to one resource; Diff lists the settings an
// update changed.
type Change struct {
	Resource Resource
	Action   Action
	Diff     []FieldChange
}

// FieldChange is one setting before and after an update.
type FieldChange struct {
	Field, Old, New string
}

// Resources lists every stream, KV bucket and object store of t.
func (t Topology) Resources() []Resource {
	var out []Resource
	for _, s := range t.Streams() {
		out = append(out, Stream(s.Name))
	}
	for _, b := range t.Buckets() {
		out = append(out, KV(b.Bucket))
	}
	for _, o := range t.ObjectStores() {
		out = append(out, ObjectStore(o.Bucket))
	}
	return out
}

// Provision creates or updates every stream and bucket of t, and reports
// what it did to each. It is `newsflow provision`: nothing else writes the
// topology, so what an operator sets here stays set. Concurrent calls with
// the same topology converge on the same result.
func Provision(ctx context.Context, js jetstream.JetStream, t Topology) ([]Change, error) {
	return provision(ctx, js, t, true)
}

// ProvisionMissing creates the streams and buckets of t that do not exist
// and leaves the others as they are: the first start of `newsflow up`.
func ProvisionMissing(ctx context.Context, js jetstream.JetStream, t Topology) ([]Change, error) {
	return provision(ctx, js, t, false)
}

func provision(ctx context.Context, js jetstream.JetStream, t Topology, update bool) ([]Change, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	type item struct {
		r     Resource
		apply func(replicas int) error
	}
	var items []item
	for _, cfg := range t.Streams() {
		items = append(items, item{Stream(cfg.Name), func(replicas int) error {
			cfg.Replicas = replicas
			if !update {
				_, err := js.CreateStream(ctx, cfg)
				return err
			}
			_, err := js.CreateOrUpdateStream(ctx, cfg)
			return err
		}})
	}
	for _, cfg := range t.Buckets() {
		items = append(items, item{KV(cfg.Bucket), func(replicas int) error {
			cfg.Replicas = replicas
			if !update {
				_, err := js.CreateKeyValue(ctx, cfg)
				return err
			}
			_, err := js.CreateOrUpdateKeyValue(ctx, cfg)
			return err
		}})
	}
	for _, cfg := range t.ObjectStores() {
		items = append(items, item{ObjectStore(cfg.Bucket), func(replicas int) error {
			cfg.Replicas = replicas
			if !update {
				_, err := js.CreateObjectStore(ctx, cfg)
				return err
			}
			_, err := js.CreateOrUpdateObjectStore(ctx, cfg)
			return err
		}})
	}
	changes := make([]Change, 0, len(items))
	for _, it := range items {
		before, err := streamConfig(ctx, js, it.r.stream())
		if err != nil {
			return changes, fmt.Errorf("provision %s: %w", it.r, err)
		}
		if before != nil && !update {
			changes = append(changes, Change{Resource: it.r, Action: Kept})
			continue
		}
		replicas := t.Replicas
		if replicas == 0 {
			replicas = 1
			if before != nil {
				replicas = before.Replicas
			}
		}
		if update {
			err = retryConflict(ctx, func() error { return it.apply(replicas) })
		} else if err = it.apply(replicas); isConflict(err) {
			// Another process created it between the look-up and the create.
			changes = append(changes, Change{Resource: it.r, Action: Kept})
			continue
		}
		if err != nil {
			return changes, fmt.Errorf("provision %s: %w", it.r, err)
		}
		after, err := streamConfig(ctx, js, it.r.stream())
		if err != nil || after == nil {
			return changes, fmt.Errorf("provision %s: read back: %w", it.r, errors.Join(err, jetstream.ErrStreamNotFound))
		}
		c := Change{Resource: it.r, Action: Created}
		if before != nil {
			c.Diff = diffConfig(*before, *after)
			c.Action = Unchanged
			if len(c.Diff) > 0 {
				c.Action = Updated
			}
		}
		changes = append(changes, c)
	}
	return changes, nil
}

// streamConfig is the configuration of the stream name, or nil when it does
// not exist.
func streamConfig(ctx context.Context, js jetstream.JetStream, name string) (*jetstream.StreamConfig, error) {
	s, err := js.Stream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	return &info.Config, nil
}

// configFields are the stream settings a diff shows: every one Topology sets
// (KV and object stores are streams underneath).
var configFields = []struct {
	name string
	get  func(c jetstream.StreamConfig) string
}{
	{"description", func(c jetstream.StreamConfig) string { return c.Description }},
	{"subjects", func(c jetstream.StreamConfig) string { return strings.Join(c.Subjects, ",") }},
	{"retention", func(c jetstream.StreamConfig) string { return c.Retention.String() }},
	{"storage", func(c jetstream.StreamConfig) string { return c.Storage.String() }},
	{"replicas", func(c jetstream.StreamConfig) string { return strconv.Itoa(c.Replicas) }},
	{"max_age", func(c jetstream.StreamConfig) string { return c.MaxAge.String() }},
	{"max_bytes", func(c jetstream.StreamConfig) string { return strconv.FormatInt(c.MaxBytes, 10) }},
	{"max_msgs_per_subject", func(c jetstream.StreamConfig) string { return strconv.FormatInt(c.MaxMsgsPerSubject, 10) }},
	{"duplicate_window", func(c jetstream.StreamConfig) string { return c.Duplicates.String() }},
	{"discard", func(c jetstream.StreamConfig) string { return c.Discard.String() }},
}

func diffConfig(before, after jetstream.StreamConfig) []FieldChange {
	var out []FieldChange
	for _, f := range configFields {
		if o, n := f.get(before), f.get(after); o != n {
			out = append(out, FieldChange{Field: f.name, Old: o, New: n})
		}
	}
	return out
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
	err := WhileUnavailable(ctx, func() error {
		return retryConflict(ctx, func() error {
			var err error
			c, err = js.CreateOrUpdateConsumer(ctx, stream, cfg)
			return err
		})
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
