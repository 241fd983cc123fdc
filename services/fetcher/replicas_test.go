package fetcher

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/events"
)

// site is one origin host that records how it is treated: concurrent polls
// of each feed, concurrent page fetches, and the gap between page fetches.
type site struct {
	*httptest.Server
	mu          sync.Mutex
	feedActive  map[string]int
	feedOverlap int // times a feed was requested while already being served
	pageActive  int
	maxPage     int
	starts      []time.Time
}

func newSite(t *testing.T, feedsPerSite, articlesPerFeed int, pageDelay time.Duration) *site {
	s := &site{feedActive: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/feeds/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.feedActive[r.URL.Path]++
		if s.feedActive[r.URL.Path] > 1 {
			s.feedOverlap++
		}
		s.mu.Unlock()
		defer func() { s.mu.Lock(); s.feedActive[r.URL.Path]--; s.mu.Unlock() }()
		time.Sleep(20 * time.Millisecond) // long enough for an overlap to show
		var n int
		fmt.Sscanf(r.URL.Path, "/feeds/%d.xml", &n)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>f</title>`)
		for i := range articlesPerFeed {
			fmt.Fprintf(w, `<item><title>Story %d-%d</title><link>%s/articles/%d/%d</link></item>`, n, i, s.URL, n, i)
		}
		fmt.Fprint(w, `</channel></rss>`)
	})
	mux.HandleFunc("/articles/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.starts = append(s.starts, time.Now())
		s.pageActive++
		s.maxPage = max(s.maxPage, s.pageActive)
		s.mu.Unlock()
		defer func() { s.mu.Lock(); s.pageActive--; s.mu.Unlock() }()
		time.Sleep(pageDelay)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, article, r.URL.Path, r.URL.Path)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// Replicas share the work with no coordinator: across 50 feeds and 1,000
// articles every article is published exactly once, no feed is polled by two
// replicas at once, the per-host limits hold across replicas, and a replica
// killed mid-run loses nothing.
func TestReplicasShareWork(t *testing.T) {
	for _, tc := range []struct {
		name     string
		replicas int
		kill     bool
	}{
		{"two replicas", 2, false},
		{"three replicas, one killed", 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const hosts, feedsPerHost, perFeed = 5, 10, 20
			const hostDelay, perHost = 25 * time.Millisecond, 2
			var sites []*site
			var feedURLs []string
			for range hosts {
				s := newSite(t, feedsPerHost, perFeed, 5*time.Millisecond)
				sites = append(sites, s)
				for i := range feedsPerHost {
					feedURLs = append(feedURLs, fmt.Sprintf("%s/feeds/%d.xml", s.URL, i))
				}
			}
			ns := startNATS(t)
			cfg := Config{Feeds: feedURLs, PollInterval: 150 * time.Millisecond, MinInterval: 150 * time.Millisecond,
				MaxInterval: 300 * time.Millisecond, Workers: 6, HostDelay: hostDelay, HostConcurrency: perHost,
				Timeout: 2 * time.Second, MaxCrawlDelay: 100 * time.Millisecond, AllowPrivate: true}
			var reps []*replica
			for i := range tc.replicas {
				reps = append(reps, startReplica(t, ns, fmt.Sprint("f", i), cfg))
			}
			j := js(t, ns)
			total := uint64(hosts * feedsPerHost * perFeed)
			if tc.kill {
				eventually(t, 60*time.Second, "a third of the pages", func() bool { return streamCount(t, j, events.StreamRaw) >= total/3 })
				reps[0].kill()
			}
			eventually(t, 120*time.Second, fmt.Sprintf("%d pages", total), func() bool { return streamCount(t, j, events.StreamRaw) >= total })
			time.Sleep(500 * time.Millisecond) // anything extra would show now
			got := rawURLs(t, j)
			if uint64(len(got)) != total {
				t.Errorf("%d distinct pages published, want %d", len(got), total)
			}
			var dup []string
			for u, n := range got {
				if n != 1 {
					dup = append(dup, fmt.Sprintf("%s×%d", u, n))
				}
			}
			if len(dup) > 0 {
				t.Errorf("pages published more than once: %s", strings.Join(dup[:min(len(dup), 5)], ", "))
			}
			for i, s := range sites {
				s.mu.Lock()
				if s.feedOverlap > 0 {
					t.Errorf("site %d: a feed was polled by two replicas at once (%d times)", i, s.feedOverlap)
				}
				if s.maxPage > perHost {
					t.Errorf("site %d: %d page fetches at once, limit %d", i, s.maxPage, perHost)
				}
				// Starts are booked hostDelay apart, but a goroutine may wake late
				// on a loaded machine, bunching arrivals; so the rate is checked
				// over windows of 20 gaps with a quarter of slack — replicas that
				// did not share the limit would fetch two or three times faster.
				const w = 20
				for k := w; k < len(s.starts); k++ {
					if span := s.starts[k].Sub(s.starts[k-w]); span < w*hostDelay*3/4 {
						t.Errorf("site %d: %d fetches within %v, delay %v", i, w+1, span, hostDelay)
						break
					}
				}
				s.mu.Unlock()
			}
		})
	}
}

// The jobs a killed replica had taken — fetching or waiting in its buffer —
// go to another replica after jobAckWait, not after the longest a job may
// take (FETCHER_TIMEOUT twice, the crawl-delay cap and more: over a minute
// and a half by default).
func TestKilledReplicasJobsComeBack(t *testing.T) {
	const hosts, perFeed = 3, 4
	var feedURLs []string
	var sites []*site
	for range hosts {
		s := newSite(t, 1, perFeed, time.Second)
		sites = append(sites, s)
		feedURLs = append(feedURLs, s.URL+"/feeds/0.xml")
	}
	started := func() int {
		n := 0
		for _, s := range sites {
			s.mu.Lock()
			n += len(s.starts)
			s.mu.Unlock()
		}
		return n
	}
	ns := startNATS(t)
	cfg := Config{Feeds: feedURLs, PollInterval: time.Hour, Workers: 8, HostConcurrency: 2, AllowPrivate: true}
	a := startReplica(t, ns, "a", cfg)
	eventually(t, 60*time.Second, "a fetching pages", func() bool { return started() >= 2 })
	a.kill()
	killed := time.Now()
	startReplica(t, ns, "b", cfg)
	j := js(t, ns)
	const total = hosts * perFeed
	eventually(t, 3*time.Minute, fmt.Sprintf("%d pages", total), func() bool { return streamCount(t, j, events.StreamRaw) >= total })
	took := time.Since(killed)
	t.Logf("every page published %v after a was killed (job ack wait %v)", took.Round(100*time.Millisecond), jobAckWait)
	// The bound is generous: the old ack wait, 100 s here, is far beyond it.
	if took > jobAckWait+30*time.Second {
		t.Errorf("the killed replica's jobs came back %v after it died, want about %v", took.Round(time.Second), jobAckWait)
	}
}
