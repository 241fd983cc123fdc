// Package router runs a stage's message handler over a JetStream pull
// consumer, in the style of Watermill: the handler does one message's work
// and small middlewares add what every stage needs — panic recovery,
// timeouts, the dead-letter stream. Run owns acknowledgement: a message is
// acked only after its handler (and so its side effect) succeeded.
package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/newsflow/newsflow/pkg/backoff"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/obs"
)

// Handler does the work of one message. nil acks it; an error naks it for
// redelivery with backoff (see DeadLetter for when redelivery ends).
type Handler func(ctx context.Context, m jetstream.Msg) error

// Middleware wraps a Handler.
type Middleware func(Handler) Handler

// Chain wraps h in mw; the first middleware is the outermost.
func Chain(h Handler, mw ...Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as one no retry can fix (a malformed message): the
// message goes to the dead-letter stream at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

type delayed struct {
	err      error
	delay    time.Duration
	deferred bool // not attempted: does not count toward the dead-letter limit
}

func (d delayed) Error() string { return d.err.Error() }
func (d delayed) Unwrap() error { return d.err }

// RetryAfter asks for the message to be redelivered no sooner than d — a
// server's Retry-After — instead of after the usual backoff.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return delayed{err: err, delay: d}
}

// Defer hands the message back untried, to come again after d (not after
// the backoff of failures) — the work cannot start yet (a host asked to be
// left alone for a while). A deferral is not a failure: the DeadLetter
// middleware never dead-letters it.
func Defer(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return delayed{err: err, delay: d, deferred: true}
}

func isDeferred(err error) bool {
	var d delayed
	return errors.As(err, &d) && d.deferred
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

var (
	handled = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_messages_total",
		Help: "Messages handled by a stage, by result (acked, nacked).",
	}, []string{"stage", "result"})
	deadLettered = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_dead_letters_total",
		Help: "Messages a stage gave up on and moved to the dead-letter stream.",
	}, []string{"stage"})
	consumerPending = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "newsflow_consumer_pending",
		Help: "Lag of a stage's durable consumer: messages not yet delivered (num_pending) and delivered but not yet acked (ack_pending).",
	}, []string{"stage", "kind"})
	handleSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "newsflow_handle_seconds",
		Help:    "Time to handle one message, by stage.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12),
	}, []string{"stage"})
)

// Recover turns a panic in the handler into a permanent error, so one poison
// message cannot crash a replica over and over.
func Recover() Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, m jetstream.Msg) (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = Permanent(fmt.Errorf("panic: %v", p))
				}
			}()
			return next(ctx, m)
		}
	}
}

// Trace continues the trace a message carries with a consumer span of the
// stage, so one article's fetch, parse and store form one trace.
func Trace(stage string) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, m jetstream.Msg) error {
			ctx = obs.ExtractTrace(ctx, m.Headers())
			ctx, span := obs.StartSpan(ctx, stage, stage+" "+m.Subject(),
				trace.WithSpanKind(trace.SpanKindConsumer),
				trace.WithAttributes(attribute.String("messaging.system", "nats"),
					attribute.String("messaging.destination.name", m.Subject())))
			defer span.End()
			err := next(ctx, m)
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, err.Error())
			}
			return err
		}
	}
}

// Timeout bounds the handling of one message.
func Timeout(d time.Duration) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, m jetstream.Msg) error {
			ctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			return next(ctx, m)
		}
	}
}

// Dead-letter headers added to the copy of a message in NEWSFLOW_DLQ.
const (
	HeaderDLQStage      = "Newsflow-Dlq-Stage"
	HeaderDLQError      = "Newsflow-Dlq-Error"
	HeaderDLQDeliveries = "Newsflow-Dlq-Deliveries"
	HeaderDLQSubject    = "Newsflow-Dlq-Subject"
	HeaderDLQStream     = "Newsflow-Dlq-Stream"
	HeaderDLQSequence   = "Newsflow-Dlq-Sequence"
)

// DeadLetter moves a message to the dead-letter stream, with the error and
// the delivery count, when its error is permanent or it has failed
// maxDeliver times (its delivery count, or with CountFailures its counted
// failures); the message is then acked so it never blocks the stream.
// If the dead-letter publish itself fails the original stays unacked and is
// retried: nothing is dropped.
func DeadLetter(js jetstream.JetStream, stage string, maxDeliver int, log *slog.Logger, opts ...DeadLetterOption) Middleware {
	var o deadLetterOptions
	for _, opt := range opts {
		opt(&o)
	}
	return func(next Handler) Handler {
		return func(ctx context.Context, m jetstream.Msg) error {
			err := next(ctx, m)
			md, mdErr := m.Metadata()
			counted := o.failures != nil && mdErr == nil
			if err == nil && counted && md.NumDelivered > 1 {
				// Delivered before: it may have a failure count to drop.
				forgetFailures(ctx, o.failures, md)
			}
			if err == nil || isDeferred(err) {
				return err
			}
			delivered := uint64(1)
			if mdErr == nil {
				delivered = md.NumDelivered
			}
			attempts := delivered
			if counted && !IsPermanent(err) {
				n, cerr := addFailure(ctx, o.failures, md)
				if cerr != nil {
					// Not counted: retry rather than dead-letter on a guess.
					log.Warn("count failure", "stage", stage, "err", cerr)
					return err
				}
				attempts = n
			}
			if !IsPermanent(err) && (maxDeliver <= 0 || attempts < uint64(maxDeliver)) {
				return err
			}
			if counted {
				defer forgetFailures(ctx, o.failures, md)
			}
			dm := nats.NewMsg(events.DLQSubject(stage))
			for k, v := range m.Headers() {
				dm.Header[k] = v
			}
			dm.Header.Del(nats.MsgIdHdr)
			dm.Header.Set(HeaderDLQStage, stage)
			dm.Header.Set(HeaderDLQError, truncate(err.Error(), 2000))
			dm.Header.Set(HeaderDLQDeliveries, strconv.FormatUint(attempts, 10))
			dm.Header.Set(HeaderDLQSubject, m.Subject())
			if mdErr == nil {
				dm.Header.Set(HeaderDLQStream, md.Stream)
				dm.Header.Set(HeaderDLQSequence, strconv.FormatUint(md.Sequence.Stream, 10))
				dm.Header.Set(nats.MsgIdHdr, fmt.Sprintf("dlq-%s-%s-%d", stage, md.Stream, md.Sequence.Stream))
			}
			dm.Data = m.Data()
			if _, perr := js.PublishMsg(ctx, dm); perr != nil {
				return fmt.Errorf("dead-letter publish failed (%v) after: %w", perr, err)
			}
			deadLettered.WithLabelValues(stage).Inc()
			log.Warn("message dead-lettered", "stage", stage, "subject", m.Subject(), "attempts", attempts, "deliveries", delivered, "err", err, obs.TraceID(ctx))
			return nil
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Options tune Run.
type Options struct {
	Stage   string
	Workers int // messages handled at once (default 4)
	// Backoff spaces the redeliveries of a failed message (default
	// DefaultBackoff); a RetryAfter asking for longer wins, and a Defer's
	// delay is kept as it is.
	Backoff backoff.Policy
	Log     *slog.Logger
	// Grace bounds shutdown: in-flight handlers still running this long
	// after ctx ends are cancelled and their messages naked (default 15s).
	Grace time.Duration
	// LagEvery is how often the consumer's lag is read into
	// newsflow_consumer_pending (default 10s).
	LagEvery time.Duration
	// InProgress, when set, tells the server every InProgress that a
	// message whose handler still runs is being worked on, which restarts
	// its AckWait. The consumer's AckWait can then be a small multiple of
	// InProgress rather than the longest a handler may take, so the
	// messages of a replica that died come back within seconds.
	InProgress time.Duration
	// MaxParked is how many handlers may wait at once without holding a
	// worker (Park); 0 turns parking off.
	MaxParked int
}

// DefaultBackoff doubles from two seconds to five minutes, jittered.
var DefaultBackoff = backoff.Policy{Base: 2 * time.Second, Max: 5 * time.Minute}

// Run pulls messages from c and handles them on opt.Workers goroutines until
// ctx is done; then it stops pulling, finishes the messages in hand and
// returns. In-flight handlers run on a context that outlives ctx's
// cancellation by up to opt.Grace, so shutdown does not abandon a half-done
// side effect, yet always ends; a message cut off is naked, not lost.
func Run(ctx context.Context, c jetstream.Consumer, h Handler, opt Options) error {
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.Backoff.Base <= 0 {
		opt.Backoff = DefaultBackoff
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Grace <= 0 {
		opt.Grace = 15 * time.Second
	}
	if opt.LagEvery <= 0 {
		opt.LagEvery = 10 * time.Second
	}
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	// run ends when ctx does or when the iterator closes on its own (the
	// consumer was deleted): a stage that can no longer pull must stop and
	// say so, not sit there looking healthy.
	run, stopRun := context.WithCancelCause(ctx)
	defer stopRun(nil)
	next, stopPulling, err := puller(run, c, opt)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Go(func() { reportLag(run, c, opt) })
	parks := newParking(run, opt.Workers, opt.MaxParked)
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			failures := 0 // in a row: a NATS restart fails every pull until it is back
			for run.Err() == nil || opt.InProgress <= 0 {
				m, err := next()
				if err != nil {
					if errors.Is(err, errConsumerGone) {
						stopRun(fmt.Errorf("%s: %w", opt.Stage, err))
						return
					}
					if run.Err() != nil || errors.Is(err, errNoMessage) {
						continue
					}
					if failures++; failures == 1 || failures%30 == 0 {
						opt.Log.Warn("pull failed", "stage", opt.Stage, "err", err, "in_a_row", failures)
					}
					select {
					case <-run.Done():
					case <-time.After(time.Second):
					}
					continue
				}
				failures = 0
				if parks == nil {
					handle(work, m, h, opt)
					continue
				}
				handleParkable(&wg, parks, work, m, opt.InProgress, func(ctx context.Context) { handle(ctx, m, h, opt) })
			}
		}()
	}
	<-run.Done()
	stopPulling()
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(opt.Grace):
		opt.Log.Warn("shutdown grace over, cancelling in-flight messages", "stage", opt.Stage, "grace", opt.Grace.String())
		cancelWork()
		<-finished
	}
	if ctx.Err() == nil {
		return context.Cause(run)
	}
	return nil
}

var (
	errConsumerGone = errors.New("message iterator closed (consumer deleted?)")
	errNoMessage    = errors.New("no message within the pull's expiry")
)

// puller gives the workers their messages: next returns the following one,
// errConsumerGone once the consumer is deleted; stop ends pulling (messages
// pulled and not yet handed out are redelivered).
//
// Without InProgress one iterator pulls ahead, two messages per worker.
// With it (a short AckWait), a message pulled ahead would wait for a worker
// unheartbeated and, when every worker is busy for longer than the
// AckWait, be handed out again while still waiting: handled twice, its
// delivery count grown. So each idle worker pulls one message for itself
// and starts on it at once.
func puller(run context.Context, c jetstream.Consumer, opt Options) (next func() (jetstream.Msg, error), stop func(), err error) {
	if opt.InProgress <= 0 {
		it, err := c.Messages(jetstream.PullMaxMessages(opt.Workers * 2))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: consume: %w", opt.Stage, err)
		}
		next = func() (jetstream.Msg, error) {
			m, err := it.Next()
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				err = errConsumerGone
			}
			return m, err
		}
		return next, it.Drain, nil
	}
	next = func() (jetstream.Msg, error) {
		m, err := c.Next(jetstream.FetchContext(run))
		switch {
		case err == nil:
			return m, nil
		case errors.Is(err, jetstream.ErrConsumerDeleted):
			return nil, errConsumerGone
		case errors.Is(err, nats.ErrTimeout), errors.Is(err, jetstream.ErrNoMessages):
			// An idle pull expired. A pull on a consumer that no longer
			// exists gets no answer at all, so ask whether it is still there.
			if _, err := c.Info(run); errors.Is(err, jetstream.ErrConsumerNotFound) {
				return nil, errConsumerGone
			}
			return nil, errNoMessage
		}
		return nil, err
	}
	return next, func() {}, nil
}

func handle(ctx context.Context, m jetstream.Msg, h Handler, opt Options) {
	start := time.Now()
	stopProgress := keepInProgress(ctx, m, opt.InProgress)
	err := h(ctx, m)
	stopProgress()
	handleSeconds.WithLabelValues(opt.Stage).Observe(time.Since(start).Seconds())
	if err == nil {
		// A plain ack, not a confirmed one: the work is durable already, and
		// an ack that gets lost only brings the message back to a handler
		// that is idempotent. Waiting for the server's confirmation cost a
		// round trip per message in every stage (bench --pipeline: a sixth
		// of the NATS CPU, and a longer tail at full speed).
		if aerr := m.Ack(); aerr != nil {
			opt.Log.Warn("ack failed", "stage", opt.Stage, "subject", m.Subject(), "err", aerr)
		}
		handled.WithLabelValues(opt.Stage, "acked").Inc()
		return
	}
	var delivered uint64 = 1
	if md, merr := m.Metadata(); merr == nil {
		delivered = md.NumDelivered
	}
	delay := opt.Backoff.Delay(int(min(delivered, 64)) - 1)
	var d delayed
	// A deferral comes back when its handler said, however often it came
	// before: the delivery count holds its deferrals, and a failure's
	// backoff grown by them kept jobs for a free host waiting minutes.
	if errors.As(err, &d) && (d.deferred || d.delay > delay) {
		delay = d.delay
	}
	if isDeferred(err) {
		opt.Log.Debug("message deferred", "stage", opt.Stage, "subject", m.Subject(), "retry_in", delay.String(), "err", err)
	} else {
		opt.Log.Warn("handler failed, will retry", "stage", opt.Stage, "subject", m.Subject(),
			"deliveries", delivered, "retry_in", delay.String(), "err", err)
	}
	if nerr := m.NakWithDelay(delay); nerr != nil {
		opt.Log.Warn("nak failed", "stage", opt.Stage, "err", nerr)
	}
	handled.WithLabelValues(opt.Stage, "nacked").Inc()
}

// keepInProgress tells the server every d that m is being worked on, until
// the returned stop is called; d <= 0 does nothing.
func keepInProgress(ctx context.Context, m jetstream.Msg, d time.Duration) (stop func()) {
	if d <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				// Best effort: one lost lets the message go to another
				// replica while this one still works on it, which the
				// stages' idempotence makes harmless.
				_ = m.InProgress()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// reportLag reads the consumer's pending counts into a gauge until ctx ends.
func reportLag(ctx context.Context, c jetstream.Consumer, opt Options) {
	t := time.NewTicker(opt.LagEvery)
	defer t.Stop()
	for {
		info, err := c.Info(ctx)
		if err == nil {
			consumerPending.WithLabelValues(opt.Stage, "num_pending").Set(float64(info.NumPending))
			consumerPending.WithLabelValues(opt.Stage, "ack_pending").Set(float64(info.NumAckPending))
		} else if ctx.Err() == nil {
			opt.Log.Debug("consumer info", "stage", opt.Stage, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
