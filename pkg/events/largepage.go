package events

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// HeaderBodyRef names the object in BucketPages holding a page body that was
// too large for one message; the message body is then empty.
const HeaderBodyRef = "Newsflow-Body-Ref"

// PublishLarge publishes m; when its body does not fit in maxPayload (the
// server's limit, headers included, with room to spare) the body goes to the
// object store first and the message carries a reference. A page is never
// dropped for its size.
func PublishLarge(ctx context.Context, js jetstream.JetStream, m *nats.Msg, maxPayload int64) (*jetstream.PubAck, error) {
	headerBytes := 0
	for k, vs := range m.Header {
		for _, v := range vs {
			headerBytes += len(k) + len(v) + 4
		}
	}
	if int64(len(m.Data)+headerBytes+1024) > maxPayload {
		name := m.Header.Get(HeaderID)
		if name == "" {
			return nil, fmt.Errorf("%w: large page without %s", ErrBadRawPage, HeaderID)
		}
		obs, err := js.ObjectStore(ctx, BucketPages)
		if err != nil {
			return nil, fmt.Errorf("open object store %s: %w", BucketPages, err)
		}
		if _, err := obs.PutBytes(ctx, name, m.Data); err != nil {
			return nil, fmt.Errorf("store large page %s: %w", name, err)
		}
		m.Header.Set(HeaderBodyRef, name)
		m.Data = nil
	}
	ack, err := js.PublishMsg(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", m.Subject, err)
	}
	return ack, nil
}

// LoadBody returns a message's body, fetching it from the object store when
// the message carries a reference.
func LoadBody(ctx context.Context, js jetstream.JetStream, h nats.Header, data []byte) ([]byte, error) {
	name := h.Get(HeaderBodyRef)
	if name == "" {
		return data, nil
	}
	obs, err := js.ObjectStore(ctx, BucketPages)
	if err != nil {
		return nil, fmt.Errorf("open object store %s: %w", BucketPages, err)
	}
	body, err := obs.GetBytes(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("load large page %s: %w", name, err)
	}
	return body, nil
}
