package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/internal/redisserver"
	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/services/fetcher"
	"github.com/newsflow/newsflow/services/parser"
	"github.com/newsflow/newsflow/services/store"
)

// dlqCLI runs `newsflow dlq --nats URL args…` and returns stdout, stderr
// and the exit code.
func dlqCLI(t *testing.T, natsURL string) func(args ...string) (string, string, int) {
	return func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := run(t.Context(), append([]string{"dlq", "--nats", natsURL}, args...), strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), code
	}
}

// listDLQ is `dlq list --json args…`, decoded.
func listDLQ(t *testing.T, dlq func(...string) (string, string, int), args ...string) []deadLetter {
	t.Helper()
	out, errOut, code := dlq(append([]string{"list", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("dlq list --json %q: exit %d\n%s", args, code, errOut)
	}
	var list []deadLetter
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var d deadLetter
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("dlq list --json: %v\n%s", err, out)
		}
		list = append(list, d)
	}
	return list
}

// Real failures dead-letter real messages: a page that is not HTML (the
// fetcher gives up at once) and article writes while Redis is down (the
// store gives up after STORE_MAX_DELIVER attempts). Once the causes are fixed
// — HTML at that URL, Redis back on its port — `newsflow dlq replay` sends
// them through again, and each article is stored exactly once.
func TestDLQReplayAfterRealFailures(t *testing.T) {
	var fixed atomic.Bool
	mux := http.NewServeMux()
	var origin *httptest.Server
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>%[1]s/</link><description>d</description>
<item><title>Library extends opening hours</title><link>%[1]s/news/library-hours</link></item>
<item><title>Harbour reopens after storm</title><link>%[1]s/news/harbour-report</link></item>
</channel></rss>`, origin.URL)
	})
	mux.HandleFunc("/news/library-hours", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, plainPage)
	})
	mux.HandleFunc("/news/harbour-report", func(w http.ResponseWriter, r *http.Request) {
		if !fixed.Load() {
			w.Header().Set("Content-Type", "application/pdf")
			fmt.Fprint(w, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, jsonLDPage)
	})
	origin = httptest.NewServer(mux)
	t.Cleanup(origin.Close)
	libraryURL, reportURL := origin.URL+"/news/library-hours", origin.URL+"/news/harbour-report"

	// A Redis of the test's own, stopped before the pipeline starts: the
	// store is pointed at a Redis that is down.
	redisDir := t.TempDir()
	rs, err := redisserver.Start(t.Context(), redisserver.Options{Dir: redisDir})
	if err != nil {
		t.Fatalf("redis-server: %v (%s)", err, redisserver.InstallHint)
	}
	_, port, _ := net.SplitHostPort(rs.Addr())
	redisPort, _ := strconv.Atoi(port)
	if err := rs.Stop(); err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr(), MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	prefix := redistest.Prefix()

	ns := natstest.Start(t)
	apiAddr := freeAddr(t)
	startPipeline(t, natsx.Config{URL: ns.ClientURL()}, rdb, pipelineConfig{
		fetcher: fetcher.Config{Feeds: []string{origin.URL + "/feed.xml"}, PollInterval: 300 * time.Millisecond,
			MaxBackoff: time.Second, Workers: 2, MaxDeliver: 3, HostDelay: 10 * time.Millisecond,
			Timeout: 10 * time.Second, AllowPrivate: true},
		parser: parser.Config{Workers: 2, MaxDeliver: 3, Timeout: 10 * time.Second},
		store:  store.Config{Prefix: prefix, TTL: time.Hour, Workers: 2, HTTPAddr: apiAddr, MaxDeliver: 2},
	})
	dlq := dlqCLI(t, ns.ClientURL())

	var list []deadLetter
	waitFor(t, 60*time.Second, "a fetcher and a store dead letter", func() bool {
		list = listDLQ(t, dlq)
		return len(list) == 2
	})
	byStage := map[string]deadLetter{}
	for _, d := range list {
		byStage[d.Stage] = d
	}
	f, s := byStage["fetcher"], byStage["store"]
	if f.URL != reportURL || f.Attempts != 1 || !strings.Contains(f.Reason, "content type") ||
		f.Stream != events.StreamJobs || !strings.HasPrefix(f.Subject, events.SubjectJobPrefix) || f.Type != events.TypeFetchJob {
		t.Errorf("fetcher dead letter: %+v", f)
	}
	if s.URL != libraryURL || s.Attempts != 2 || !strings.Contains(s.Reason, "connection refused") ||
		s.Stream != events.StreamArticles || !strings.HasPrefix(s.Subject, events.SubjectArticlePrefix) || s.Type != events.TypeArticleParsed {
		t.Errorf("store dead letter: %+v", s)
	}
	for _, d := range list {
		if d.Seq == 0 || d.StreamSeq == 0 || d.ID == "" || d.Bytes == 0 || d.At.IsZero() || d.AgeSeconds < 0 || d.AgeSeconds > 120 {
			t.Errorf("dead letter fields: %+v", d)
		}
	}
	out, _, code := dlq("list")
	t.Logf("newsflow dlq list:\n%s", out)
	if code != 0 || !strings.Contains(out, "SEQ") || !strings.Contains(out, reportURL) || !strings.Contains(out, libraryURL) {
		t.Errorf("dlq list: %d\n%s", code, out)
	}
	out, _, code = dlq("show", strconv.FormatUint(f.Seq, 10))
	if code != 0 || !strings.Contains(out, "Newsflow-Dlq-Error: ") || !strings.Contains(out, `"url":"`+reportURL) {
		t.Errorf("dlq show %d: %d\n%s", f.Seq, code, out)
	}

	// Fix both causes: HTML at the URL, Redis back where the store looks.
	fixed.Store(true)
	rs, err = redisserver.Start(t.Context(), redisserver.Options{Dir: redisDir, Port: redisPort})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Stop() })
	t.Cleanup(func() { redistest.DeletePrefix(context.Background(), rdb, prefix) })

	out, _, code = dlq("replay", "--dry-run", "--all")
	if code != 0 || !strings.Contains(out, "would replay 2 of 2") {
		t.Errorf("replay --dry-run: %d\n%s", code, out)
	}
	if n := len(listDLQ(t, dlq)); n != 2 {
		t.Fatalf("a dry run changed the DLQ: %d dead letters left", n)
	}
	out, errOut, code := dlq("replay", "--all")
	t.Logf("newsflow dlq replay --all:\n%s", out)
	if code != 0 || !strings.Contains(out, "replayed 2 of 2 dead letters") {
		t.Fatalf("replay --all: %d\n%s%s", code, out, errOut)
	}
	l := waitArticles(t, "http://"+apiAddr, 2)
	time.Sleep(time.Second) // time for anything published twice to be stored twice
	l = waitArticles(t, "http://"+apiAddr, 2)
	urls := map[string]int{}
	for _, a := range l.Articles {
		urls[a.URL]++
	}
	if len(l.Articles) != 2 || urls[libraryURL] != 1 || urls[reportURL] != 1 {
		t.Errorf("stored articles by URL: %v, want each of %s and %s once", urls, libraryURL, reportURL)
	}
	ctx := t.Context()
	if n := rdb.ZCard(ctx, prefix+"i:all").Val(); n != 2 {
		t.Errorf("the index holds %d articles, want 2", n)
	}
	if keys := rdb.Keys(ctx, prefix+"a:*").Val(); len(keys) != 2 {
		t.Errorf("Redis holds %d article records, want 2: %v", len(keys), keys)
	}
	// The replay published each dead letter once: the article stream holds
	// the library article twice (the write that failed, the replay) and the
	// report once.
	if n := streamMsgs(t, js(t, ns.ClientURL()), events.StreamArticles); n != 3 {
		t.Errorf("%s holds %d messages, want 3", events.StreamArticles, n)
	}
	if n := streamMsgs(t, js(t, ns.ClientURL()), events.StreamDLQ); n != 0 {
		t.Errorf("%s holds %d messages after the replay, want 0", events.StreamDLQ, n)
	}
	if out, _, code := dlq("replay", "--all"); code != 0 || !strings.Contains(out, "replayed 0 of 0") {
		t.Errorf("second replay: %d\n%s", code, out)
	}
}
