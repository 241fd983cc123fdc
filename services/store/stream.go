package store

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/obs"
)

// How long a stream waits for the store to decide whether a fresh event is
// a duplicate before passing it on (hiding a copy is worth a short delay,
// losing an article is not), and how old an event is when the stream no
// longer waits for its verdict at all.
const (
	dupWait     = 2 * time.Second
	dupFreshFor = time.Minute
)

// catchUpGap is how far behind the live feed a replaying client may be to
// have its replay fetch every event, whatever its site filter, and so meet
// the feed at a known sequence. (Further behind, a site filter is left to
// the server, and the client keeps its own consumer.)
const catchUpGap = 1024

// stream serves GET /v1/stream: server-sent events of the articles published
// on NEWSFLOW_ARTICLES that match the filters. Each event's id is its stream
// sequence, so a client reconnecting with Last-Event-ID resumes right after
// the last event it saw; one whose id is past the stream's last sequence
// starts at new events, after an "event: reset". Without one the stream
// starts at since (stream time) or, by default, at new events.
//
// A client at the live end follows the store's live feed (one consumer for
// all of them). A replay has an ordered consumer of its own, and moves to
// the feed once it has caught up with it: it joins the feed at a sequence
// and leaves its consumer once that has brought it there, so no event is
// missed or repeated.
func (s *Store) stream(w http.ResponseWriter, r *http.Request) {
	q, err := queryParams(r, streamParams)
	if badRequest(w, err) {
		return
	}
	f, err := ParseFilter(q)
	if badRequest(w, err) {
		return
	}
	var after uint64
	resume := false
	// pastEnd is the client's id when it was past the stream's end (never 0):
	// the client goes on from the live end, and is told so.
	var pastEnd uint64
	name, v := "Last-Event-ID", r.Header.Get("Last-Event-ID")
	if v == "" {
		name, v = "last_event_id", q.Get("last_event_id")
	}
	if v != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			obs.WriteError(w, http.StatusBadRequest, name+": not a stream sequence number")
			return
		}
		after, resume = n, true
	}
	select {
	case s.streams <- struct{}{}:
		defer func() { <-s.streams }()
	default:
		w.Header().Set("Retry-After", "5")
		obs.WriteError(w, http.StatusServiceUnavailable, "too many open streams, retry later")
		return
	}
	streams.Inc()
	defer streams.Dec()

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if s.deps.JS == nil {
		obs.WriteError(w, http.StatusServiceUnavailable, "stream unavailable")
		return
	}
	// position is the last stream sequence this client has been brought past.
	// It goes out as an id-only block (which sets a browser's Last-Event-ID
	// without an event), so a client that saw no article yet, or only
	// filtered ones, still reconnects from here instead of from "new".
	var position uint64
	known := true
	var (
		sub     *feedSub  // the client's place on the live feed
		replay  *follower // the client's own consumer, while it replays
		own     chan *feedEvent
		canJoin bool // the replay sees every event: it can meet the feed
	)
	defer func() {
		if replay != nil {
			replay.stop()
		}
		if sub != nil {
			s.live.leave(sub)
		}
	}()
	startReplay := func(cfg jetstream.OrderedConsumerConfig, bySite bool) error {
		if bySite {
			// The site is the last subject token: the server does that filtering.
			cfg.FilterSubjects = []string{events.SubjectArticlePrefix + f.Site}
		}
		cfg.InactiveThreshold = 30 * time.Second
		ch := make(chan *feedEvent)
		// A small buffer per client: a replay from the start must not hold
		// hundreds of articles in memory for every connection.
		fl, err := s.follow(ctx, cfg, 16, func(quit context.Context, ev *feedEvent) bool {
			select {
			case ch <- ev:
				return true
			case <-quit.Done():
				return false
			}
		}, func(error) { close(ch) })
		if err != nil {
			return err
		}
		replay, own, canJoin = fl, ch, !bySite
		return nil
	}
	switch {
	case resume: // 0 is before the first event: a replay from the start
		position = after
		if sub, err = s.live.join(ctx, true); err != nil {
			break
		}
		if after > sub.from {
			// Past the feed: an event another replica's feed had already
			// handed out, or one this stream never had (it was deleted and
			// provisioned again, and its sequences started over). Waiting
			// for the stream to reach such an id would withhold every event
			// until then: the client goes on from the live end instead.
			var last uint64
			if last, err = s.lastSeq(ctx); err != nil {
				break
			}
			if after > last {
				pastEnd, after, position = after, sub.from, sub.from
			}
		}
		if after >= sub.from && s.live.caughtUp(sub) {
			break // nothing to replay
		}
		far := after < sub.from && sub.from-after > catchUpGap
		if far || after >= sub.from {
			// Far behind, the feed would run out of buffer long before
			// the replay met it (and one at the end already has): join
			// it again once near.
			s.live.leave(sub)
			sub = nil
		}
		bySite := far && f.Site != ""
		err = startReplay(jetstream.OrderedConsumerConfig{
			DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: after + 1}, bySite)
	case !f.Since.IsZero():
		since := f.Since
		known = false
		err = startReplay(jetstream.OrderedConsumerConfig{
			DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &since}, f.Site != "")
	default:
		if sub, err = s.live.join(ctx, false); err == nil {
			position = sub.from
		}
	}
	if err != nil {
		s.deps.Log.Warn("stream: start", "err", err)
		obs.WriteError(w, http.StatusServiceUnavailable, "stream unavailable")
		return
	}

	s.deps.Log.Debug("stream opened", "remote", r.RemoteAddr, "query", r.URL.RawQuery, "after", after, "resume", resume, "past_end", pastEnd, "replay", replay != nil)
	defer s.deps.Log.Debug("stream closed", "remote", r.RemoteAddr)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // proxies must not hold events back
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	// send writes and flushes one block. A client that stops reading must not
	// hold its handler (and the store's shutdown): each write has a deadline.
	send := func(format string, args ...any) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// idLine is the position as a "position" event: the id sets the
	// browser's Last-Event-ID, and the event lets a page's script see it
	// (an id-only block would not be dispatched).
	idLine := func() string {
		if !known {
			return ""
		}
		return fmt.Sprintf("event: position\nid: %d\ndata: %d\n", position, position)
	}
	// retry: how long a browser waits before it reconnects (with Last-Event-ID).
	if !send("retry: 2000\n: newsflow article stream\n%s\n", idLine()) {
		return
	}
	// A named event, so that a page's script can tell this from a resume:
	// whatever the stream that replaced the client's held up to position
	// was never sent. No id: the greeting's position stands.
	if pastEnd != 0 && !send("event: reset\ndata: {\"last_event_id\":%d,\"position\":%d}\n\n", pastEnd, position) {
		return
	}
	sent := position
	// deliver moves the client past ev, sending it if it passes the filters.
	// The id sent is the last event's the client has been sent, so that a
	// client cut off anywhere resumes without a loss.
	deliver := func(ev *feedEvent) bool {
		data, keep := s.streamEvent(ctx, f, ev)
		position, known = ev.seq, true
		if !keep {
			return true
		}
		if !send("id: %d\nevent: article\ndata: %s\n\n", ev.seq, data) {
			return false
		}
		sent = ev.seq
		return true
	}
	hb := time.NewTicker(s.cfg.Heartbeat)
	defer hb.Stop()
	for {
		var live <-chan *feedEvent
		var ended <-chan struct{}
		if sub != nil {
			ended = sub.ended
			if replay == nil {
				live = sub.events
			}
		}
		if live != nil {
			select {
			case <-ended:
				// Cut off: the events still buffered would only keep a
				// slow client busy longer; it resumes from what it has.
				live = nil
			default:
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.stopping:
			return
		case <-hb.C:
			line := ""
			if known && position != sent {
				line, sent = idLine(), position // past filtered-out events
			}
			if !send(": ping\n%s\n", line) {
				return
			}
		case <-ended:
			if replay != nil {
				// Still replaying: join again nearer the end.
				s.deps.Log.Debug("stream: the live feed went on without the replay", "remote", r.RemoteAddr, "position", position)
				s.live.leave(sub)
				sub = nil
				continue
			}
			if !sub.overflowed {
				return // the feed stopped
			}
			// The client fell a buffer behind the feed — a burst faster than
			// the store writes holds every client at its verdicts — so it
			// goes on from a consumer of its own, as a resuming client does,
			// and meets the feed again once caught up. A client that stops
			// reading is cut off by the write deadline instead.
			s.deps.Log.Debug("stream: client behind the live feed, replaying", "remote", r.RemoteAddr, "position", position)
			s.live.leave(sub)
			sub = nil
			if err := startReplay(jetstream.OrderedConsumerConfig{
				DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: position + 1}, false); err != nil {
				s.deps.Log.Warn("stream: replay after falling behind", "err", err)
				return
			}
			continue
		case ev, ok := <-own:
			if !ok {
				return
			}
			if !deliver(ev) {
				return
			}
			if canJoin && sub == nil && ev.pending < catchUpGap {
				if sub, err = s.live.join(ctx, true); err != nil {
					s.deps.Log.Debug("stream: join the live feed", "err", err)
					sub, canJoin = nil, false
				}
			}
			if sub != nil && position >= sub.from {
				if !s.live.caughtUp(sub) {
					// The feed went on without the client: join it
					// again with the next event.
					s.deps.Log.Debug("stream: the live feed went on without the replay", "remote", r.RemoteAddr, "position", position)
					s.live.leave(sub)
					sub = nil
					continue
				}
				// The replay has reached the feed: the feed brings the rest.
				replay.stop()
				replay, own = nil, nil
			}
		case ev := <-live:
			if ev.seq <= position {
				continue // the replay brought it, or the client asked to resume after it
			}
			if !deliver(ev) {
				return
			}
		}
	}
}

// streamEvent decides whether ev goes to a client with filter f.
func (s *Store) streamEvent(ctx context.Context, f Filter, ev *feedEvent) ([]byte, bool) {
	if f.Site != "" && ev.m.Subject() != events.SubjectArticlePrefix+f.Site {
		return nil, false
	}
	// The store that writes an event has decoded it by the time its
	// verdict is out. A client that needs none of the event's fields to
	// choose waits for the verdict first, so that it finds the event
	// decoded rather than decoding it a second time.
	if f.byFields() {
		if e := ev.e.of(ev.m); !e.ok || !f.match(e.fields) {
			return nil, false
		}
	}
	if !f.IncludeDuplicates && s.isDuplicate(ctx, ev) {
		return nil, false
	}
	e := ev.e.of(ev.m)
	if !e.ok || !f.match(e.fields) {
		return nil, false
	}
	if e.data != nil {
		return e.data, true
	}
	return ev.m.Data(), true
}

// isDuplicate says whether the event ev is a copy of an article still
// stored. A fresh event's verdict comes from the
// store that writes it (see VerdictSubject), usually a millisecond after the
// write; while none is heard the stream asks Redis once the event is
// verdictGrace old (at once for an event older than that: its verdict was
// missed, by a store that restarted, say), then every verdictGrace up to
// dupWait. An event older than dupFreshFor (a replay) is looked up in Redis
// at once: the record may hold a later version whose verdict stands for it.
func (s *Store) isDuplicate(ctx context.Context, ev *feedEvent) bool {
	k, age := ev.k, time.Since(ev.at)
	if age >= dupFreshFor {
		dup, _ := s.storedDuplicate(ctx, ev.e.of(ev.m))
		sseVerdicts.WithLabelValues("redis").Inc()
		return dup
	}
	dup, known, heard, release := s.verdicts.await(k)
	defer release()
	if known {
		sseVerdicts.WithLabelValues("heard").Inc()
		return dup
	}
	deadline := time.Now().Add(dupWait)
	every := s.cfg.verdictGrace
	// Another host's clock stamped the event: a skew never stretches the
	// first wait beyond the grace.
	grace := time.NewTimer(min(every, max(every-age, 0), dupWait))
	defer grace.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-heard:
			dup, _ := s.verdicts.lookup(k)
			sseVerdicts.WithLabelValues("heard").Inc()
			return dup
		case <-grace.C:
			if dup, decided := s.storedDuplicate(ctx, ev.e.of(ev.m)); decided || time.Now().After(deadline) {
				sseVerdicts.WithLabelValues("redis").Inc()
				return dup
			}
			grace.Reset(min(every, max(time.Until(deadline), 0)))
		}
	}
}

// storedDuplicate asks Redis whether e is a copy of an article still stored;
// decided is false while the record holds neither e nor a later version.
func (s *Store) storedDuplicate(ctx context.Context, e *streamed) (dup, decided bool) {
	if !e.ok {
		return false, true // no article: the store stores none, and the stream shows none
	}
	v, err := s.rdb.HMGet(ctx, s.articles.recordKey(e.id), "ch", "mod", "dup").Result()
	if err != nil {
		// Redis is down, so the store is not storing either: waiting for
		// its verdict would only hold every event back.
		return false, true
	}
	ch, _ := v[0].(string)
	mod, _ := v[1].(string)
	dupOf, _ := v[2].(string)
	newer, _ := strconv.ParseInt(mod, 10, 64)
	// The record holds this event, or a later version whose verdict stands for it.
	if ch != e.hash && (ch == "" || newer <= e.modified) {
		return false, false
	}
	if dupOf == "" {
		return false, true
	}
	n, err := s.rdb.Exists(ctx, s.articles.recordKey(dupOf)).Result()
	return err == nil && n == 1, true
}
