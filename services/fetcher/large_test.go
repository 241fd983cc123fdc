package fetcher

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/events"
)

// A page larger than the server's max payload, even compressed, travels
// through the object store and arrives whole.
func TestLargePageViaObjectStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var page bytes.Buffer
	page.WriteString("<html><body><p>")
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for page.Len() < 12<<20 { // incompressible enough to stay above 8 MB compressed
		page.WriteByte(letters[rng.IntN(len(letters))])
	}
	page.WriteString("</p></body></html>")
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>t</title><item><title>big</title><link>%s/big-page-here-now</link></item></channel></rss>`, srv.URL)
	})
	mux.HandleFunc("/big-page-here-now", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(page.Bytes())
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	ns := startNATS(t)
	r := startReplica(t, ns, "f1", Config{Feeds: []string{srv.URL + "/feed.xml"}, AllowPrivate: true,
		MaxBytes: 32 << 20, PollInterval: time.Minute, Timeout: 20 * time.Second})
	j := js(t, ns)
	eventually(t, 60*time.Second, "the large page", func() bool { return streamCount(t, j, events.StreamRaw) == 1 })
	m := firstRaw(t, j)
	if m.Headers().Get(events.HeaderBodyRef) == "" || len(m.Data()) != 0 {
		t.Fatalf("large page sent inline (%d bytes)", len(m.Data()))
	}
	body, err := events.LoadBody(t.Context(), r.deps.JS, m.Headers(), m.Data())
	if err != nil {
		t.Fatal(err)
	}
	got, err := events.DecodeRawPage(m.Headers(), body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Body, page.Bytes()) {
		t.Errorf("page came back with %d bytes, want %d", len(got.Body), page.Len())
	}
}

func TestFeedAPI(t *testing.T) {
	ns := startNATS(t)
	r := startReplica(t, ns, "f1", Config{PollInterval: time.Hour, AllowPrivate: true})
	f, err := New(t.Context(), Config{}, r.deps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v1/feeds", "application/json", strings.NewReader(`{"url":"https://news.example/rss"}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST: %v %v", err, resp.Status)
	}
	resp, err = http.Post(srv.URL+"/v1/feeds", "application/json", strings.NewReader(`{"url":"mailto:x"}`))
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("POST bad url: %v %v", err, resp.Status)
	}
	resp, err = http.Get(srv.URL + "/v1/feeds")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Feeds []FeedState }
	json.NewDecoder(resp.Body).Decode(&list)
	if len(list.Feeds) != 1 || list.Feeds[0].URL != "https://news.example/rss" {
		t.Fatalf("GET: %+v", list)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/v1/feeds?url=https://news.example/rss", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %v %v", err, resp.Status)
	}
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("second DELETE: %v %v", err, resp.Status)
	}
	// Any other path or method: the same JSON errors, not net/http's text.
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/v1/feed", http.StatusNotFound},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodPut, "/v1/feeds", http.StatusMethodNotAllowed},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Status  int    `json:"status"`
			Message string `json:"message"`
		}
		derr := json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tc.status || derr != nil || e.Status != tc.status || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: %d %s (%v), want a JSON %d", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), derr, tc.status)
		}
	}
}
