package fetcher

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// A page answered with 429 and Retry-After slows its whole host down: the
// jobs of the host waiting for the slot it held are not fetched before the
// Retry-After has passed.
func TestRetryAfterHoldsBackTheJobsWaiting(t *testing.T) {
	const retryAfter = 30 * time.Second
	var mu sync.Mutex
	var limitedAt time.Time
	var early []string // pages requested after the 429, inside its Retry-After
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		writePagesFeed(w, srv.URL, 6)
	})
	mux.HandleFunc("/p/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		switch {
		case limitedAt.IsZero():
			limitedAt = time.Now()
			mu.Unlock()
			w.Header().Set("Retry-After", fmt.Sprint(int(retryAfter.Seconds())))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		case time.Since(limitedAt) < retryAfter:
			early = append(early, r.URL.Path)
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, article, r.URL.Path, r.URL.Path)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ns := startNATS(t)
	startReplica(t, ns, "f1", Config{Feeds: []string{srv.URL + "/feed.xml"}, PollInterval: time.Hour,
		Workers: 2, MaxDeliver: 3, Timeout: 5 * time.Second, HostConcurrency: 1, AllowPrivate: true})
	eventually(t, 30*time.Second, "a page answered with 429", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return !limitedAt.IsZero()
	})
	// The jobs waiting for the host have had their chance to go early.
	time.Sleep(2 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(early) > 0 {
		t.Errorf("pages %v fetched within the host's Retry-After of %v", early, retryAfter)
	}
}
