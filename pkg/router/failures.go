package router

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
)

// DeadLetterOption configures DeadLetter.
type DeadLetterOption func(*deadLetterOptions)

type deadLetterOptions struct {
	failures jetstream.KeyValue
}

// CountFailures makes DeadLetter count a message's failed attempts in kv
// (events.BucketFailures) instead of reading its delivery count: for a stage
// that defers messages, a deferral is a delivery but no attempt, and must
// not bring a message closer to the dead-letter stream. Only failures write.
func CountFailures(kv jetstream.KeyValue) DeadLetterOption {
	return func(o *deadLetterOptions) { o.failures = kv }
}

// failureKey names a message by its stream position, which redeliveries keep.
func failureKey(md *jetstream.MsgMetadata) string {
	return md.Stream + "." + strconv.FormatUint(md.Sequence.Stream, 10)
}

// addFailure counts one more failed attempt of the message and returns the
// count, this one included.
func addFailure(ctx context.Context, kv jetstream.KeyValue, md *jetstream.MsgMetadata) (uint64, error) {
	key := failureKey(md)
	for range 5 {
		e, err := kv.Get(ctx, key)
		var n uint64
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			_, err = kv.Create(ctx, key, []byte("1"))
			n = 1
		case err != nil:
			return 0, fmt.Errorf("count failure %s: %w", key, err)
		default:
			n, _ = strconv.ParseUint(string(e.Value()), 10, 64)
			n++
			_, err = kv.Update(ctx, key, []byte(strconv.FormatUint(n, 10)), e.Revision())
		}
		if err == nil {
			return n, nil
		}
		if !events.IsKVConflict(err) {
			return 0, fmt.Errorf("count failure %s: %w", key, err)
		}
		// Two deliveries of one message failing at once: count again.
	}
	return 0, fmt.Errorf("count failure %s: lost the race five times", key)
}

// forgetFailures drops a message's count once it is done with (acked or
// dead-lettered); the bucket's TTL catches what this misses.
func forgetFailures(ctx context.Context, kv jetstream.KeyValue, md *jetstream.MsgMetadata) {
	_ = kv.Delete(context.WithoutCancel(ctx), failureKey(md))
}
