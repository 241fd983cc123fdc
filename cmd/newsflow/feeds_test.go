package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/fetcher"
)

// feedsCLI runs `newsflow feeds --nats URL args…` and returns its output
// (stdout and stderr) and exit code.
func feedsCLI(t *testing.T, natsURL string) func(args ...string) (string, int) {
	return func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		code := run(t.Context(), append([]string{"feeds", "--nats", natsURL}, args...), strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), code
	}
}

func TestFeedsCommand(t *testing.T) {
	ns := natstest.StartProvisioned(t)
	feeds := feedsCLI(t, ns.ClientURL())
	if out, code := feeds("add", "https://a.example/feed.xml"); code != 0 {
		t.Fatalf("add: %d %s", code, out)
	}
	opml := filepath.Join(t.TempDir(), "subs.opml")
	os.WriteFile(opml, []byte(`<opml><body><outline xmlUrl="https://b.example/rss"/><outline xmlUrl="https://a.example/feed.xml"/></body></opml>`), 0o644)
	if out, code := feeds("import", opml); code != 0 {
		t.Fatalf("import: %d %s", code, out)
	}
	out, code := feeds("list")
	if code != 0 || strings.Count(out, "https://") != 2 || !strings.Contains(out, "https://b.example/rss") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	out, code = feeds("list", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("list --json: %d\n%s", code, out)
	}
	for i, want := range []string{"https://a.example/feed.xml", "https://b.example/rss"} {
		var st fetcher.FeedState
		if err := json.Unmarshal([]byte(lines[i]), &st); err != nil || st.URL != want || st.AddedAt.IsZero() {
			t.Errorf("list --json line %d = %s (%v), want the entry of %s", i, lines[i], err, want)
		}
	}
	out, code = feeds("show", "https://b.example/rss")
	if code != 0 || !strings.Contains(out, "https://b.example/rss") || !strings.Contains(out, "0 in a row") || !strings.Contains(out, "(due)") {
		t.Errorf("show: %d\n%s", code, out)
	}
	// Flags may also follow the verb and its arguments.
	var after, afterErr bytes.Buffer
	out, _ = feeds("list")
	if code := run(t.Context(), []string{"feeds", "list", "--nats", ns.ClientURL()}, nil, &after, &afterErr); code != 0 || after.String() != out {
		t.Errorf("feeds list --nats URL: exit %d, %q%s; want the same list", code, after.String(), afterErr.String())
	}
	if code := run(t.Context(), []string{"feeds", "add", "https://c.example/rss", "--nats", ns.ClientURL()}, nil, &after, &afterErr); code != 0 {
		t.Errorf("feeds add URL --nats URL: exit %d: %s", code, afterErr.String())
	}
	if out, code := feeds("remove", "https://a.example/feed.xml"); code != 0 {
		t.Fatalf("remove: %d %s", code, out)
	}
	for _, verb := range []string{"remove", "show", "poll", "reset"} {
		if out, code := feeds(verb, "https://a.example/feed.xml"); code != 1 || !strings.Contains(out, "https://a.example/feed.xml is not registered") {
			t.Errorf("%s of a removed feed: %d %s", verb, code, out)
		}
	}
	if out, _ := feeds("list"); strings.Contains(out, "a.example") {
		t.Errorf("removed feed still listed:\n%s", out)
	}
	if _, code := feeds("add", "ftp://x"); code != 1 {
		t.Errorf("bad URL accepted")
	}
	for _, args := range [][]string{{"frobnicate"}, {"show"}, {"show", "u1", "u2"}, {"poll"}, {"reset"}, {"list", "extra"}} {
		if _, code := feeds(args...); code != 2 {
			t.Errorf("feeds %q: exit %d, want 2", args, code)
		}
	}
}

// A source that fails shows its errors and the back-off it is in; "feeds
// reset" and "feeds poll" make a running fetcher poll it again at once, where
// without them it would wait an hour.
func TestFeedsShowPollReset(t *testing.T) {
	var broken atomic.Bool
	broken.Store(true)
	hits := map[string]*atomic.Int32{"/a.xml": {}, "/b.xml": {}}
	mux := http.NewServeMux()
	for path, n := range hits {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			if broken.Load() {
				w.Header().Set("Retry-After", "3600")
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://x/</link><description>d</description></channel></rss>`)
		})
	}
	origin := httptest.NewServer(mux)
	t.Cleanup(origin.Close)
	a, b := origin.URL+"/a.xml", origin.URL+"/b.xml"

	ns := natstest.StartProvisioned(t)
	ctx, cancel := context.WithCancel(t.Context())
	deps, err := service.Connect(ctx, natsx.Config{URL: ns.ClientURL(), Name: "fetcher"}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- fetcher.Run(ctx, fetcher.Config{Feeds: []string{a, b}, PollInterval: 200 * time.Millisecond,
			MinInterval: 200 * time.Millisecond, MaxBackoff: 2 * time.Hour, AllowPrivate: true, Timeout: 5 * time.Second}, deps)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("fetcher: %v", err)
		}
		deps.NC.Close()
	})

	feeds := feedsCLI(t, ns.ClientURL())
	show := func(u string) fetcher.FeedState {
		t.Helper()
		out, code := feeds("show", "--json", u)
		var st fetcher.FeedState
		if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil {
			t.Fatalf("show --json %s: %d %v\n%s", u, code, err, out)
		}
		return st
	}
	registered := func(u string) bool { _, code := feeds("show", u); return code == 0 }
	// The fetcher registers its feeds as it starts; the CLI may be quicker.
	waitFor(t, 20*time.Second, "both feeds to fail once", func() bool {
		return registered(a) && registered(b) && show(a).Errors == 1 && show(b).Errors == 1
	})
	out, code := feeds("show", a)
	for _, want := range []string{a, "1 in a row", "503", "recent errors", "(in "} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("show of a failing feed lacks %q: %d\n%s", want, code, out)
		}
	}
	if st := show(a); len(st.RecentErrors) != 1 || !strings.Contains(st.RecentErrors[0].Error, "503") || st.NextPoll.Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("failing feed state %+v", st)
	}

	broken.Store(false)
	time.Sleep(time.Second) // a fetcher ticks every 100ms here: long enough to see it does not poll yet
	if n := hits["/a.xml"].Load() + hits["/b.xml"].Load(); n != 2 {
		t.Fatalf("feeds fetched %d times while backing off, want 2", n)
	}
	if out, code := feeds("reset", a); code != 0 || !strings.Contains(out, "due now") {
		t.Fatalf("reset: %d %s", code, out)
	}
	if out, code := feeds("poll", b); code != 0 || !strings.Contains(out, "due now") || !strings.Contains(out, "polls it within") {
		t.Fatalf("poll: %d %s", code, out)
	}
	waitFor(t, 20*time.Second, "both feeds to be polled successfully", func() bool {
		return !show(a).LastSuccess.IsZero() && !show(b).LastSuccess.IsZero()
	})
	for _, u := range []string{a, b} {
		st := show(u)
		if st.Errors != 0 || st.LastError != "" || len(st.RecentErrors) != 1 || st.NextPoll.Before(time.Now()) {
			t.Errorf("after a successful poll %s: %+v", u, st)
		}
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
