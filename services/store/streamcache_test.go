package store

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

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
