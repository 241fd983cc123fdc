package fetcher

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/events"
)

func TestInterval(t *testing.T) {
	f := &Fetcher{cfg: Config{PollInterval: 10 * time.Minute, MinInterval: 2 * time.Minute, MaxInterval: 2 * time.Hour}}
	now := time.Now()
	every := func(d time.Duration) []time.Time {
		var out []time.Time
		for i := range 8 {
			out = append(out, now.Add(-time.Duration(i)*d))
		}
		return out
	}
	tests := []struct {
		name string
		st   FeedState
		r    pollResult
		want time.Duration
	}{
		{"hourly feed", FeedState{}, pollResult{dates: every(time.Hour), queued: 1}, 30 * time.Minute},
		{"busy feed hits the floor", FeedState{}, pollResult{dates: every(time.Minute), queued: 3}, 2 * time.Minute},
		{"daily feed hits the ceiling", FeedState{}, pollResult{dates: every(24 * time.Hour), queued: 1}, 2 * time.Hour},
		{"no dates, nothing new: slower", FeedState{Interval: 20 * time.Minute}, pollResult{notMod: true}, 30 * time.Minute},
		{"no dates, first poll", FeedState{}, pollResult{queued: 5}, 10 * time.Minute},
		{"ttl wins", FeedState{}, pollResult{dates: every(time.Minute), ttl: time.Hour}, time.Hour},
		{"max-age wins", FeedState{}, pollResult{dates: every(time.Minute), maxAge: 15 * time.Minute}, 15 * time.Minute},
	}
	for _, tt := range tests {
		if got := f.interval(tt.st, tt.r); got != tt.want {
			t.Errorf("%s: interval = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestArticleLinks(t *testing.T) {
	page := `<html><body><nav><a href="/">Home</a><a href="/world">World news section</a></nav>
<a href="/2024/02/23/bridge-reopens-after-repairs">Bridge reopens after a year of repairs</a>
<a href="https://other.example/2024/02/23/elsewhere-story-here">A story on another site entirely</a>
<a href="/news/world/ministers-agree-on-stern-response">Ministers agree on stern response to arms deal</a>
<a href="/article/123456">Council approves the new budget for schools</a>
<a href="/about-us">About us</a><a href="/img/photo-of-the-day.jpg">Photo of the day in pictures</a>
<a href="/2024/02/23/bridge-reopens-after-repairs#comments">Bridge reopens after a year of repairs</a>
</body></html>`
	var got []string
	for _, it := range articleLinks([]byte(page), "https://news.example/section") {
		got = append(got, it.URL)
	}
	want := []string{
		"https://news.example/2024/02/23/bridge-reopens-after-repairs",
		"https://news.example/news/world/ministers-agree-on-stern-response",
		"https://news.example/article/123456",
	}
	if !slices.Equal(got, want) {
		t.Errorf("articleLinks = %q, want %q", got, want)
	}
}

// A source that is an HTML page announcing a feed adds the feed, and the
// feed's articles are fetched; a page without a feed gives its article links.
func TestPageSources(t *testing.T) {
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><head><link rel="alternate" type="application/rss+xml" href="/feeds/main.xml"></head><body>home</body></html>`)
	})
	mux.HandleFunc("/feeds/main.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>t</title><item><title>From feed</title><link>%s/2024/01/01/from-the-feed-story</link></item></channel></rss>`, srv.URL)
	})
	mux.HandleFunc("/section", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><body><a href="/2024/01/02/linked-from-section-page">A story linked from the section page</a></body></html>`)
	})
	mux.HandleFunc("/2024/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, article, r.URL.Path, r.URL.Path)
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	ns := startNATS(t)
	startReplica(t, ns, "f1", Config{Feeds: []string{srv.URL + "/", srv.URL + "/section"}, PollInterval: 200 * time.Millisecond,
		MinInterval: 200 * time.Millisecond, AllowPrivate: true, HostDelay: time.Millisecond})
	j := js(t, ns)
	eventually(t, 30*time.Second, "two pages", func() bool { return streamCount(t, j, events.StreamRaw) == 2 })
	got := rawURLs(t, j)
	for _, u := range []string{srv.URL + "/2024/01/01/from-the-feed-story", srv.URL + "/2024/01/02/linked-from-section-page"} {
		if got[u] != 1 {
			t.Errorf("%s fetched %d times: %v", u, got[u], got)
		}
	}
}
