package store

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
)

// The event the store has just decoded to write is the one the live feed
// brings its streams next: they take its decoding rather than decode it
// again (a tenth of a millisecond per event).
func TestHandleLeavesItsDecodingToTheStreams(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := New(connectDeps(t, natsURL, "store"), rdb, Config{Prefix: prefix, TTL: time.Hour})
	a := art("a.example", 1, base, func(a *events.Article) { a.Authors = []string{"Jane Doe"} })
	seq := publish(t, js, a)

	c, err := js.OrderedConsumer(t.Context(), events.StreamArticles, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Next(jetstream.FetchMaxWait(10 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	md, err := m.Metadata()
	if err != nil || md.Sequence.Stream != seq {
		t.Fatalf("metadata %+v, %v; want the event at %d", md, err, seq)
	}
	if err := st.Handle(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	e := st.decoded.entry(keyOf(md.Sequence.Stream, md.Timestamp))
	e.once.Do(func() { t.Error("the streams would decode the stored event again") })
	if !e.ok || e.id != a.ID || e.fields.site == "" || len(e.fields.authors) != 1 {
		t.Errorf("streamed form %+v, want the article's", e)
	}
}

// A client that chooses by no field of an article (the web page's stream)
// waits for the store's verdict before it looks at an event, so it finds
// the event decoded by the store's write: one decoding per event, not two.
// A client that filters by a field still decodes what the store has not.
func TestStreamsWaitForTheStoresDecoding(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	// Verdicts only as heard: no Redis lookup (which decodes) on a slow machine.
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, Workers: 2, verdictGrace: time.Hour})
	all := openStream(t, st.api+"/v1/stream", "")
	before := testutil.ToFloat64(sseDecodes)
	var want []uint64
	for i := range 20 {
		want = append(want, publish(t, js, art("a.example", i+1, base)))
	}
	if got := articleIDs(t, all, len(want)); !slices.Equal(got, want) {
		t.Fatalf("the stream sent %v, want %v", got, want)
	}
	if n := testutil.ToFloat64(sseDecodes) - before; n != 0 {
		t.Errorf("the stream decoded %v of the %d events the store had decoded", n, len(want))
	}

	// An event that is no Article v1 gets a verdict too, from the store
	// that refuses it: the stream need not wait for one in vain (2 s, then
	// a Redis lookup) before the events behind it.
	lookups := testutil.ToFloat64(sseVerdicts.WithLabelValues("redis"))
	bad := art("a.example", 50, base)
	bad.Language = "not a language tag!"
	data, err := json.Marshal(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(t.Context(), events.ArticleSubject("a.example"), data); err != nil {
		t.Fatal(err)
	}
	good := publish(t, js, art("a.example", 51, base))
	if got := articleIDs(t, all, 1); got[0] != good {
		t.Errorf("after an invalid event the stream sent %d, want %d", got[0], good)
	}
	if n := testutil.ToFloat64(sseVerdicts.WithLabelValues("redis")) - lookups; n != 0 {
		t.Errorf("the stream looked up %v verdicts in Redis, want none (the store announces the invalid event's)", n)
	}

	// By language: the client decodes an event as it comes, unless the
	// store already has.
	en := openStream(t, st.api+"/v1/stream?lang=en", "")
	seq := publish(t, js, art("a.example", 99, base))
	if got := articleIDs(t, en, 1); got[0] != seq {
		t.Errorf("the filtered stream sent %d, want %d", got[0], seq)
	}
}
