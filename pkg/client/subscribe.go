// Package client is for programs that use newsflow's articles: Subscriber
// receives parsed-article events straight from NATS JetStream; API reads the
// store's HTTP API and follows its live stream (API.Stream) where NATS is
// out of reach.
//
//	sub, _ := client.NewSubscriber(nc)
//	err := sub.Subscribe(ctx, client.Filter{Sites: []string{"koreaherald.com"}},
//		func(ctx context.Context, ev *client.Event) error {
//			fmt.Println(ev.Article.Title)
//			return nil // nil acks; an error naks: the event comes again later
//		}, client.Durable("my-app"), client.StartTime(time.Now().Add(-time.Hour)))
package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
)

// Filter selects articles. Sites are filtered by the server (one subject per
// site); languages are checked here, before the handler is called.
type Filter struct {
	Sites     []string // hosts ("www.example.com") or site tokens ("example_com"); empty: all
	Languages []string // "en" matches en, en-GB, en-US; "en-GB" only itself; empty: all
}

// subjects are the filter subjects on NEWSFLOW_ARTICLES.
func (f Filter) subjects() []string {
	var out []string
	for _, s := range f.Sites {
		if s = strings.TrimSpace(s); s != "" {
			subj := events.ArticleSubject(s)
			if !slices.Contains(out, subj) {
				out = append(out, subj)
			}
		}
	}
	if len(out) == 0 {
		return []string{events.SubjectArticlePrefix + ">"}
	}
	slices.Sort(out)
	return out
}

// Match reports whether an article's language passes the filter.
func (f Filter) Match(a *events.Article) bool {
	if len(f.Languages) == 0 {
		return true
	}
	lang := strings.ToLower(strings.ReplaceAll(a.Language, "_", "-"))
	primary, _, _ := strings.Cut(lang, "-")
	for _, l := range f.Languages {
		l = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(l), "_", "-"))
		if l == lang || (!strings.Contains(l, "-") && l == primary) {
			return true
		}
	}
	return false
}

// Event is one parsed-article event.
type Event struct {
	Article  *events.Article
	Data     []byte    // the Article v1 JSON as published
	Subject  string    // newsflow.article.parsed.<site>
	Sequence uint64    // position in NEWSFLOW_ARTICLES
	Time     time.Time // when the stream stored it
	Delivery uint64    // 1 on the first delivery, more after naks or lost acks
}

// Handler handles one event: nil acks it, an error naks it so that it is
// delivered again after the NakDelay.
type Handler func(ctx context.Context, ev *Event) error

// Option configures Subscribe.
type Option func(*options) error

type options struct {
	durable    string
	deliver    jetstream.DeliverPolicy
	startTime  *time.Time
	startSeq   uint64
	nakDelay   time.Duration
	ackWait    time.Duration
	inactive   time.Duration
	maxDeliver int
	batch      int
	log        *slog.Logger
}

// Durable names the consumer: it survives restarts of the program and of
// the server, and a restarted Subscribe with the same name resumes after the
// last acked event. The start options apply only when it is first created.
func Durable(name string) Option {
	return func(o *options) error {
		if name == "" || strings.ContainsAny(name, ".*> \t") {
			return fmt.Errorf("client: durable name %q: must be non-empty, without '.', '*', '>' or spaces", name)
		}
		o.durable = name
		return nil
	}
}

// DeliverNew starts with the events published after Subscribe (the default).
func DeliverNew() Option {
	return func(o *options) error { o.deliver = jetstream.DeliverNewPolicy; return nil }
}

// DeliverAll starts at the oldest event the stream retains.
func DeliverAll() Option {
	return func(o *options) error { o.deliver = jetstream.DeliverAllPolicy; return nil }
}

// StartTime starts with the events the stream stored at or after t.
func StartTime(t time.Time) Option {
	return func(o *options) error {
		o.deliver, o.startTime = jetstream.DeliverByStartTimePolicy, &t
		return nil
	}
}

// StartSequence starts at stream sequence seq (an Event.Sequence + 1 resumes after it).
func StartSequence(seq uint64) Option {
	return func(o *options) error {
		if seq == 0 {
			return errors.New("client: StartSequence: sequences start at 1")
		}
		o.deliver, o.startSeq = jetstream.DeliverByStartSequencePolicy, seq
		return nil
	}
}

// NakDelay is how long a failed event waits before it is delivered again (default 1s).
func NakDelay(d time.Duration) Option {
	return func(o *options) error { o.nakDelay = d; return nil }
}

// AckWait is how long the server waits for a handler before delivering the event again (default 30s).
func AckWait(d time.Duration) Option {
	return func(o *options) error {
		if d < time.Second {
			return errors.New("client: AckWait below 1s")
		}
		o.ackWait = d
		return nil
	}
}

// MaxDeliver bounds deliveries of one event (default unlimited); past it the
// server drops the event for this consumer.
func MaxDeliver(n int) Option {
	return func(o *options) error { o.maxDeliver = n; return nil }
}

// InactiveThreshold is how long the server keeps a consumer nobody reads
// from: default 1 minute for an ephemeral one, forever for a durable one.
func InactiveThreshold(d time.Duration) Option {
	return func(o *options) error { o.inactive = d; return nil }
}

// Logger receives warnings (undecodable events, failed acks); default slog.Default().
func Logger(l *slog.Logger) Option {
	return func(o *options) error { o.log = l; return nil }
}

// Subscriber receives parsed-article events from NATS JetStream.
type Subscriber struct {
	js     jetstream.JetStream
	stream string
}

// NewSubscriber reads from the NEWSFLOW_ARTICLES stream over nc.
func NewSubscriber(nc *nats.Conn) (*Subscriber, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("client: jetstream: %w", err)
	}
	return &Subscriber{js: js, stream: events.StreamArticles}, nil
}

// Subscribe calls h for every article event that passes f, one at a time in
// stream order (a nak'ed event comes back later, out of order), until ctx is
// done or the consumer cannot be read; it returns nil when ctx ends. Without
// Durable the consumer is ephemeral: it is deleted when Subscribe returns.
func (s *Subscriber) Subscribe(ctx context.Context, f Filter, h Handler, opts ...Option) error {
	o := options{deliver: jetstream.DeliverNewPolicy, nakDelay: time.Second, ackWait: 30 * time.Second,
		maxDeliver: -1, batch: 8, log: slog.Default()}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return err
		}
	}
	cons, err := s.consumer(ctx, f, o)
	if err != nil {
		return err
	}
	if o.durable == "" {
		defer func() {
			// Ours alone: remove it now rather than after the inactivity threshold.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = s.js.DeleteConsumer(dctx, s.stream, cons.CachedInfo().Name)
		}()
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(o.batch))
	if err != nil {
		return fmt.Errorf("client: consume: %w", err)
	}
	// On ctx's end stop pulling; what was fetched but not handled is handed
	// back below at once, so a restarted durable subscriber gets it without
	// waiting out AckWait.
	stop := context.AfterFunc(ctx, it.Drain)
	defer stop()
	defer it.Stop()
	for {
		m, err := it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, nats.ErrConnectionClosed) {
				return fmt.Errorf("client: %w", err)
			}
			// Transient (a missed heartbeat while the server restarts): the
			// iterator recovers by itself; do not spin meanwhile.
			o.log.Warn("newsflow client: next event", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
			continue
		}
		if ctx.Err() != nil {
			_ = m.Nak()
			continue
		}
		s.handle(ctx, f, h, o, m)
	}
}

func (s *Subscriber) consumer(ctx context.Context, f Filter, o options) (jetstream.Consumer, error) {
	cfg := jetstream.ConsumerConfig{
		Durable:           o.durable,
		Description:       "newsflow client",
		AckPolicy:         jetstream.AckExplicitPolicy,
		AckWait:           o.ackWait,
		DeliverPolicy:     o.deliver,
		OptStartTime:      o.startTime,
		OptStartSeq:       o.startSeq,
		MaxDeliver:        o.maxDeliver,
		MaxAckPending:     1000,
		InactiveThreshold: o.inactive,
	}
	subjects := f.subjects()
	if len(subjects) == 1 {
		cfg.FilterSubject = subjects[0]
	} else {
		cfg.FilterSubjects = subjects
	}
	if o.durable == "" {
		if cfg.InactiveThreshold == 0 {
			cfg.InactiveThreshold = time.Minute
		}
		c, err := s.js.CreateConsumer(ctx, s.stream, cfg)
		if err != nil {
			return nil, fmt.Errorf("client: create consumer: %w", err)
		}
		return c, nil
	}
	c, err := s.js.Consumer(ctx, s.stream, o.durable)
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		c, err = s.js.CreateConsumer(ctx, s.stream, cfg)
		if errors.Is(err, jetstream.ErrConsumerExists) { // another replica of the program won the race
			c, err = s.js.Consumer(ctx, s.stream, o.durable)
		}
		if err != nil {
			return nil, fmt.Errorf("client: create consumer %s: %w", o.durable, err)
		}
		return c, nil
	case err != nil:
		return nil, fmt.Errorf("client: consumer %s: %w", o.durable, err)
	}
	// It exists: keep its position, follow a changed site filter.
	cur := c.CachedInfo().Config
	have := append(append([]string{}, cur.FilterSubjects...), cur.FilterSubject)
	have = slices.DeleteFunc(have, func(s string) bool { return s == "" })
	slices.Sort(have)
	if !slices.Equal(have, subjects) {
		cur.FilterSubject, cur.FilterSubjects = cfg.FilterSubject, cfg.FilterSubjects
		if c, err = s.js.UpdateConsumer(ctx, s.stream, cur); err != nil {
			return nil, fmt.Errorf("client: update consumer %s filter: %w", o.durable, err)
		}
	}
	return c, nil
}

func (s *Subscriber) handle(ctx context.Context, f Filter, h Handler, o options, m jetstream.Msg) {
	md, err := m.Metadata()
	if err != nil {
		o.log.Warn("newsflow client: event metadata", "err", err)
		_ = m.Nak()
		return
	}
	a, err := events.DecodeArticle(m.Data())
	if err != nil {
		// No retry can fix it: do not deliver it again.
		o.log.Warn("newsflow client: undecodable event", "subject", m.Subject(), "sequence", md.Sequence.Stream, "err", err)
		_ = m.Term()
		return
	}
	if !f.Match(a) {
		s.ack(ctx, o, m)
		return
	}
	ev := &Event{Article: a, Data: m.Data(), Subject: m.Subject(), Sequence: md.Sequence.Stream,
		Time: md.Timestamp, Delivery: md.NumDelivered}
	// The ack wait started when the event was pulled into the buffer; restart
	// it now, so a slow handler does not get buffered events redelivered.
	_ = m.InProgress()
	if err := h(ctx, ev); err != nil {
		delay := o.nakDelay
		if ctx.Err() != nil {
			delay = 0 // stopping: let the next subscriber have it at once
		}
		if nerr := m.NakWithDelay(delay); nerr != nil {
			o.log.Warn("newsflow client: nak", "sequence", ev.Sequence, "err", nerr)
		}
		return
	}
	s.ack(ctx, o, m)
}

// ack waits for the server to confirm, so an event acked before a restart
// is not delivered again; it outlives ctx so that stopping keeps finished work.
func (s *Subscriber) ack(ctx context.Context, o options, m jetstream.Msg) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := m.DoubleAck(actx); err != nil {
		o.log.Warn("newsflow client: ack", "subject", m.Subject(), "err", err)
	}
}
