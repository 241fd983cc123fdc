package events

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrNotProvisioned means a stream or bucket a process needs does not exist:
// only `newsflow provision` (or the first `newsflow up`) creates them.
var ErrNotProvisioned = errors.New("not provisioned: run `newsflow provision` first")

// Kind is what a Resource is in JetStream terms.
type Kind string

// The kinds of Resource.
const (
	KindStream      Kind = "stream"
	KindKV          Kind = "KV bucket"
	KindObjectStore Kind = "object store"
)

// Resource names one stream, KV bucket or object store of the topology.
type Resource struct {
	Kind Kind
	Name string
}

// Stream, KV and ObjectStore name a Resource of each kind.
func Stream(name string) Resource        { return Resource{KindStream, name} }
func KV(bucket string) Resource          { return Resource{KindKV, bucket} }
func ObjectStore(bucket string) Resource { return Resource{KindObjectStore, bucket} }

func (r Resource) String() string { return string(r.Kind) + " " + r.Name }

// stream is the JetStream stream behind r.
func (r Resource) stream() string {
	switch r.Kind {
	case KindKV:
		return "KV_" + r.Name
	case KindObjectStore:
		return "OBJ_" + r.Name
	}
	return r.Name
}

// Check reports, in one ErrNotProvisioned error naming them all, the
// resources of need that do not exist. It only reads, and waits out a NATS
// that does not answer yet (see WhileUnavailable).
func Check(ctx context.Context, js jetstream.JetStream, need ...Resource) error {
	var missing []string
	for _, r := range need {
		err := WhileUnavailable(ctx, func() error {
			_, err := js.Stream(ctx, r.stream())
			return err
		})
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
			missing = append(missing, r.String())
		case err != nil:
			return fmt.Errorf("look up %s: %w", r, err)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w (missing %s)", ErrNotProvisioned, strings.Join(missing, ", "))
	}
	return nil
}
