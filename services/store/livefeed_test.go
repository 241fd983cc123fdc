package store

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
)

// consumerCount is how many consumers NEWSFLOW_ARTICLES has, -1 on error.
func consumerCount(t testing.TB, js jetstream.JetStream) int {
	t.Helper()
	s, err := js.Stream(t.Context(), events.StreamArticles)
	if err != nil {
		return -1
	}
	info, err := s.Info(t.Context())
	if err != nil {
		return -1
	}
	return info.State.Consumers
}

// articleIDs reads c's articles until it has n, and returns their ids.
func articleIDs(t *testing.T, c *sseClient, n int) []uint64 {
	t.Helper()
	var ids []uint64
	for range n {
		ev, _ := c.article(t)
		id, err := strconv.ParseUint(ev.id, 10, 64)
		if err != nil {
			t.Fatalf("article id %q: %v", ev.id, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// Clients at the live end share one consumer, whatever their filters, each
// gets every event it asked for once and in order, and the consumer goes
// with the last client.
func TestLiveClientsShareOneConsumer(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, Workers: 2})
	publish(t, js, art("a.example", 0, base)) // before the clients: none gets it

	const clients, n = 6, 30
	cs := make([]*sseClient, clients)
	for i := range cs {
		q := ""
		if i == clients-1 {
			q = "?site=b.example" // filtered in the store, not by a consumer of its own
		}
		cs[i] = openStream(t, st.api+"/v1/stream"+q, "")
		if cs[i].greeting.id != "1" {
			t.Errorf("client %d: greeting id %q, want 1", i, cs[i].greeting.id)
		}
	}
	if got := consumerCount(t, js); got != 2 {
		t.Errorf("%d consumers with %d clients following, want 2 (the store's and the live feed's)", got, clients)
	}
	var all, bSite []uint64
	for i := range n {
		site := "a.example"
		if i%3 == 0 {
			site = "b.example"
		}
		seq := publish(t, js, art(site, i+1, base))
		all = append(all, seq)
		if site == "b.example" {
			bSite = append(bSite, seq)
		}
	}
	for i, c := range cs {
		want := all
		if i == clients-1 {
			want = bSite
		}
		if got := articleIDs(t, c, len(want)); !slices.Equal(got, want) {
			t.Errorf("client %d got %v, want %v", i, got, want)
		}
	}
	for _, c := range cs[1:] {
		c.close()
	}
	// One client left: the feed stays.
	last := publish(t, js, art("a.example", 99, base))
	if got := articleIDs(t, cs[0], 1); got[0] != last {
		t.Errorf("the remaining client got %v, want %d", got, last)
	}
	if got := consumerCount(t, js); got != 2 {
		t.Errorf("%d consumers with one client left, want 2", got)
	}
	cs[0].close()
	waitFor(t, "the live feed's consumer deleted with its last client", func() bool { return consumerCount(t, js) == 1 })

	// A new client starts the feed again, where the stream is now.
	c := openStream(t, st.api+"/v1/stream", "")
	if c.greeting.id != strconv.FormatUint(last, 10) {
		t.Errorf("greeting id %q after a restart of the feed, want %d", c.greeting.id, last)
	}
	seq := publish(t, js, art("a.example", 100, base))
	if got := articleIDs(t, c, 1); got[0] != seq {
		t.Errorf("after a restart of the feed: %v, want %d", got, seq)
	}
	if err := st.stop(); err != nil {
		t.Fatalf("store: %v", err)
	}
	if got := consumerCount(t, js); got != 1 {
		t.Errorf("%d consumers after the store stopped, want 1 (the store's durable one)", got)
	}
}

// A client replaying with Last-Event-ID moves to the live feed once it has
// caught up: its own consumer goes, and it misses and repeats nothing. With
// a site filter too, when it was not far behind.
func TestReplayMovesToLiveFeed(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, Workers: 2})
	var all, bSite []uint64
	pub := func(i int) {
		site := "a.example"
		if i%2 == 0 {
			site = "b.example"
		}
		seq := publish(t, js, art(site, i, base))
		all = append(all, seq)
		if site == "b.example" {
			bSite = append(bSite, seq)
		}
	}
	for i := range 10 {
		pub(i)
	}
	live := openStream(t, st.api+"/v1/stream", "")
	replay := openStream(t, st.api+"/v1/stream", "3")
	bReplay := openStream(t, st.api+"/v1/stream?site=b.example", "2")
	// Each replay's consumer goes once it has met the feed.
	waitFor(t, "the replays on the live feed", func() bool { return consumerCount(t, js) == 2 })
	for i := 10; i < 20; i++ {
		pub(i)
	}
	if got := articleIDs(t, live, 10); !slices.Equal(got, all[10:]) {
		t.Errorf("live client got %v, want %v", got, all[10:])
	}
	if got := articleIDs(t, replay, 17); !slices.Equal(got, all[3:]) {
		t.Errorf("replay after 3 got %v, want %v", got, all[3:])
	}
	var want []uint64
	for _, s := range bSite {
		if s > 2 {
			want = append(want, s)
		}
	}
	if got := articleIDs(t, bReplay, len(want)); !slices.Equal(got, want) {
		t.Errorf("site replay after 2 got %v, want %v", got, want)
	}
}

// A client that falls a buffer behind the live feed holds up no other: it
// goes on from a consumer of its own, misses nothing, and meets the feed
// again once caught up.
func TestSlowClientFallsBackAndCatchesUp(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, Workers: 2, liveBuffer: 4})
	fast := openStream(t, st.api+"/v1/stream", "")

	// The slow client's socket takes little, so that the store's writes to
	// it block soon.
	dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	hc := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, st.api+"/v1/stream", nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	waitFor(t, "both clients on the feed", func() bool { return testutil.ToFloat64(streams) == 2 })

	cut0 := testutil.ToFloat64(sseOverflows)
	// Big articles fill the socket soon; bodies of their own keep any from
	// being hidden as a copy of another.
	big := func(i int) func(*events.Article) { return withBody(words(fmt.Sprintf("w%d-", i), 4000)) }
	var seqs []uint64
	for i := 0; testutil.ToFloat64(sseOverflows) == cut0; i++ {
		if i == 2000 {
			t.Fatal("the stalled client was never cut off")
		}
		seqs = append(seqs, publish(t, js, art("a.example", i, base, big(i))))
		// The fast client keeps up all along.
		if got := articleIDs(t, fast, 1); got[0] != seqs[i] {
			t.Fatalf("fast client got %d, want %d", got[0], seqs[i])
		}
	}
	// Published while the slow client is behind.
	for i := range 3 {
		seqs = append(seqs, publish(t, js, art("a.example", 10000+i, base, big(10000+i))))
	}

	// The slow client, reading again, gets every article once and in order
	// on the same connection: it went on from a consumer of its own.
	var got []uint64
	readSSE(resp.Body, func(ev sseEvent) bool {
		if ev.event == "article" {
			id, _ := strconv.ParseUint(ev.id, 10, 64)
			got = append(got, id)
		}
		return len(got) < len(seqs)
	})
	if !slices.Equal(got, seqs) {
		t.Errorf("the client that fell behind got %v, want %v", got, seqs)
	}
	// And it meets the feed again: the store is back to its own consumer
	// and the feed's.
	waitFor(t, "the client back on the live feed", func() bool { return consumerCount(t, js) == 2 })
}

// A replay that live traffic overtakes while it catches up (its place on
// the feed overflows, and it joins again) still gets every event once, in
// order; so does a client cut off from the feed that resumes, as a browser
// does, with the last id it got.
func TestReplayUnderLiveTrafficMissesNothing(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, Workers: 2, liveBuffer: 2})
	var want []uint64
	for i := range 40 {
		want = append(want, publish(t, js, art("a.example", i, base)))
	}
	url := st.api + "/v1/stream?include_duplicates=true"
	c := openStream(t, url, "0")
	done := make(chan []uint64)
	go func() {
		var seqs []uint64
		defer func() { done <- seqs }()
		for i := range 60 {
			m, err := art("a.example", 100+i, base).Msg("newsflow/test")
			if err != nil {
				t.Error(err)
				return
			}
			ack, err := js.PublishMsg(t.Context(), m)
			if err != nil {
				t.Error(err)
				return
			}
			seqs = append(seqs, ack.Sequence)
		}
	}()
	var got []uint64
	lastID := "0"
	for len(got) < 100 {
		select {
		case ev, ok := <-c.events:
			if !ok {
				c = openStream(t, url, lastID) // cut off: resume
				continue
			}
			if ev.id != "" {
				lastID = ev.id
			}
			if ev.event == "article" {
				id, _ := strconv.ParseUint(ev.id, 10, 64)
				got = append(got, id)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no event within 30s, after %v", got)
		}
	}
	want = append(want, <-done...)
	if !slices.Equal(got, want) {
		t.Errorf("replay under live traffic got %v, want %v", got, want)
	}
}
