package fetcher

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newsflow/newsflow/pkg/events"
)

func TestRecentSeen(t *testing.T) {
	const w = time.Minute
	t0 := time.Unix(1_700_000_000, 0)
	id := func(n int) string { return events.ArticleID(fmt.Sprintf("https://a.example/%d", n)) }
	a, b, c, d, e := id(1), id(2), id(3), id(4), id(5)
	type step struct {
		at   time.Duration // after t0
		add  string
		has  string
		want bool
	}
	tests := []struct {
		name  string
		size  int
		steps []step
	}{
		{"added, then found", 8, []step{{has: a}, {add: a}, {has: a, want: true}, {has: b}}},
		{"kept into the next generation", 8, []step{{add: a}, {at: w + time.Second, add: b}, {at: w + 2*time.Second, has: a, want: true}}},
		{"forgotten two windows after its generation began", 8, []step{{add: a}, {at: w, add: b},
			{at: 2*w - time.Second, has: a, want: true}, {at: 2 * w, has: a}, {at: 2 * w, has: b, want: true}}},
		{"idle past two windows forgets all", 8, []step{{add: a}, {at: 3 * w, has: a}}},
		{"a generation that began after a gap: its predecessor still ends two windows after it began", 8, []step{
			{add: a}, {at: 3 * w / 2, add: b}, {at: 2*w - time.Second, has: a, want: true}, {at: 2 * w, has: a},
			{at: 2 * w, has: b, want: true}}},
		{"a full generation rotates early", 2, []step{{add: a}, {add: b}, {add: c}, {has: a, want: true},
			{add: d}, {add: e}, {has: a}, {has: c, want: true}}},
		{"not an article id: never cached", 8, []step{{add: "feed-1"}, {has: "feed-1"}, {add: "zz" + a[2:]}, {has: "zz" + a[2:]}}},
	}
	for _, tt := range tests {
		r := &recentSeen{window: w, size: tt.size}
		for i, s := range tt.steps {
			now := t0.Add(s.at)
			if s.add != "" {
				r.add(s.add, now)
				continue
			}
			if got := r.has(s.has, now); got != s.want {
				t.Errorf("%s: step %d: has(%.6s…) at +%v = %v, want %v", tt.name, i, s.has, s.at, got, s.want)
			}
		}
	}
	if got := newRecentSeen(0).window; got != recentSeenWindow {
		t.Errorf("bucket without TTL: window %v, want %v", got, recentSeenWindow)
	}
	if got := newRecentSeen(time.Hour).window; got != time.Hour/8 {
		t.Errorf("bucket TTL 1h: window %v, want %v (two of them a quarter of the TTL)", got, time.Hour/8)
	}
}

// A feed relists its items poll after poll; the replica asks the seen
// bucket about each of them once, not at every poll.
func TestPollsAskSeenBucketOnce(t *testing.T) {
	const items = 20
	var polls atomic.Int64
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml") // no validators: every poll reads every item
		writePagesFeed(w, srv.URL, items)
	})
	mux.HandleFunc("/p/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, article, r.URL.Path, r.URL.Path)
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	ns := startNATS(t)
	// The lookups are direct gets on the bucket's stream: a subscriber in
	// the account sees each request too.
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var lookups atomic.Int64
	sub, err := nc.Subscribe("$JS.API.DIRECT.GET.KV_"+events.BucketSeen+".>", func(*nats.Msg) { lookups.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	startReplica(t, ns, "f1", Config{Feeds: []string{srv.URL + "/feed.xml"}, PollInterval: 100 * time.Millisecond,
		MinInterval: 100 * time.Millisecond, MaxInterval: 100 * time.Millisecond, AllowPrivate: true, HostDelay: time.Millisecond})
	j := js(t, ns)
	eventually(t, 30*time.Second, "every page", func() bool { return streamCount(t, j, events.StreamRaw) == items })
	seen := polls.Load()
	eventually(t, 30*time.Second, "five polls more", func() bool { return polls.Load() >= seen+5 })
	if n := lookups.Load(); n == 0 || n > items {
		t.Errorf("%d polls asked the seen bucket %d times, want 1 to %d (once per item)", polls.Load(), n, items)
	}
}
