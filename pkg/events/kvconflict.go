package events

import (
	"errors"

	"github.com/nats-io/nats.go/jetstream"
)

// IsKVConflict reports a KV create or update that lost to another writer.
// Replicated buckets report it as "wrong last sequence" (10164), which the
// client does not always map to ErrKeyExists — notably when the key was
// deleted before — so the codes are checked too.
func IsKVConflict(err error) bool {
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}
