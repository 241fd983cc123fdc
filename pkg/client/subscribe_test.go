package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/client"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func setup(t *testing.T) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	ns := natstest.StartProvisioned(t)
	nc, js, err := natsx.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: "client-test"}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc, js
}

func article(host string, n int, lang string) *events.Article {
	u := fmt.Sprintf("https://%s/story/%d", host, n)
	body := fmt.Sprintf("body of story %d on %s", n, host)
	return &events.Article{ID: events.ArticleID(u), URL: u, Host: host, Title: fmt.Sprintf("%s %d", host, n),
		Language: lang, BodyText: body, ContentHash: events.ContentHash([]byte(body)), SchemaVersion: events.SchemaVersion}
}

func publish(t *testing.T, js jetstream.JetStream, a *events.Article) uint64 {
	t.Helper()
	m, err := a.Msg("newsflow/test")
	if err != nil {
		t.Fatal(err)
	}
	ack, err := js.PublishMsg(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

// recorder collects what a handler saw.
type recorder struct {
	mu     sync.Mutex
	titles []string
	seen   chan struct{}
}

func newRecorder() *recorder { return &recorder{seen: make(chan struct{}, 1000)} }

func (r *recorder) handle(_ context.Context, ev *client.Event) error {
	r.mu.Lock()
	r.titles = append(r.titles, ev.Article.Title)
	r.mu.Unlock()
	r.seen <- struct{}{}
	return nil
}

func (r *recorder) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-r.seen:
		case <-time.After(30 * time.Second):
			t.Fatalf("handler called %d times, want %d", len(r.got()), n)
		}
	}
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.titles)
}

// subscribe runs Subscribe in the background; the returned stop ends it and
// returns its error.
func subscribe(t *testing.T, sub *client.Subscriber, f client.Filter, h client.Handler, opts ...client.Option) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- sub.Subscribe(ctx, f, h, append(opts, client.Logger(quiet))...) }()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// waitConsumer waits until the consumer exists: from then on nothing
// published is missed by a DeliverNew subscription.
func waitConsumers(t *testing.T, js jetstream.JetStream, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := js.Stream(t.Context(), events.StreamArticles)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(t.Context())
		if err == nil && info.State.Consumers == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream has %d consumers, want %d", info.State.Consumers, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A durable subscriber stopped (in the middle of a batch) and restarted
// receives every article exactly once.
func TestDurableRestartReceivesEveryArticleOnce(t *testing.T) {
	nc, js := setup(t)
	sub, err := client.NewSubscriber(nc)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	var stop func() error
	stopped := make(chan struct{})
	var calls int
	var mu sync.Mutex
	h := func(ctx context.Context, ev *client.Event) error {
		mu.Lock()
		calls++
		c := calls
		mu.Unlock()
		err := rec.handle(ctx, ev)
		if c == 4 {
			close(stopped) // stop while the rest of the batch is still buffered
		}
		return err
	}
	stop = subscribe(t, sub, client.Filter{}, h, client.Durable("restart-test"), client.DeliverAll())
	var want []string
	for i := range 10 {
		a := article("example.com", i, "en")
		want = append(want, a.Title)
		publish(t, js, a)
	}
	<-stopped
	if err := stop(); err != nil {
		t.Fatalf("first run: %v", err)
	}
	for i := 10; i < 15; i++ {
		a := article("example.com", i, "en")
		want = append(want, a.Title)
		publish(t, js, a)
	}
	first := len(rec.got())
	stop = subscribe(t, sub, client.Filter{}, rec.handle, client.Durable("restart-test"), client.DeliverAll())
	rec.wait(t, 15)
	// Published after the restart: the subscriber is live again.
	a := article("example.com", 15, "en")
	want = append(want, a.Title)
	publish(t, js, a)
	rec.wait(t, 1)
	if err := stop(); err != nil {
		t.Fatalf("second run: %v", err)
	}
	got := rec.got()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("received %d events (%d before the restart), want each of %d once:\n got %q\nwant %q", len(got), first, len(want), got, want)
	}
	if _, err := js.Consumer(t.Context(), events.StreamArticles, "restart-test"); err != nil {
		t.Errorf("the durable consumer is gone after Subscribe returned: %v", err)
	}
}

func TestStartPositionsAndFilters(t *testing.T) {
	all := func(time.Time) []client.Option { return []client.Option{client.DeliverAll()} }
	for _, tc := range []struct {
		name   string
		filter client.Filter
		opts   func(fourth time.Time) []client.Option
		want   []string
	}{
		{"new only", client.Filter{}, func(time.Time) []client.Option { return nil }, []string{"a.com 5", "b.com 6"}},
		{"from the beginning", client.Filter{}, all, []string{"a.com 1", "www.b.com 2", "a.com 3", "b.com 4", "a.com 5", "b.com 6"}},
		{"from a time", client.Filter{}, func(t time.Time) []client.Option { return []client.Option{client.StartTime(t)} },
			[]string{"b.com 4", "a.com 5", "b.com 6"}},
		{"from a sequence", client.Filter{}, func(time.Time) []client.Option { return []client.Option{client.StartSequence(3)} },
			[]string{"a.com 3", "b.com 4", "a.com 5", "b.com 6"}},
		{"one site", client.Filter{Sites: []string{"b.com"}}, all, []string{"www.b.com 2", "b.com 4", "b.com 6"}},
		{"two sites by token", client.Filter{Sites: []string{"a_com", "b_com"}}, all,
			[]string{"a.com 1", "www.b.com 2", "a.com 3", "b.com 4", "a.com 5", "b.com 6"}},
		{"language", client.Filter{Languages: []string{"en"}}, all, []string{"a.com 1", "a.com 3", "b.com 4", "b.com 6"}},
		{"exact language", client.Filter{Languages: []string{"en-gb", "fr"}}, all, []string{"a.com 3", "a.com 5"}},
		{"site and language", client.Filter{Sites: []string{"a.com"}, Languages: []string{"en"}}, all, []string{"a.com 1", "a.com 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc, js := setup(t)
			sub, err := client.NewSubscriber(nc)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range []*events.Article{article("a.com", 1, "en"), article("www.b.com", 2, "de"),
				article("a.com", 3, "en-GB"), article("b.com", 4, "en")} {
				publish(t, js, a)
			}
			stream, err := js.Stream(t.Context(), events.StreamArticles)
			if err != nil {
				t.Fatal(err)
			}
			fourth, err := stream.GetMsg(t.Context(), 4)
			if err != nil {
				t.Fatal(err)
			}
			rec := newRecorder()
			stop := subscribe(t, sub, tc.filter, rec.handle, tc.opts(fourth.Time)...)
			waitConsumers(t, js, 1)
			publish(t, js, article("a.com", 5, "fr"))
			publish(t, js, article("b.com", 6, "en-US"))
			rec.wait(t, len(tc.want))
			// A last event every case receives proves nothing else was queued.
			host := "a.com"
			if len(tc.filter.Sites) == 1 && tc.filter.Sites[0] == "b.com" {
				host = "b.com"
			}
			last := article(host, 7, "en-GB")
			publish(t, js, last)
			rec.wait(t, 1)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if got := rec.got(); !slices.Equal(got, append(slices.Clone(tc.want), last.Title)) {
				t.Errorf("got %q, want %q then %s", got, tc.want, last.Title)
			}
			waitConsumers(t, js, 0) // the ephemeral consumer is removed
		})
	}
}

// A handler error naks the event: it comes again, marked as a redelivery.
func TestHandlerErrorRedelivers(t *testing.T) {
	nc, js := setup(t)
	sub, err := client.NewSubscriber(nc)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var deliveries []uint64
	done := make(chan struct{})
	h := func(_ context.Context, ev *client.Event) error {
		mu.Lock()
		defer mu.Unlock()
		deliveries = append(deliveries, ev.Delivery)
		if len(deliveries) == 1 {
			return errors.New("not now")
		}
		close(done)
		return nil
	}
	stop := subscribe(t, sub, client.Filter{}, h, client.NakDelay(10*time.Millisecond), client.DeliverAll())
	publish(t, js, article("a.com", 1, "en"))
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the failed event did not come back")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(deliveries, []uint64{1, 2}) {
		t.Errorf("deliveries %v, want [1 2]", deliveries)
	}
}

func TestOptionErrors(t *testing.T) {
	nc, _ := setup(t)
	sub, _ := client.NewSubscriber(nc)
	for _, opt := range []client.Option{client.Durable("a.b"), client.Durable(""), client.StartSequence(0), client.AckWait(time.Millisecond)} {
		if err := sub.Subscribe(t.Context(), client.Filter{}, func(context.Context, *client.Event) error { return nil }, opt); err == nil {
			t.Errorf("an invalid option was accepted")
		}
	}
}
