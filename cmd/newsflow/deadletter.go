package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/router"
	"github.com/newsflow/newsflow/pkg/urls"
)

// deadLetter is one message in NEWSFLOW_DLQ as an operator sees it; its JSON
// is a line of `newsflow dlq list --json` (documented in the README).
type deadLetter struct {
	Seq        uint64    `json:"seq"`                  // sequence in NEWSFLOW_DLQ: what show, replay and purge take
	Stage      string    `json:"stage"`                // the stage that gave up: fetcher, parser, store
	Reason     string    `json:"reason"`               // the error it gave up on
	Attempts   int       `json:"attempts"`             // deliveries before it gave up
	At         time.Time `json:"dead_lettered_at"`     // when it reached the DLQ
	AgeSeconds int64     `json:"age_seconds"`          // now minus dead_lettered_at
	URL        string    `json:"url,omitempty"`        // the page or article URL, when the message names one
	Subject    string    `json:"subject"`              // where it was consumed from, and where replay sends it
	Stream     string    `json:"stream,omitempty"`     // the stream it was consumed from
	StreamSeq  uint64    `json:"stream_seq,omitempty"` // its sequence there
	Type       string    `json:"type,omitempty"`       // CloudEvents type
	ID         string    `json:"id,omitempty"`         // CloudEvents id
	Bytes      int       `json:"bytes"`                // body size as stored (compressed, or empty when body_ref is set)
	BodyRef    string    `json:"body_ref,omitempty"`   // object in newsflow_pages holding the body

	msg *jetstream.RawStreamMsg
}

func newDeadLetter(m *jetstream.RawStreamMsg, now time.Time) deadLetter {
	h := m.Header
	d := deadLetter{
		Seq:     m.Sequence,
		Stage:   h.Get(router.HeaderDLQStage),
		Reason:  h.Get(router.HeaderDLQError),
		At:      m.Time.UTC(),
		URL:     urls.Redact(messageURL(h, m.Data)),
		Subject: h.Get(router.HeaderDLQSubject),
		Stream:  h.Get(router.HeaderDLQStream),
		Type:    h.Get(events.HeaderType),
		ID:      h.Get(events.HeaderID),
		Bytes:   len(m.Data),
		BodyRef: h.Get(events.HeaderBodyRef),
		msg:     m,
	}
	if d.Stage == "" {
		d.Stage = strings.TrimPrefix(m.Subject, events.SubjectDLQPrefix)
	}
	d.Attempts, _ = strconv.Atoi(h.Get(router.HeaderDLQDeliveries))
	d.StreamSeq, _ = strconv.ParseUint(h.Get(router.HeaderDLQSequence), 10, 64)
	d.AgeSeconds = int64(now.Sub(d.At) / time.Second)
	return d
}

// messageURL finds the URL a message is about: a raw page's header, else the
// "url" of a JSON body (a fetch job, an article), else a URL-shaped
// CloudEvents subject.
func messageURL(h nats.Header, data []byte) string {
	if u := h.Get(events.HeaderURL); u != "" {
		return u
	}
	if strings.HasPrefix(h.Get(events.HeaderDataContentType), "application/json") && h.Get(events.HeaderBodyEncoding) == "" {
		var v struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(data, &v) == nil && v.URL != "" {
			return v.URL
		}
	}
	if s := h.Get(events.HeaderSubject); strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return s
	}
	return ""
}

// dlqFilter selects dead letters; its zero value selects all of them.
type dlqFilter struct {
	stage  string
	reason string // a case-insensitive substring of the reason
	since  time.Time
}

func (f dlqFilter) empty() bool { return f == dlqFilter{} }

func (f dlqFilter) match(d deadLetter) bool {
	return (f.stage == "" || events.SiteToken(d.Stage) == events.SiteToken(f.stage)) &&
		(f.reason == "" || strings.Contains(strings.ToLower(d.Reason), strings.ToLower(f.reason))) &&
		(f.since.IsZero() || !d.At.Before(f.since))
}

// parseSince reads --since: a duration back from now ("2h") or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("--since %s: must be positive", s)
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--since %q: want a duration such as 2h or an RFC 3339 time", s)
	}
	return t, nil
}

// errNoDeadLetter means a sequence named on the command line is not in the DLQ.
var errNoDeadLetter = errors.New("no such dead letter")

// dlqReader reads NEWSFLOW_DLQ without changing it: message gets only, no
// consumer.
type dlqReader struct {
	stream jetstream.Stream
	last   uint64 // the last sequence when the command started
	now    time.Time
}

func openDLQ(ctx context.Context, js jetstream.JetStream) (*dlqReader, error) {
	if err := events.Check(ctx, js, events.Stream(events.StreamDLQ)); err != nil {
		return nil, err
	}
	s, err := js.Stream(ctx, events.StreamDLQ)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", events.StreamDLQ, err)
	}
	return &dlqReader{stream: s, last: s.CachedInfo().State.LastSeq, now: time.Now()}, nil
}

// each calls fn for every dead letter f selects, oldest first. It stops at
// the last message that was there when the reader opened, so a message that
// fails again after a replay and comes back is not met twice.
func (r *dlqReader) each(ctx context.Context, f dlqFilter, fn func(deadLetter) error) error {
	subject := events.SubjectDLQPrefix + ">"
	if f.stage != "" {
		subject = events.DLQSubject(f.stage)
	}
	for seq := uint64(1); seq <= r.last; {
		m, err := r.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s from %d: %w", events.StreamDLQ, seq, err)
		}
		if m.Sequence > r.last {
			return nil
		}
		if d := newDeadLetter(m, r.now); f.match(d) {
			if err := fn(d); err != nil {
				return err
			}
		}
		seq = m.Sequence + 1
	}
	return nil
}

// get reads the dead letter at seq.
func (r *dlqReader) get(ctx context.Context, seq uint64) (deadLetter, error) {
	m, err := r.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return deadLetter{}, fmt.Errorf("%w: %d", errNoDeadLetter, seq)
	}
	if err != nil {
		return deadLetter{}, fmt.Errorf("read %s #%d: %w", events.StreamDLQ, seq, err)
	}
	return newDeadLetter(m, r.now), nil
}

// body is the dead letter's body as its stage saw it: loaded from the object
// store when the message holds a reference, then decompressed.
func (d deadLetter) body(ctx context.Context, js jetstream.JetStream) ([]byte, error) {
	data, err := events.LoadBody(ctx, js, d.msg.Header, d.msg.Data)
	if err != nil {
		return nil, err
	}
	return events.DecodeBody(d.msg.Header, data)
}

// replayMsg is the message replay publishes: the original subject, headers
// and body, without the dead-letter headers and with a Nats-Msg-Id of its own.
// The original id was stripped on the way into the DLQ and would be dropped
// by JetStream's duplicate window anyway; the new one is the same for every
// replay of this dead letter, so replaying it twice publishes it once.
func (d deadLetter) replayMsg(ctx context.Context, js jetstream.JetStream) (*nats.Msg, error) {
	if d.Subject == "" {
		return nil, fmt.Errorf("no %s header: the subject it came from is unknown", router.HeaderDLQSubject)
	}
	m := nats.NewMsg(d.Subject)
	for k, v := range d.msg.Header {
		lk := strings.ToLower(k)
		// Nats-* are the server's (a direct get adds Nats-Stream, Nats-Sequence…).
		if strings.HasPrefix(lk, "newsflow-dlq-") || strings.HasPrefix(lk, "nats-") {
			continue
		}
		m.Header[k] = v
	}
	id := d.ID
	if id == "" {
		id = strings.ToLower(d.Stream) + "-" + strconv.FormatUint(d.StreamSeq, 10)
	}
	m.Header.Set(nats.MsgIdHdr, fmt.Sprintf("%s-replay-%d", id, d.Seq))
	m.Data = d.msg.Data
	if d.BodyRef != "" {
		// The object may be near the end of its retention: the body is read
		// now and stored again (or sent inline if it fits) by PublishLarge.
		data, err := events.LoadBody(ctx, js, d.msg.Header, d.msg.Data)
		if err != nil {
			return nil, fmt.Errorf("its body: %w", err)
		}
		m.Header.Del(events.HeaderBodyRef)
		m.Data = data
	}
	return m, nil
}
