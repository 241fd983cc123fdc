package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newsflow/newsflow/pkg/backoff"
)

// A stage's start-up checks are its first JetStream requests. When NATS
// restarts just then — or has restarted and JetStream is still recovering
// its streams — they time out or find no responder; a stage that exited on
// that would stay down until someone restarted it. They are repeated
// instead, for as long as startWait, which outlasts a server restart.
const startWait = time.Minute

var startRetry = backoff.Policy{Base: 250 * time.Millisecond, Max: 5 * time.Second}

// WhileUnavailable runs fn until it succeeds, fails for another reason
// than JetStream being out of reach, ctx ends, or startWait has passed.
// Check and EnsureConsumer use it; so does any other request a stage sends
// before it starts work.
func WhileUnavailable(ctx context.Context, fn func() error) error {
	giveUp := time.Now().Add(startWait)
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || !unavailable(err) {
			return err
		}
		if ctx.Err() != nil || time.Now().After(giveUp) {
			return noJetStream(err)
		}
		t := time.NewTimer(startRetry.Delay(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return noJetStream(err)
		case <-t.C:
		}
	}
}

// noJetStream adds to a "no responders" error what it means when it lasts:
// nothing on that NATS serves JetStream, as on a server started without it
// (the commonest cause, otherwise told apart from a restart only by time).
func noJetStream(err error) error {
	if errors.Is(err, nats.ErrNoResponders) {
		return fmt.Errorf("%w (no JetStream answered: is it enabled on the server, nats-server -js?)", err)
	}
	return err
}

// unavailable says whether err means JetStream did not answer (yet), not
// that it answered no.
func unavailable(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, nats.ErrDisconnected) ||
		errors.Is(err, nats.ErrConnectionReconnecting)
}
