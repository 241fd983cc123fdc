package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/fetcher"
)

// lockedBuffer collects a logger's output from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A feed URL's password reaches the feed's server and nothing else: not the
// fetcher's logs (debug level), not its feed API, not any `newsflow feeds`
// output, not the errors the registry keeps.
func TestFeedPasswordNeverShown(t *testing.T) {
	const secret = "s3cret-pw-4711"
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "try later", http.StatusServiceUnavailable)
	}))
	t.Cleanup(origin.Close)
	feedURL := strings.Replace(origin.URL, "http://", "http://reader:"+secret+"@", 1) + "/feed.xml"

	ns := natstest.StartProvisioned(t)
	var logs lockedBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(t.Context())
	deps, err := service.Connect(ctx, natsx.Config{URL: ns.ClientURL(), Name: "fetcher"}, log)
	if err != nil {
		t.Fatal(err)
	}
	apiAddr := freeAddr(t)
	done := make(chan error, 1)
	go func() {
		done <- fetcher.Run(ctx, fetcher.Config{Feeds: []string{feedURL}, PollInterval: 200 * time.Millisecond,
			MinInterval: 200 * time.Millisecond, AllowPrivate: true, Timeout: 5 * time.Second, APIAddr: apiAddr}, deps)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		deps.NC.Close()
	})

	feeds := feedsCLI(t, ns.ClientURL())
	waitFor(t, 20*time.Second, "the feed to fail once", func() bool {
		out, code := feeds("show", feedURL)
		return code == 0 && strings.Contains(out, "503")
	})
	var shown strings.Builder
	for _, args := range [][]string{{"list"}, {"list", "--json"}, {"show", feedURL}, {"show", "--json", feedURL},
		{"poll", feedURL}, {"reset", feedURL}, {"add", feedURL}, {"remove", feedURL}, {"show", feedURL}} {
		out, _ := feeds(args...)
		shown.WriteString(out)
	}
	resp, err := http.Get("http://" + apiAddr + "/v1/feeds")
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		shown.Write(body)
	}
	if !strings.Contains(shown.String(), "reader:xxxxx@") {
		t.Errorf("the outputs do not show the feed at all (redacted):\n%s", shown.String())
	}
	if strings.Contains(shown.String(), secret) {
		t.Errorf("the password is shown:\n%s", shown.String())
	}
	if l := logs.String(); !strings.Contains(l, "reader:xxxxx@") || strings.Contains(l, secret) {
		t.Errorf("the fetcher's logs show the password, or no feed at all:\n%s", l)
	}
}
