package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/client"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/obs"
)

// A client that disconnects and comes back with Last-Event-ID receives
// exactly the articles published while it was away, then the live ones.
func TestStreamResumesWithLastEventID(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, Workers: 2})
	stream := st.api + "/v1/stream"

	// A client that saw nothing yet still has a position: the greeting's id.
	c := openStream(t, stream, "")
	if c.greeting.id != "0" {
		t.Errorf("greeting id %q on an empty stream, want 0", c.greeting.id)
	}
	c.close()
	first := publish(t, js, art("example.com", 0, base))
	c = openStream(t, stream, "0")
	if ev, a := c.article(t); a.Title != "Story 0 from example.com" || ev.id != strconv.FormatUint(first, 10) {
		t.Errorf("resumed from the greeting: %q id %s", a.Title, ev.id)
	}
	c.close()

	c = openStream(t, stream, "")
	if c.greeting.id != strconv.FormatUint(first, 10) {
		t.Errorf("greeting id %q, want the last sequence %d", c.greeting.id, first)
	}
	var seqs []uint64
	for i := 1; i <= 2; i++ {
		seqs = append(seqs, publish(t, js, art("example.com", i, base)))
	}
	var lastID string
	for i := 1; i <= 2; i++ {
		ev, a := c.article(t)
		if want := fmt.Sprintf("Story %d from example.com", i); a.Title != want || ev.id != strconv.FormatUint(seqs[i-1], 10) {
			t.Fatalf("event %d: %q id %s, want %q id %d", i, a.Title, ev.id, want, seqs[i-1])
		}
		lastID = ev.id
	}
	c.close()
	// The stream's consumer goes with its client; the store's own stays.
	waitFor(t, "the stream's consumer deleted", func() bool {
		s, err := js.Stream(t.Context(), events.StreamArticles)
		if err != nil {
			return false
		}
		info, err := s.Info(t.Context())
		return err == nil && info.State.Consumers == 1
	})

	var missed []uint64
	for i := 3; i <= 5; i++ {
		missed = append(missed, publish(t, js, art("example.com", i, base)))
	}
	c = openStream(t, stream, lastID)
	for i := 3; i <= 5; i++ {
		ev, a := c.article(t)
		if want := fmt.Sprintf("Story %d from example.com", i); a.Title != want || ev.id != strconv.FormatUint(missed[i-3], 10) {
			t.Errorf("after reconnecting: %q id %s, want %q id %d", a.Title, ev.id, want, missed[i-3])
		}
	}
	live := publish(t, js, art("example.com", 6, base))
	if ev, a := c.article(t); a.Title != "Story 6 from example.com" || ev.id != strconv.FormatUint(live, 10) {
		t.Errorf("live event after the missed ones: %q id %s, want story 6 (no repeats)", a.Title, ev.id)
	}
	// Another publisher's indented JSON still makes one well-formed event.
	indented, err := json.MarshalIndent(art("example.com", 7, base), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(t.Context(), events.ArticleSubject("example.com"), indented); err != nil {
		t.Fatal(err)
	}
	if ev, a := c.article(t); a.Title != "Story 7 from example.com" || strings.Contains(ev.data, "\n") {
		t.Errorf("indented article: %q, data %q", a.Title, ev.data)
	}
	c.close()
	if err := st.stop(); err != nil {
		t.Errorf("store: %v", err)
	}
}

// A client whose Last-Event-ID is past the end of NEWSFLOW_ARTICLES (the
// stream was deleted and provisioned again: its sequences started over) is
// moved to the live end and told so by an "event: reset", instead of hearing
// nothing until the stream reaches its id. An id in the stream's range
// resumes right after it, as ever, without a reset.
func TestStreamResetsAnIDPastTheEnd(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	// No heartbeats: a client left waiting hears nothing, and its next
	// event times out instead of skipping pings for ever.
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, Workers: 2, Heartbeat: time.Hour})
	stream := st.api + "/v1/stream"
	n := 0
	next := func() (uint64, string) {
		n++
		a := art("example.com", n, base)
		return publish(t, js, a), a.Title
	}
	for range 3 {
		next()
	}
	for _, tc := range []struct {
		name  string
		ahead int64 // the client's id less the stream's last sequence
		live  bool  // another client keeps the live feed running
		reset bool
	}{
		{"far past the end", 1_000_000, false, true},
		{"far past the end, feed running", 1_000_000, true, true},
		{"one past the end, feed running", 1, true, true},
		{"the last event", 0, false, false},
		{"the last event, feed running", 0, true, false},
		{"one before the last, feed running", -1, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w *sseClient
			if tc.live {
				w = openStream(t, stream, "")
				defer w.close()
			}
			last, lastTitle := next()
			if w != nil {
				// Once the watcher has it, the feed is at the stream's end.
				if ev, _ := w.article(t); ev.id != strconv.FormatUint(last, 10) {
					t.Fatalf("watcher got id %s, want %d", ev.id, last)
				}
			}
			id := strconv.FormatInt(int64(last)+tc.ahead, 10)
			c := openStream(t, stream, id)
			defer c.close()
			want := id
			if tc.reset {
				want = strconv.FormatUint(last, 10)
			}
			if c.greeting.id != want || c.greeting.event != "position" {
				t.Errorf("greeting %+v, want the position %s", c.greeting, want)
			}
			seq, title := next()
			wantTitles := []string{title}
			if tc.ahead < 0 {
				wantTitles = []string{lastTitle, title}
			}
			// Every block until the new article: articles, and the resets.
			var titles, resets []string
			for ev := c.next(t); ; ev = c.next(t) {
				switch ev.event {
				case "position":
				case "reset":
					resets = append(resets, ev.data)
				case "article":
					a, err := events.DecodeArticle([]byte(ev.data))
					if err != nil {
						t.Fatalf("event data: %v", err)
					}
					titles = append(titles, a.Title)
				default:
					t.Fatalf("got %+v", ev)
				}
				if ev.id == strconv.FormatUint(seq, 10) {
					break
				}
			}
			if !slices.Equal(titles, wantTitles) {
				t.Errorf("articles %q, want %q", titles, wantTitles)
			}
			var wantResets []string
			if tc.reset {
				wantResets = []string{fmt.Sprintf(`{"last_event_id":%s,"position":%d}`, id, last)}
			}
			if !slices.Equal(resets, wantResets) {
				t.Errorf("reset events %q, want %q", resets, wantResets)
			}
		})
	}
}

func TestStreamFilters(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, Workers: 2})
	wire := withBody(words("wire", 80))
	arts := []*events.Article{
		art("a.com", 1, base, wire, func(a *events.Article) { a.Title, a.Language = "Original wire story", "en" }),
		art("b.com", 2, base.Add(time.Hour), wire, func(a *events.Article) { a.Title, a.Language = "Copy of the wire story", "en" }),
		art("b.com", 3, base, func(a *events.Article) {
			a.Title, a.Language, a.Authors, a.Tags = "Ein Bericht", "de-AT", []string{"Eva Example"}, []string{"Wien"}
		}),
		art("c.com", 4, base.Add(-48*time.Hour), func(a *events.Article) { a.Title = "Old news" }),
		// Matches every filter below: when it arrives, nothing else is coming.
		art("b.com", 5, base, func(a *events.Article) {
			a.Title, a.Language, a.Authors, a.Tags = "Wire sentinel", "de-AT", []string{"eva example"}, []string{"wien"}
		}),
	}
	for _, a := range arts {
		publish(t, js, a)
		// The duplicate verdict needs the original stored first.
		waitFor(t, "stored", func() bool { _, err := NewArticles(rdb, prefix, time.Hour).Get(t.Context(), a.ID); return err == nil })
	}
	for _, tc := range []struct {
		query string
		want  []int
	}{
		{"", []int{1, 3, 4, 5}},
		{"include_duplicates=true", []int{1, 2, 3, 4, 5}},
		{"site=b.com&include_duplicates=true", []int{2, 3, 5}},
		{"site=www.b.com", []int{3, 5}},
		{"language=de", []int{3, 5}},
		{"lang=DE_at", []int{3, 5}},
		{"author=EVA%20example", []int{3, 5}},
		{"tag=wien", []int{3, 5}},
		{"q=WIRE", []int{1, 5}},
		{"since=" + url.QueryEscape(base.Add(-time.Minute).Format(time.RFC3339)), []int{1, 3, 5}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			// last_event_id=0 replays the stream from its first event.
			q := "last_event_id=0&" + tc.query
			c := openStream(t, st.api+"/v1/stream?"+q, "")
			var got []int
			for {
				_, a := c.article(t)
				n, _ := strconv.Atoi(a.URL[len(a.URL)-1:])
				got = append(got, n)
				if n == 5 {
					break
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("stream?%s gave %v, want %v", q, got, tc.want)
			}
		})
	}
}

func TestStreamHeartbeatAndShutdown(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, Heartbeat: 20 * time.Millisecond})
	c := openStream(t, st.api+"/v1/stream?language=de", "")
	if ev := c.next(t); ev.comment != "ping" {
		t.Errorf("got %+v, want a ping comment", ev)
	}
	// An article this filter leaves out still moves the client's position,
	// on the next heartbeat, so a reconnect does not scan it again. (A site
	// filter works on the server: those never reach the stream at all.)
	publish(t, js, art("a.example", 1, base))
	publish(t, js, art("a.example", 2, base, func(a *events.Article) { a.Language = "de" }))
	if _, a := c.article(t); a.Title != "Story 2 from a.example" {
		t.Fatalf("got %q", a.Title)
	}
	seq := strconv.FormatUint(publish(t, js, art("a.example", 3, base)), 10)
	for n, ev := 0, c.next(t); ev.id != seq; n, ev = n+1, c.next(t) {
		if ev.comment != "ping" || (ev.event != "" && ev.event != "position") || n > 3000 {
			t.Fatalf("got %+v after %d pings, want pings until one carries id %s", ev, n, seq)
		}
	}
	// Shutting the store down ends open streams instead of waiting on them.
	if err := st.stop(); err != nil {
		t.Errorf("store: %v", err)
	}
	for ev := range c.events {
		if ev.comment != "ping" {
			t.Errorf("after shutdown: %+v", ev)
		}
	}
}

func TestStreamBadRequests(t *testing.T) {
	natsURL, _ := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour})
	for _, tc := range []struct{ query, header, param string }{
		{"", "abc", "Last-Event-ID"},
		{"last_event_id=-1", "", "last_event_id"},
		{"since=yesterday", "", "since"},
		{"limit=3", "", "limit"},
		{"language=e", "", "language"},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, st.api+"/v1/stream?"+tc.query, nil)
		if tc.header != "" {
			req.Header.Set("Last-Event-ID", tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e obs.Error
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := jsonUnmarshal(body, &e); err != nil || resp.StatusCode != 400 || e.Status != 400 || !hasPrefix(e.Message, tc.param+":") {
			t.Errorf("stream?%s (Last-Event-ID %q): %d %s, want 400 naming %s", tc.query, tc.header, resp.StatusCode, body, tc.param)
		}
	}
	if err := st.stop(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("store: %v", err)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func hasPrefix(s, p string) bool { return strings.HasPrefix(s, p) }

func TestStreamLimit(t *testing.T) {
	natsURL, _ := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, MaxStreams: 1})
	c := openStream(t, st.api+"/v1/stream", "")
	resp, body := get(t, st.api+"/v1/stream")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "too many open streams") {
		t.Errorf("second stream: %d %s, want 503 with Retry-After", resp.StatusCode, body)
	}
	c.close()
	// The slot is free again once the first client has gone.
	waitFor(t, "the slot freed", func() bool {
		resp, err := http.Get(st.api + "/v1/stream")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// An event that is not a valid Article v1 goes to the dead-letter stream,
// never into Redis, and blocks nothing behind it.
func TestInvalidArticleDeadLettered(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour})
	bad := art("example.com", 1, base)
	bad.Language = "not a language tag!"
	data, _ := json.Marshal(bad)
	if _, err := js.Publish(t.Context(), events.ArticleSubject("example.com"), data); err != nil {
		t.Fatal(err)
	}
	good := art("example.com", 2, base)
	publish(t, js, good)
	model := NewArticles(rdb, prefix, time.Hour)
	waitFor(t, "the valid article stored", func() bool { _, err := model.Get(t.Context(), good.ID); return err == nil })
	waitFor(t, "the invalid one dead-lettered", func() bool {
		s, err := js.Stream(t.Context(), events.StreamDLQ)
		if err != nil {
			return false
		}
		info, err := s.Info(t.Context())
		return err == nil && info.State.Msgs == 1
	})
	if _, err := model.Get(t.Context(), bad.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the invalid article was stored: %v", err)
	}
}

// pkg/client's Stream follows the store's stream across a store restart and
// misses nothing.
func TestGoStreamClient(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	cfg := Config{Prefix: prefix, TTL: time.Hour, HTTPAddr: freeAddr(t)}
	st := runStore(t, natsURL, rdb, cfg)
	api, err := client.NewAPI(st.api, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *client.StreamEvent, 100)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	retries := make(chan error, 100)
	go func() {
		done <- api.Stream(ctx, client.Query{Site: "example.com", IncludeDuplicates: true}, "",
			func(_ context.Context, ev *client.StreamEvent) error { got <- ev; return nil },
			client.OnRetry(func(err error, _ time.Duration) {
				select {
				case retries <- err:
				default:
				}
			}))
	}()
	next := func() *client.StreamEvent {
		t.Helper()
		select {
		case ev := <-got:
			return ev
		case <-time.After(30 * time.Second):
			t.Fatal("no event within 30s")
		}
		return nil
	}
	consumers := func(n int) func() bool {
		return func() bool {
			s, err := js.Stream(t.Context(), events.StreamArticles)
			if err != nil {
				return false
			}
			info, err := s.Info(t.Context())
			return err == nil && info.State.Consumers == n
		}
	}
	waitFor(t, "the stream's consumer", consumers(2)) // the store's and the stream's
	publish(t, js, art("other.example", 1, base))
	publish(t, js, art("example.com", 2, base))
	if ev := next(); ev.Article.Title != "Story 2 from example.com" || ev.ID != "2" {
		t.Fatalf("first event: %q id %s", ev.Article.Title, ev.ID)
	}
	if err := st.stop(); err != nil {
		t.Fatal(err)
	}
	publish(t, js, art("example.com", 3, base)) // while the store is down
	runStore(t, natsURL, rdb, cfg)
	if ev := next(); ev.Article.Title != "Story 3 from example.com" || ev.ID != "3" {
		t.Errorf("after the restart: %q id %s, want story 3", ev.Article.Title, ev.ID)
	}
	publish(t, js, art("example.com", 4, base))
	if ev := next(); ev.Article.Title != "Story 4 from example.com" {
		t.Errorf("live after the restart: %q", ev.Article.Title)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Stream: %v", err)
	}
	if len(retries) == 0 {
		t.Error("the store restart went unreported: no OnRetry call")
	}
	// A bad filter is an error at once, not a retry loop.
	err = api.Stream(t.Context(), client.Query{Language: "x"}, "", func(context.Context, *client.StreamEvent) error { return nil })
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 400 || !strings.HasPrefix(apiErr.Message, "language:") {
		t.Errorf("bad language: %v", err)
	}
}
