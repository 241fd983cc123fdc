package fetcher

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/router"
)

const article = `<html><head><title>%s</title></head><body><p>Story %s.</p></body></html>`

// faultyOrigin serves a feed whose entries each misbehave in one way.
func faultyOrigin(t *testing.T) (*httptest.Server, map[string]*atomic.Int32) {
	hits := map[string]*atomic.Int32{}
	for _, p := range []string{"/feed.xml", "/busy", "/flaky"} {
		hits[p] = &atomic.Int32{}
	}
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(bytes.Repeat([]byte("A"), 32<<20))
	zw.Close()
	entries := []string{"/ok", "/private/secret", "/gone", "/busy", "/flaky", "/slow", "/pdf", "/bomb", "/endless", "/loop", "/to-private"}

	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	})
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		hits["/feed.xml"].Add(1)
		w.Header().Set("ETag", `"feed-v1"`)
		if r.Header.Get("If-None-Match") == `"feed-v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>faults</title>`)
		for _, e := range entries {
			fmt.Fprintf(w, `<item><title>%s</title><link>%s%s</link></item>`, e, srv.URL, e)
		}
		fmt.Fprint(w, `</channel></rss>`)
	})
	page := func(w http.ResponseWriter, name string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, article, name, name)
	}
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { page(w, "ok") })
	mux.HandleFunc("/private/secret", func(w http.ResponseWriter, r *http.Request) { page(w, "secret") })
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		if hits["/busy"].Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		page(w, "busy")
	})
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		if hits["/flaky"].Add(1) == 1 {
			http.Error(w, "oops", http.StatusInternalServerError)
			return
		}
		page(w, "flaky")
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprint(w, "%PDF-1.4")
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := bytes.Repeat([]byte("<p>x</p>"), 4096)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/to-private", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://[::1]:9/admin", http.StatusFound)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, hits
}

// Every way a page can fail ends in the expected place — a raw page, a
// retry, the dead-letter stream with its reason, or a skip — and is counted.
func TestFetchFaults(t *testing.T) {
	srv, hits := faultyOrigin(t)
	site := events.SiteToken(strings.TrimPrefix(srv.URL, "http://"))
	ns := startNATS(t)
	cfg := Config{
		Feeds: []string{srv.URL + "/feed.xml"}, PollInterval: 200 * time.Millisecond,
		MinInterval: 200 * time.Millisecond, MaxInterval: 300 * time.Millisecond,
		Workers: 4, MaxDeliver: 2, HostDelay: 5 * time.Millisecond, HostConcurrency: 4,
		Timeout: 700 * time.Millisecond, MaxBytes: 1 << 20, MaxCrawlDelay: 100 * time.Millisecond,
		// Only the origin's own address is allowed: a redirect elsewhere inside is refused.
		AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	}
	before := func(result string) float64 { return testutil.ToFloat64(pageFetches.WithLabelValues(site, result)) }
	base := map[string]float64{}
	for _, r := range []string{"ok", "robots_disallowed", "status", "timeout", "content_type", "too_large", "redirects", "private_address"} {
		base[r] = before(r)
	}
	notModified := func() float64 { return testutil.ToFloat64(feedPolls.WithLabelValues(site, "not_modified")) }
	baseNotModified := notModified()
	startReplica(t, ns, "f1", cfg)
	j := js(t, ns)

	eventually(t, 60*time.Second, "3 pages and 7 dead letters", func() bool {
		return streamCount(t, j, events.StreamRaw) == 3 && streamCount(t, j, events.StreamDLQ) == 7
	})
	got := rawURLs(t, j)
	for _, p := range []string{"/ok", "/busy", "/flaky"} {
		if got[srv.URL+p] != 1 {
			t.Errorf("%s published %d times, want 1", p, got[srv.URL+p])
		}
	}
	reasons := deadLetters(t, j)
	for path, want := range map[string]string{
		"/gone": "410", "/slow": "deadline exceeded", "/pdf": "content type", "/bomb": "too large",
		"/endless": "too large", "/loop": "redirects", "/to-private": "private",
	} {
		if r, ok := reasons[srv.URL+path]; !ok || !strings.Contains(r, want) {
			t.Errorf("%s: dead-letter reason %q, want it to mention %q", path, r, want)
		}
	}
	// Counted, per site and kind.
	for result, atLeast := range map[string]float64{"ok": 3, "robots_disallowed": 1, "status": 3, "timeout": 2,
		"content_type": 1, "too_large": 2, "redirects": 1, "private_address": 1} {
		if d := before(result) - base[result]; d < atLeast {
			t.Errorf("page_fetches_total{result=%q} rose by %v, want ≥ %v", result, d, atLeast)
		}
	}
	if hits["/busy"].Load() < 2 || hits["/flaky"].Load() < 2 {
		t.Errorf("busy/flaky not retried: %d, %d", hits["/busy"].Load(), hits["/flaky"].Load())
	}
	// The feed is polled again and answers 304: nothing new, counted.
	eventually(t, 20*time.Second, "a 304 poll", func() bool {
		return notModified() > baseNotModified
	})
	if n := streamCount(t, j, events.StreamJobs); n != 0 {
		t.Errorf("%d jobs left in the work queue", n)
	}
}

func deadLetters(t *testing.T, j jetstream.JetStream) map[string]string {
	t.Helper()
	out := map[string]string{}
	n := streamCount(t, j, events.StreamDLQ)
	c, err := j.OrderedConsumer(t.Context(), events.StreamDLQ, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		m, err := c.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		out[m.Headers().Get(events.HeaderSubject)] = m.Headers().Get(router.HeaderDLQError)
	}
	return out
}

// Feed failures back off and stay visible in the registry; Retry-After on a
// feed is honoured.
func TestFeedFailuresVisibleAndBackedOff(t *testing.T) {
	var calls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/broken.xml", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "down", http.StatusInternalServerError)
	})
	mux.HandleFunc("/limited.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/notafeed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><rss>&b;</rss>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ns := startNATS(t)
	cfg := Config{Feeds: []string{srv.URL + "/broken.xml", srv.URL + "/limited.xml", srv.URL + "/notafeed.xml"},
		PollInterval: 100 * time.Millisecond, MinInterval: 100 * time.Millisecond, MaxInterval: 200 * time.Millisecond,
		MaxBackoff: time.Hour, AllowPrivate: true, Timeout: time.Second}
	r := startReplica(t, ns, "f1", cfg)
	kv, err := r.deps.JS.KeyValue(t.Context(), events.BucketFeeds)
	if err != nil {
		t.Fatal(err)
	}
	var states map[string]FeedState
	eventually(t, 20*time.Second, "all three feeds to fail", func() bool {
		list, err := ListFeeds(t.Context(), kv)
		if err != nil {
			t.Fatal(err)
		}
		states = map[string]FeedState{}
		for _, s := range list {
			u, _ := url.Parse(s.URL)
			states[u.Path] = s
		}
		return len(states) == 3 && states["/broken.xml"].Errors >= 2 && states["/limited.xml"].Errors >= 1 && states["/notafeed.xml"].Errors >= 1
	})
	b := states["/broken.xml"]
	if !strings.Contains(b.LastError, "500") || !b.NextPoll.After(b.LastPoll) {
		t.Errorf("broken feed state %+v", b)
	}
	if len(b.RecentErrors) != min(b.Errors, MaxRecentErrors) {
		t.Errorf("%d errors but %d in the history", b.Errors, len(b.RecentErrors))
	}
	for _, e := range b.RecentErrors {
		if !strings.Contains(e.Error, "500") || e.At.IsZero() || e.At.After(b.LastPoll) {
			t.Errorf("history entry %+v (last poll %v)", e, b.LastPoll)
		}
	}
	// Backoff doubles from the minimum interval: polls thin out.
	if wait := b.NextPoll.Sub(b.LastPoll); wait < 200*time.Millisecond {
		t.Errorf("after %d errors the next poll is only %v away", b.Errors, wait)
	}
	if l := states["/limited.xml"]; l.NextPoll.Sub(l.LastPoll) < 59*time.Minute {
		t.Errorf("Retry-After: 3600 ignored: next poll in %v", l.NextPoll.Sub(l.LastPoll))
	}
	if n := states["/notafeed.xml"]; !strings.Contains(n.LastError, "DTD") && !strings.Contains(n.LastError, "entit") {
		t.Errorf("entity bomb error %q", n.LastError)
	}
}

// A host that asks for a long pause (Retry-After) defers the other jobs for
// it instead of holding workers until they time out: nothing is
// dead-lettered for waiting.
func TestBusyHostDefersJobs(t *testing.T) {
	var first atomic.Bool
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		writePagesFeed(w, srv.URL, 8)
	})
	mux.HandleFunc("/p/", func(w http.ResponseWriter, r *http.Request) {
		if first.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "20")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, article, r.URL.Path, r.URL.Path)
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	ns := startNATS(t)
	// A job may run 2×1s + 0.1s + 5s: waiting out the 20s pause inside jobs
	// would time out twice and dead-letter a page (MaxDeliver 2).
	startReplica(t, ns, "f1", Config{Feeds: []string{srv.URL + "/feed.xml"}, PollInterval: time.Hour,
		Workers: 4, MaxDeliver: 2, Timeout: time.Second, MaxCrawlDelay: 100 * time.Millisecond,
		HostDelay: 200 * time.Millisecond, HostConcurrency: 1, AllowPrivate: true})
	j := js(t, ns)
	eventually(t, 90*time.Second, "8 pages", func() bool { return streamCount(t, j, events.StreamRaw) == 8 })
	if n := streamCount(t, j, events.StreamDLQ); n != 0 {
		t.Errorf("%d jobs dead-lettered: %v", n, deadLetters(t, j))
	}
}

// The fetcher publishes an HTML page without the text of its styles and of
// its scripts that run, and a plain-text page, or any page with WholePages,
// byte for byte.
func TestPublishedPagesAreTrimmed(t *testing.T) {
	const page = `<html><head><style>body{margin:0}</style><script>track()</script>` +
		`<script type="application/ld+json">{"@type":"NewsArticle"}</script></head>` +
		`<body><p>Story.</p><script src="/app.js"></script></body></html>`
	const trimmed = `<html><head><style></style><script></script>` +
		`<script type="application/ld+json">{"@type":"NewsArticle"}</script></head>` +
		`<body><p>Story.</p><script src="/app.js"></script></body></html>`
	for _, tc := range []struct {
		name        string
		whole       bool
		contentType string
		want        string
	}{
		{"html", false, "text/html; charset=utf-8", trimmed},
		{"xhtml", false, "application/xhtml+xml", trimmed},
		{"plain text", false, "text/plain", page},
		{"whole pages", true, "text/html", page},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			var srv *httptest.Server
			mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
				writePagesFeed(w, srv.URL, 1)
			})
			mux.HandleFunc("/p/0", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				fmt.Fprint(w, page)
			})
			srv = httptest.NewServer(mux)
			defer srv.Close()
			ns := startNATS(t)
			startReplica(t, ns, "f1", Config{Feeds: []string{srv.URL + "/feed.xml"}, AllowPrivate: true,
				PollInterval: time.Minute, WholePages: tc.whole})
			j := js(t, ns)
			eventually(t, 30*time.Second, "the page", func() bool { return streamCount(t, j, events.StreamRaw) == 1 })
			m := firstRaw(t, j)
			got, err := events.DecodeRawPage(m.Headers(), m.Data())
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Body) != tc.want {
				t.Errorf("published\n%s\nwant\n%s", got.Body, tc.want)
			}
		})
	}
}
