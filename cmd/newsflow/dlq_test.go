package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/internal/redisserver"
	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/router"
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

	ns := natstest.StartProvisioned(t)
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

// deadLetterPages publishes pages to NEWSFLOW_RAW as the fetcher does (pages
// named in viaObjectStore as if over the server's limit, so their bodies go
// to the object store) and has a parser-stage handler that fails each for
// good, so the router's dead-letter middleware moves them to NEWSFLOW_DLQ. It
// returns the DLQ sequence of each page, in order.
func deadLetterPages(t *testing.T, j jetstream.JetStream, pages []events.RawPage, viaObjectStore ...string) []uint64 {
	t.Helper()
	ctx := t.Context()
	for _, p := range pages {
		m, err := p.Msg("newsflow/test")
		if err != nil {
			t.Fatal(err)
		}
		maxPayload := j.Conn().MaxPayload()
		if slices.Contains(viaObjectStore, p.URL) {
			maxPayload = 1024
		}
		if _, err := events.PublishLarge(ctx, j, m, maxPayload); err != nil {
			t.Fatal(err)
		}
	}
	c, err := j.CreateOrUpdateConsumer(ctx, events.StreamRaw, jetstream.ConsumerConfig{Durable: "test-parser", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	h := router.Chain(func(context.Context, jetstream.Msg) error { return router.Permanent(errors.New("no article in page")) },
		router.DeadLetter(j, "parser", 3, testLogger(t)))
	batch, err := c.Fetch(len(pages), jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for m := range batch.Messages() {
		if err := h(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := m.Ack(); err != nil {
			t.Fatal(err)
		}
		dlq, err := j.Stream(ctx, events.StreamDLQ)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, dlq.CachedInfo().State.LastSeq)
	}
	if len(seqs) != len(pages) {
		t.Fatalf("dead-lettered %d pages, want %d", len(seqs), len(pages))
	}
	return seqs
}

// show decodes what it previews (s2, object-store references); replay
// loads a referenced body and sends it on, and refuses, keeping the dead
// letter, when the object is gone; purge deletes by filter.
func TestDLQShowReplayPurge(t *testing.T) {
	ns := natstest.StartProvisioned(t)
	ctx := t.Context()
	j := js(t, ns.ClientURL())
	big := strings.Repeat(seedPage(t), 20) // over 4 KiB: s2
	if len(big) <= events.CompressAbove {
		t.Fatalf("test page of %d bytes is not over %d", len(big), events.CompressAbove)
	}
	pages := []events.RawPage{
		{URL: "https://news.example/small", Status: 200, ContentType: "text/html", Body: []byte(plainPage)},
		{URL: "https://news.example/big", Status: 200, ContentType: "text/html", Body: []byte(big)},
		{URL: "https://news.example/gone", Status: 200, ContentType: "text/html", Body: []byte(jsonLDPage)},
	}
	seqs := deadLetterPages(t, j, pages, pages[1].URL, pages[2].URL)
	small, bigSeq, gone := strconv.FormatUint(seqs[0], 10), strconv.FormatUint(seqs[1], 10), strconv.FormatUint(seqs[2], 10)
	dlq := dlqCLI(t, ns.ClientURL())

	list := listDLQ(t, dlq)
	if len(list) != 3 {
		t.Fatalf("%d dead letters, want 3", len(list))
	}
	for i, d := range list {
		if d.Seq != seqs[i] || d.Stage != "parser" || d.Reason != "no article in page" || d.Attempts != 1 || d.URL != pages[i].URL ||
			d.Stream != events.StreamRaw || d.Subject != "newsflow.raw.news_example" || d.Type != events.TypePageFetched {
			t.Errorf("dead letter %d: %+v", i, d)
		}
	}
	if list[0].BodyRef != "" || list[1].BodyRef == "" || list[1].Bytes != 0 || list[0].Bytes != len(plainPage) {
		t.Errorf("body refs: small %q (%d bytes), big %q (%d bytes)", list[0].BodyRef, list[0].Bytes, list[1].BodyRef, list[1].Bytes)
	}

	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"--stage", "parser"}, 3},
		{[]string{"--stage", "store"}, 0},
		{[]string{"--reason", "NO ARTICLE"}, 3},
		{[]string{"--reason", "timeout"}, 0},
		{[]string{"--since", "1h"}, 3},
		{[]string{"--since", time.Now().Add(time.Hour).Format(time.RFC3339)}, 0},
	} {
		if got := len(listDLQ(t, dlq, c.args...)); got != c.want {
			t.Errorf("list %q: %d dead letters, want %d", c.args, got, c.want)
		}
	}

	out, _, code := dlq("show", "--bytes", "300", bigSeq)
	t.Logf("newsflow dlq show %s:\n%s", bigSeq, out)
	for _, want := range []string{"stage          parser", "reason         no article in page", "https://news.example/big",
		"Newsflow-Body-Encoding: s2", "in object store " + events.BucketPages, fmt.Sprintf("body: %d bytes", len(big)),
		"<!DOCTYPE html>", "more bytes; --body prints them all"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("show %s lacks %q: exit %d\n%s", bigSeq, want, code, out)
		}
	}
	out, _, code = dlq("show", "--body", bigSeq)
	if code != 0 || out != big {
		t.Errorf("show --body: exit %d, %d bytes, want the %d of the page", code, len(out), len(big))
	}
	if out, _, code := dlq("show", "--bytes", "20", small); code != 0 || !strings.Contains(out, plainPage[:20]+"\n…") {
		t.Errorf("show --bytes 20:\n%s", out)
	}

	// The object behind the third dead letter expires.
	obs, err := j.ObjectStore(ctx, events.BucketPages)
	if err != nil {
		t.Fatal(err)
	}
	if err := obs.Delete(ctx, list[2].BodyRef); err != nil {
		t.Fatal(err)
	}
	if out, _, code := dlq("show", gone); code != 0 || !strings.Contains(out, "cannot read it") {
		t.Errorf("show of a dead letter whose body is gone: exit %d\n%s", code, out)
	}

	rawBefore := streamMsgs(t, j, events.StreamRaw)
	out, errOut, code := dlq("replay", bigSeq, gone, small)
	if code != 1 || !strings.Contains(out, "replayed 2 of 3 dead letters; 1 failed") || !strings.Contains(errOut, "dead letter "+gone) {
		t.Errorf("replay: exit %d\n%s%s", code, out, errOut)
	}
	left := listDLQ(t, dlq)
	if len(left) != 1 || left[0].Seq != seqs[2] {
		t.Errorf("after the replay the DLQ holds %+v, want only %s", left, gone)
	}
	if n := streamMsgs(t, j, events.StreamRaw); n != rawBefore+2 {
		t.Fatalf("%s holds %d messages, want %d", events.StreamRaw, n, rawBefore+2)
	}
	raw, err := j.Stream(ctx, events.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []events.RawPage{pages[1], pages[0]} {
		m, err := raw.GetMsg(ctx, rawBefore+uint64(i)+1)
		if err != nil {
			t.Fatal(err)
		}
		for k := range m.Header {
			if strings.HasPrefix(k, "Newsflow-Dlq-") {
				t.Errorf("replayed message keeps %s", k)
			}
		}
		id := m.Header.Get(events.HeaderID)
		if msgID := m.Header.Get(nats.MsgIdHdr); msgID == "" || msgID == id {
			t.Errorf("replayed message id %q, event id %q: want a fresh message id", msgID, id)
		}
		body, err := events.LoadBody(ctx, j, m.Header, m.Data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := events.DecodeRawPage(m.Header, body)
		if err != nil || got.URL != want.URL || string(got.Body) != string(want.Body) || m.Subject != "newsflow.raw.news_example" {
			t.Errorf("replayed %s: %v, subject %s, %d bytes", want.URL, err, m.Subject, len(got.Body))
		}
	}

	if _, _, code := dlq("purge"); code != 2 {
		t.Errorf("purge without a selection: exit %d, want 2", code)
	}
	if _, _, code := dlq("purge", "--all", "--stage", "parser"); code != 2 {
		t.Errorf("purge --all with a filter: exit %d, want 2", code)
	}
	if out, _, code := dlq("purge", "--dry-run", "--reason", "no article"); code != 0 || !strings.Contains(out, "would purge 1 dead letters") || len(listDLQ(t, dlq)) != 1 {
		t.Errorf("purge --dry-run: exit %d\n%s", code, out)
	}
	if out, _, code := dlq("purge", "--stage", "fetcher"); code != 0 || !strings.Contains(out, "purged 0 dead letters") {
		t.Errorf("purge --stage fetcher: exit %d\n%s", code, out)
	}
	if out, _, code := dlq("purge", "--stage", "parser"); code != 0 || !strings.Contains(out, "purged 1 dead letters") {
		t.Errorf("purge --stage parser: exit %d\n%s", code, out)
	}
	if n := streamMsgs(t, j, events.StreamDLQ); n != 0 {
		t.Errorf("DLQ holds %d messages after the purge", n)
	}
	if _, errOut, code := dlq("show", gone); code != 1 || !strings.Contains(errOut, "no such dead letter") {
		t.Errorf("show of a purged dead letter: exit %d %s", code, errOut)
	}
	for _, args := range [][]string{{"list", "3"}, {"show"}, {"show", "x"}, {"replay"}, {"replay", "1", "--all"}, {"frobnicate"}} {
		if _, _, code := dlq(args...); code == 0 {
			t.Errorf("dlq %q: exit 0", args)
		}
	}
}
