package fetcher

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/events"
)

func TestFeedView(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) FeedState { return FeedState{NextPoll: now.Add(d)} }
	type step func(v *feedView)
	set := func(key string, st FeedState, rev uint64) step {
		return func(v *feedView) { v.set(key, viewEntry{st: st, rev: rev}) }
	}
	gone := func(key string, rev uint64) step {
		return func(v *feedView) { v.set(key, viewEntry{rev: rev, gone: true}) }
	}
	later := func(key string, d time.Duration) step { return func(v *feedView) { v.later(key, now.Add(d)) } }
	tests := []struct {
		name  string
		steps []step
		due   []string
		next  time.Duration // 0: none
	}{
		{"empty", nil, nil, 0},
		{"never polled is due", []step{set("a", FeedState{}, 1)}, []string{"a"}, 0},
		{"longest overdue first", []step{set("a", at(-time.Minute), 1), set("b", at(-time.Hour), 2), set("c", at(0), 3)},
			[]string{"b", "a", "c"}, 0},
		{"the next one", []step{set("a", at(time.Hour), 1), set("b", at(time.Minute), 2), set("c", at(-time.Second), 3)},
			[]string{"c"}, time.Minute},
		{"a newer revision wins", []step{set("a", at(-time.Minute), 1), set("a", at(time.Hour), 2)}, nil, time.Hour},
		{"an older revision arriving late is ignored", []step{set("a", at(time.Hour), 5), set("a", at(-time.Minute), 4)}, nil, time.Hour},
		{"a removed feed is never due", []step{set("a", at(-time.Minute), 1), gone("a", 2)}, nil, 0},
		{"an older value cannot bring back a removed feed", []step{gone("a", 7), set("a", at(-time.Minute), 6)}, nil, 0},
		{"a feed added again after removal", []step{gone("a", 7), set("a", FeedState{}, 8)}, []string{"a"}, 0},
		{"held off", []step{set("a", at(-time.Minute), 1), later("a", 5*time.Second)}, nil, 5 * time.Second},
		{"held off past its next poll", []step{set("a", at(time.Second), 1), later("a", 5*time.Second)}, nil, 5 * time.Second},
		{"a hold-off does not delay a later next poll", []step{later("a", time.Second), set("a", at(-time.Minute), 1),
			later("a", 5*time.Second), set("a", at(time.Hour), 2)}, nil, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFeedView()
			for _, s := range tt.steps {
				s(v)
			}
			due, next := v.due(now)
			if !slices.Equal(due, tt.due) {
				t.Errorf("due = %v, want %v", due, tt.due)
			}
			var want time.Time
			if tt.next != 0 {
				want = now.Add(tt.next)
			}
			if !next.Equal(want) {
				t.Errorf("next = %v, want %v", next, want)
			}
		})
	}
}

// The poll loop works from a watch of the registry: idle, it reads nothing;
// a feed added through the registry is polled at once, without any re-list;
// a removed feed is polled no more.
func TestRegistryWatch(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	hitsOf := func(path string) int { mu.Lock(); defer mu.Unlock(); return hits[path] }
	mux := http.NewServeMux()
	mux.HandleFunc("/feeds/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		// Quiet feeds ask to be left alone for an hour; the others may come
		// back at the minimum interval.
		if strings.HasPrefix(r.URL.Path, "/feeds/quiet") {
			w.Header().Set("Cache-Control", "max-age=3600")
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>t</title></channel></rss>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	const quiet = 20
	var feeds []string
	for i := range quiet {
		feeds = append(feeds, fmt.Sprintf("%s/feeds/quiet-%d.xml", srv.URL, i))
	}
	ns := startNATS(t)
	r := startReplica(t, ns, "f1", Config{Feeds: feeds, PollInterval: 400 * time.Millisecond, MinInterval: 400 * time.Millisecond,
		MaxInterval: time.Hour, AllowPrivate: true})
	eventually(t, 30*time.Second, "every quiet feed polled", func() bool {
		for i := range quiet {
			if hitsOf(fmt.Sprintf("/feeds/quiet-%d.xml", i)) == 0 {
				return false
			}
		}
		return true
	})

	// Idle: no feed is due for an hour, so the replica sends next to nothing
	// (re-listing 20 feeds every 100 ms would be hundreds of requests).
	time.Sleep(500 * time.Millisecond) // the last poll's claim release and state save
	sent := r.deps.NC.Stats().OutMsgs
	time.Sleep(2 * time.Second)
	if n := r.deps.NC.Stats().OutMsgs - sent; n > 10 {
		t.Errorf("an idle fetcher sent %d messages in 2s", n)
	} else {
		t.Logf("an idle fetcher sent %d messages in 2s", n)
	}
	for i := range quiet {
		if n := hitsOf(fmt.Sprintf("/feeds/quiet-%d.xml", i)); n != 1 {
			t.Errorf("quiet feed %d polled %d times, want once", i, n)
		}
	}

	// Added through the registry, as the CLI and the API do.
	kv, err := js(t, ns).KeyValue(t.Context(), events.BucketFeeds)
	if err != nil {
		t.Fatal(err)
	}
	busy := srv.URL + "/feeds/busy.xml"
	if err := AddFeed(t.Context(), kv, busy); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the added feed polled", func() bool { return hitsOf("/feeds/busy.xml") >= 1 })

	// Removed: no more polls, though it would be due again within a second.
	if err := RemoveFeed(t.Context(), kv, busy); err != nil {
		t.Fatal(err)
	}
	removedAt := hitsOf("/feeds/busy.xml")
	time.Sleep(3 * time.Second)
	if n := hitsOf("/feeds/busy.xml"); n != removedAt {
		t.Errorf("removed feed polled %d more times", n-removedAt)
	}
	if list, err := ListFeeds(t.Context(), kv); err != nil || len(list) != quiet {
		t.Errorf("registry holds %d feeds (%v), want %d", len(list), err, quiet)
	}
}
